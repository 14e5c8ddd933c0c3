"""One model -> one export folder: TFLite files (float32, fp16, int8), verified against Keras,
timed on LiteRT, with labels, metadata and a phone benchmark script."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

import pandas as pd

from mobile_seg_nas import UserInputError, write_json
from latency_models import MissingEntries, load_table, measure_model, predict_latency
from latency_models.machine import host_description
from latency_models.phone import benchmark_flags
from nas.export.folders import check_out_folder, staged_folder
from nas.export.phone_script import SCRIPT_FILE, benchmark_script
from nas.export.verify import verification_images, verify_models
from space.builders import count_flops, count_params
from space.network import PIXEL_MEAN, PIXEL_STD
from space.tflite import QUANTIZATIONS, convert_to_tflite, custom_op_names, tflite_op_names
from trainers import load_dataset
from trainers.datasets.base import palette

log = logging.getLogger(__name__)

MODEL_FILES = {"none": "model.tflite", "fp16": "model_fp16.tflite", "int8": "model_int8.tflite"}
PRECISIONS = {"none": "float32", "fp16": "float16 weights", "int8": "int8 (uint8 input)"}
NON_NATIVE_DILATION_OPS = ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND")
DEFAULT_DATA = "synthetic"
RANDOM_INIT_NOTE = (
    "random init: logits are tiny and near-tied, so the fp16/int8 agreement "
    "says little; float32 agreement is the check"
)
# The graph normalises by itself (`space.normalize_pixels`): apps feed raw RGB pixels 0..255.
NORMALISATION = {
    "in_graph": True,
    "formula": "x * 2 / 255 - 1",
    "mean": PIXEL_MEAN,
    "std": PIXEL_STD,
}


@dataclasses.dataclass(frozen=True)
class ExportOptions:
    """How to export: which quantizations (float32 always), data for calibration and checks,
    LiteRT threads for the host timing, and the device whose latency table predicts latency."""

    quantize: tuple = ("none",)
    data_spec: str | None = None
    threads: int = 1
    device: str | None = None
    verify_images: int = 16
    calibration_images: int = 32

    def __post_init__(self):
        unknown = [mode for mode in self.quantize if mode not in QUANTIZATIONS]
        if unknown:
            raise UserInputError(
                f"--quantize {unknown[0]}: unknown mode; allowed: {', '.join(QUANTIZATIONS)}"
            )
        modes = ("none", *(mode for mode in QUANTIZATIONS[1:] if mode in self.quantize))
        object.__setattr__(self, "quantize", modes)
        if self.threads < 1 or self.verify_images < 1 or self.calibration_images < 1:
            raise UserInputError("--threads, --verify-images and --calibration-images must be >= 1")


def export(sources, out: str | Path, options: ExportOptions, pareto: bool = False) -> dict:
    """Exports `sources` to `out`, all or nothing: one model into `out` itself, or (`pareto`)
    each model into `out/<name>/` plus `index.json` and `index.csv`. Returns the summary."""
    out = Path(out)
    export_key = (
        sources[0].export_key()
        if not pareto
        else "pareto-"
        + hashlib.sha1(" ".join(source.export_key() for source in sources).encode()).hexdigest()[
            :16
        ]
    )
    check_out_folder(out, export_key)
    if options.device:  # an unknown device fails now, not after the conversions
        load_table(options.device)
    with staged_folder(out) as staging:
        if not pareto:
            metadata = export_model(sources[0], staging, options, export_key)
            summary = _summary(metadata, out)
        else:
            rows = []
            for number, source in enumerate(sources, 1):
                log.info("Pareto model %d/%d: %s", number, len(sources), source.name)
                (staging / source.name).mkdir()
                metadata = export_model(source, staging / source.name, options, source.export_key())
                rows.append(_index_row(metadata, source))
            summary = {"out": str(out), "export_key": export_key, "models": rows}
            _write_index(staging, summary)
    log.info("wrote %s", out)
    return summary


def export_model(source, folder: Path, options: ExportOptions, export_key: str) -> dict:
    """Writes one model's export into the empty `folder`; returns its metadata. Phases: read
    the data, build, convert, verify against Keras, time on LiteRT, write."""
    config = source.config
    data_spec, dataset, with_miou = _export_data(source, options)
    log.info(
        "%s: building %s at %dx%d (%s)",
        source.name,
        config.id,
        *config.input_size,
        "trained weights" if source.trained else "random init",
    )
    model = source.build_inference_model()
    contents = _convert(model, source.name, dataset, options)
    verification = _verify(model, contents, source, dataset, with_miou, options)
    files = {
        name: {
            **_file_figures(content, mode),
            **verification["models"][name],
            **_host_latency(content, options.threads, name),
        }
        for name, (content, mode) in contents.items()
    }
    classes = _class_table(dataset, config.num_classes)
    _write_files(folder, contents, classes, options.threads, source.name)
    metadata = {
        "export_key": export_key,
        "name": source.name,
        "source": source.origin,
        "preset": source.origin.get("preset"),
        "reference": source.reference,
        "trained": source.trained,
        "weights_sha256": source.weights_sha256,
        "config_id": config.id,
        "config": config.to_dict(),
        **_io_description(config, files),
        "classes": classes,
        "data": data_spec,
        "gflops": count_flops(model) / 1e9,
        "params": count_params(model),
        "files": files,
        "host": host_description(options.threads),
        "predicted_latency": _predicted_latency(
            config, options.device or source.device, explicit=options.device is not None
        ),
        "search": source.search_figures,
        "verification": {key: value for key, value in verification.items() if key != "models"},
        "phone_benchmark": {
            "script": SCRIPT_FILE,
            "num_threads": options.threads,
            "flags": benchmark_flags(options.threads),
        },
    }
    write_json(folder / "metadata.json", metadata)
    return metadata


def _export_data(source, options: ExportOptions) -> tuple[str, object, bool]:
    """The data spec for calibration and checks, its dataset, and whether the check measures
    mIOU (trained weights and the model's class count); warns when the class counts differ."""
    config = source.config
    data_spec = options.data_spec or source.data_spec or DEFAULT_DATA
    dataset = load_dataset(data_spec)
    with_miou = source.trained and dataset.num_classes == config.num_classes
    if source.trained and not with_miou:
        log.warning(
            "%s has %d classes, the model %d: no mIOU, agreement only",
            data_spec,
            dataset.num_classes,
            config.num_classes,
        )
    return data_spec, dataset, with_miou


def _convert(model, name: str, dataset, options: ExportOptions) -> dict:
    """{file name: (TFLite bytes, quantize mode)} for each mode, builtin ops checked."""
    height, width = model.input_shape[1:3]

    def calibration_images():
        for image, _ in dataset.examples(
            split="train", size=(height, width), limit=options.calibration_images
        ):
            yield image[None]

    contents = {}
    for mode in options.quantize:
        log.info("%s: converting to TFLite (%s)", name, PRECISIONS[mode])
        content = convert_to_tflite(model, mode, calibration_images if mode == "int8" else None)
        _check_ops(content, MODEL_FILES[mode])
        contents[MODEL_FILES[mode]] = (content, mode)
    return contents


def _verify(model, contents: dict, source, dataset, with_miou: bool, options) -> dict:
    """Pixel agreement with Keras (and mIOU with trained weights) of every file."""
    config = source.config
    images, masks = verification_images(dataset, config.input_size, options.verify_images)
    log.info("%s: verifying on %d validation images against Keras", source.name, len(images))
    verification = verify_models(
        model, contents, images, masks if with_miou else None, config.num_classes, options.threads
    )
    if not source.trained:
        verification["note"] = RANDOM_INIT_NOTE
    return verification


def _file_figures(content: bytes, mode: str) -> dict:
    return {
        "quantize": mode,
        "precision": PRECISIONS[mode],
        "input_dtype": "uint8" if mode == "int8" else "float32",
        "bytes": len(content),
        "ops": sorted(set(tflite_op_names(content))),
    }


def _io_description(config, files: dict) -> dict:
    """What the exported model takes and returns (pixels 0..255 in, class ids out)."""
    height, width = config.input_size
    return {
        "input": {
            "shape": [1, height, width, 3],
            "layout": "NHWC",
            "channels": "RGB",
            "range": [0, 255],
            "dtype": {name: figures["input_dtype"] for name, figures in files.items()},
        },
        "normalisation": NORMALISATION,
        "output": {"shape": [1, height, width], "dtype": "int32", "meaning": "class id per pixel"},
    }


def _write_files(
    folder: Path, contents: dict, classes: list[dict], threads: int, name: str
) -> None:
    """The model files, labels.txt and the phone benchmark script."""
    for file_name, (content, _) in contents.items():
        (folder / file_name).write_bytes(content)
    (folder / "labels.txt").write_text("".join(f"{entry['name']}\n" for entry in classes))
    script = folder / SCRIPT_FILE
    script.write_text(benchmark_script(list(contents), threads, f"nas_{name}"))
    script.chmod(0o755)


def _check_ops(content: bytes, name: str) -> None:
    custom = custom_op_names(content)
    if custom:
        raise UserInputError(
            f"{name}: holds non-builtin ops {', '.join(custom)}; "
            "exports must use TFLite builtin ops only"
        )
    unrolled = sorted(set(tflite_op_names(content)) & set(NON_NATIVE_DILATION_OPS))
    if unrolled:
        raise UserInputError(
            f"{name}: dilated convolutions were converted with "
            f"{' / '.join(unrolled)} instead of native dilated kernels "
            "(the inference model must have a fixed batch size of 1)"
        )


def _host_latency(content: bytes, threads: int, name: str) -> dict:
    log.info("timing %s on LiteRT (%d thread%s)", name, threads, "s" * (threads > 1))
    timing = measure_model(content, num_threads=threads)
    return {
        "host_latency_ms": timing["latency_ms"],
        **{
            f"host_{key}": value
            for key, value in timing.items()
            if key != "latency_ms" and isinstance(value, (int, float, str))
        },
    }


def _predicted_latency(config, device: str | None, explicit: bool) -> dict:
    """The latency table's prediction for the float32 model on `device` (the host by default).

    Blocks missing from the table are not profiled here (the host latency is measured end to
    end anyway): the prediction is then None with a note. An unknown device named with
    `--device` is an error; the default one is only noted.
    """
    device = device or "host"
    try:
        table = load_table(device)
        latency = predict_latency(config, table, measure_missing=False)
        return {"device": device, "latency_ms": float(latency)}
    except MissingEntries as error:
        note = f"the {device} table lacks {len(error.signatures)} of this network's blocks"
    except UserInputError as error:
        if explicit:
            raise
        note = str(error)
    log.warning("no latency prediction for %s: %s", device, note)
    return {"device": device, "latency_ms": None, "note": note}


def _class_table(dataset, num_classes: int) -> list[dict]:
    """Class ids, names and RGB colours: the dataset's when it has `num_classes` classes,
    otherwise `class_<i>` with the PASCAL VOC colour map."""
    if dataset.num_classes == num_classes:
        names, colors = list(dataset.class_names), list(dataset.class_colors)
    else:
        names, colors = [f"class_{index}" for index in range(num_classes)], palette(num_classes)
    return [
        {"id": index, "name": str(name), "color": [int(value) for value in color]}
        for index, (name, color) in enumerate(zip(names, colors))
    ]


def _summary(metadata: dict, out: Path) -> dict:
    """What `--json` prints for one export: files, sizes, latency and verification figures."""
    return {
        "out": str(out),
        "name": metadata["name"],
        "config_id": metadata["config_id"],
        "trained": metadata["trained"],
        "gflops": metadata["gflops"],
        "files": {
            name: {key: value for key, value in figures.items() if key != "ops"}
            for name, figures in metadata["files"].items()
        },
        "predicted_latency": metadata["predicted_latency"],
        "verification": metadata["verification"],
    }


def _index_row(metadata: dict, source) -> dict:
    row = {
        "name": source.name,
        "folder": source.name,
        "trial_id": source.origin.get("trial_id"),
        "preset": metadata["preset"],
        "reference": metadata["reference"],
        "config_id": metadata["config_id"],
        "gflops": metadata["gflops"],
        **{f"search_{key}": value for key, value in source.search_figures.items()},
        "predicted_latency_ms": metadata["predicted_latency"]["latency_ms"],
    }
    for figures in metadata["files"].values():
        prefix = "float32" if figures["quantize"] == "none" else figures["quantize"]
        for key in ("bytes", "host_latency_ms", "agreement", "miou"):
            if key in figures:
                row[f"{prefix}_{key}"] = figures[key]
    return row


def _write_index(folder: Path, summary: dict) -> None:
    write_json(folder / "index.json", summary)
    pd.DataFrame(summary["models"]).to_csv(folder / "index.csv", index=False)
