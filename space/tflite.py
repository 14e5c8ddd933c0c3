"""Keras model -> TFLite flatbuffer with builtin ops only, and a look at what is inside."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import warnings
from typing import Callable, Iterable

import numpy as np

from mobile_seg_nas import UserInputError
from mobile_seg_nas.streams import muted_stderr

QUANTIZATIONS = ("none", "fp16", "int8")


def convert_to_tflite(
    model, quantize: str = "none", representative_images: Callable[[], Iterable] | None = None
) -> bytes:
    """Converts a Keras model with TFLite builtin ops only (no Select TF ops, ever).

    `quantize`: "none" (float32), "fp16" (float16 weights) or "int8" (full integer with uint8
    input; needs `representative_images`, a callable yielding float32 batches of one image).
    Conversion fails loudly, with the offending ops named, instead of adding Flex ops.
    """
    import tensorflow as tf  # running TFLite models (LiteRT) does not need TensorFlow
    from tensorflow.lite.python.convert_phase import ConverterError

    if quantize not in QUANTIZATIONS:
        raise UserInputError(
            f"quantize: {quantize!r} is not allowed; allowed: {', '.join(QUANTIZATIONS)}"
        )
    converter = tf.lite.TFLiteConverter.from_concrete_functions([_frozen_function(model)])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "int8":
        if representative_images is None:
            raise UserInputError("int8 quantization needs representative images (--data)")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([image] for image in representative_images())
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
    native_log = tempfile.TemporaryFile()
    try:
        with _quiet_native_output(native_log), warnings.catch_warnings():
            # int8: uint8 input with the quantization the representative data gives it
            warnings.filterwarnings("ignore", "Statistics for quantized inputs")
            return converter.convert()
    except ConverterError as error:
        ops = _ops_outside_builtins(error)
        if not ops:
            _replay(native_log)
            raise
        raise UserInputError(
            f"TFLite conversion ({quantize}) needs ops outside the TFLite builtins: "
            f"{', '.join(ops)}; the model must use builtin ops only (no Select TF ops)"
        ) from None
    except BaseException:
        _replay(native_log)
        raise
    finally:
        native_log.close()


@contextlib.contextmanager
def _quiet_native_output(native_log):
    """Keeps stdout clean for results (e.g. `--json`) and stderr for progress: Keras prints the
    exported signature, the C++ converter and quantizer their settings. stdout is dropped;
    stderr goes to `native_log`, shown only if the conversion fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(io.StringIO()):
            os.dup2(devnull.fileno(), 1)
            os.dup2(native_log.fileno(), 2)
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for descriptor in saved:
            os.close(descriptor)


def _replay(native_log) -> None:
    """Writes what the converter printed on stderr to stderr (for a failed conversion)."""
    native_log.seek(0)
    sys.stderr.write(native_log.read().decode(errors="replace"))


def _ops_outside_builtins(error) -> list[str]:
    """The TF ops a failed conversion would have needed as Flex or custom ops."""
    needs = ("ERROR_NEEDS_FLEX_OPS", "ERROR_NEEDS_CUSTOM_OPS")
    names = {
        data.operator.name
        for data in getattr(error, "errors", ())
        if any(code in str(data) for code in needs) and data.operator.name
    }
    return sorted(names)


def _frozen_function(model):
    """The model's inference function with its weights as constants: converts ~4x faster than
    `from_keras_model` (no SavedModel round trip) and to the same ops."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    signature = [tf.TensorSpec(tensor.shape, tensor.dtype) for tensor in model.inputs]
    call = tf.function(
        lambda *inputs: model(inputs[0] if len(inputs) == 1 else list(inputs), training=False)
    )
    return convert_variables_to_constants_v2(call.get_concrete_function(*signature))


def make_interpreter(model_content: bytes, num_threads: int = 1, xnnpack: bool = True):
    """A LiteRT interpreter (XNNPACK on CPU); tflite-runtime where that is what is installed.
    The runtime's line on creating its delegate is kept off stderr: a command's stderr carries
    only the toolkit's own lines (an error is one line)."""
    try:
        from ai_edge_litert import interpreter as litert
    except ImportError:  # a device with the older runtime
        from tflite_runtime import interpreter as litert
    resolver = (
        litert.OpResolverType.AUTO
        if xnnpack
        else litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    with muted_stderr():
        interpreter = litert.Interpreter(
            model_content=model_content,
            num_threads=num_threads,
            experimental_op_resolver_type=resolver,
        )
        interpreter.allocate_tensors()
    return interpreter


def tflite_op_names(model_content: bytes) -> list[str]:
    """The op type of every node of a TFLite model, in execution order."""
    interpreter = make_interpreter(model_content, xnnpack=False)
    return [op["op_name"] for op in interpreter._get_ops_details()]


def predict_tflite(model_content: bytes, images, num_threads: int = 1) -> np.ndarray:
    """The first output of a single-input, batch-1 model (float32 or uint8 input) for each of
    `images` [N, ...], concatenated: e.g. class ids [N, H, W] of an inference model."""
    interpreter = make_interpreter(model_content, num_threads)
    input_detail = interpreter.get_input_details()[0]
    output_index = interpreter.get_output_details()[0]["index"]
    outputs = []
    for image in images:
        interpreter.set_tensor(input_detail["index"], image[None].astype(input_detail["dtype"]))
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(output_index).copy())
    return np.concatenate(outputs)


def custom_op_names(model_content: bytes) -> list[str]:
    """The ops of a TFLite model that are not TFLite builtins (Flex / custom ops), sorted."""
    from tensorflow.lite.python import schema_py_generated as schema

    builtins = {name for name in vars(schema.BuiltinOperator) if name.isupper()}
    return sorted(set(tflite_op_names(model_content)) - builtins)
