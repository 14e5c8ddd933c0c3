"""Proof that a TFLite file computes what the Keras model computes: pixel agreement of the class
maps on the same images, and mIOU against the labels when the weights are trained."""

from __future__ import annotations

import numpy as np

from mobile_seg_nas import UserInputError
from space.tflite import predict_tflite
from trainers.metrics import ConfusionMatrix

FLOAT32_MIN_AGREEMENT = 0.999


class VerificationError(UserInputError):
    """A TFLite file that does not compute what the Keras model computes."""


def verification_images(dataset, size, limit: int):
    """Validation images as whole pixel values 0..255 (float32 [N, H, W, 3]) and their masks, so
    that the float and the uint8 (int8 model) inputs are the same numbers."""
    images, masks = [], []
    for image, mask in dataset.examples(split="val", size=tuple(size), limit=limit):
        images.append(np.clip(np.rint(image), 0, 255).astype(np.float32))
        masks.append(np.asarray(mask, np.int32))
    if not images:
        raise UserInputError("verification: the dataset yielded no validation images")
    return np.stack(images), np.stack(masks)


def predict_keras(model, images) -> np.ndarray:
    """Class ids [N, H, W] of the batch-1 Keras inference model."""
    return np.concatenate([np.asarray(model(image[None], training=False)) for image in images])


def pixel_agreement(predictions, reference) -> float:
    """The fraction of pixels where two class maps name the same class."""
    return float(np.mean(np.asarray(predictions) == np.asarray(reference)))


def mean_iou(predictions, masks, num_classes: int) -> float:
    matrix = ConfusionMatrix(num_classes)
    for prediction, mask in zip(predictions, masks):
        matrix.update(mask, prediction)
    return float(matrix.miou())


def verify_models(
    keras_model,
    models: dict,
    images,
    masks=None,
    num_classes: int | None = None,
    num_threads: int = 1,
) -> dict:
    """Runs the Keras model and every TFLite file (`{name: (bytes, quantize)}`) on the same images.

    Returns `{"images": N, "keras_miou": ..., "models": {name: {"agreement", "miou", ...}}}`;
    mIOU only when `masks` are given. Raises `VerificationError` if a float32 file agrees with
    Keras on fewer than 99.9% of the pixels.
    """
    reference = predict_keras(keras_model, images)
    report = {
        "images": int(len(images)),
        "pixels": int(reference.size),
        "split": "val",
        "min_float32_agreement": FLOAT32_MIN_AGREEMENT,
    }
    if masks is not None:
        report["keras_miou"] = mean_iou(reference, masks, num_classes)
    report["models"] = {}
    for name, (content, quantize) in models.items():
        predictions = predict_tflite(content, images, num_threads)
        figures = {"agreement": pixel_agreement(predictions, reference)}
        if masks is not None:
            figures["miou"] = mean_iou(predictions, masks, num_classes)
            figures["miou_drop"] = report["keras_miou"] - figures["miou"]
        report["models"][name] = figures
        if quantize == "none" and figures["agreement"] < FLOAT32_MIN_AGREEMENT:
            raise VerificationError(
                f"verification: {name} agrees with the Keras model on {figures['agreement']:.4%} "
                f"of pixels (needs >= {FLOAT32_MIN_AGREEMENT:.1%}); nothing written"
            )
    return report
