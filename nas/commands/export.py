"""`nas export`: verified TFLite files (float32, fp16, int8) of a preset, a config, a trained run,
a search trial or a search's whole Pareto front, ready for a phone."""

from __future__ import annotations

from pathlib import Path

import logging

from mobile_seg_nas import UserInputError
from nas.arguments import (
    add_config_arguments,
    add_count_argument,
    add_json_argument,
    check_one_source,
    config_from_arguments,
    print_result,
    trained_config_editor,
)


def register(subparsers):
    parser = subparsers.add_parser(
        "export",
        help="TFLite files (float32/fp16/int8) for a phone, verified against Keras",
        description="Writes model.tflite (+ model_fp16.tflite, model_int8.tflite), labels.txt, "
        "metadata.json and benchmark_on_phone.sh, after checking the files against Keras.",
    )
    add_config_arguments(parser, required=False)
    _add_source_arguments(parser)
    _add_model_arguments(parser)
    _add_check_arguments(parser)
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="output folder (default: export/<name>, or <run>/export[/<trial>|/pareto])",
    )
    add_json_argument(parser)
    parser.set_defaults(run=run)


def _add_source_arguments(parser) -> None:
    """--run, and --trial or --pareto: what to export from a training or search run."""
    parser.add_argument(
        "--run",
        dest="run_dir",
        metavar="DIR",
        help="a training run (nas train --out) or a "
        "search run (nas search --out, with --trial or --pareto)",
    )
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--trial", metavar="ID", help="one trial of a search run")
    choice.add_argument(
        "--pareto",
        action="store_true",
        help="every model on a search run's Pareto front and the search's "
        "paper-dpc trial (the reference, even when dominated), plus an index",
    )


def _add_model_arguments(parser) -> None:
    """--quantize, --weights and --data: the files written, their weights and their data."""
    parser.add_argument(
        "--quantize",
        nargs="+",
        default=["none"],
        metavar="MODE",
        help="none (float32, always written), fp16, int8 (default: none)",
    )
    parser.add_argument(
        "--weights",
        metavar="CKPT",
        help="a .weights.h5 file of the config's "
        "training model (default: the run's; random init for presets/configs)",
    )
    parser.add_argument(
        "--data",
        metavar="SPEC",
        help="dataset for int8 calibration and the checks (default: the run's, else synthetic)",
    )


def _add_check_arguments(parser) -> None:
    """--device, --threads, --verify-images, --calibration-images: the predicted and host
    latencies, the checks against Keras and the int8 calibration."""
    parser.add_argument(
        "--device",
        metavar="NAME",
        help="latency table for the predicted latency (default: the search's device, else host)",
    )
    add_count_argument(
        parser, "--threads", 1, "LiteRT threads for the host timing and the phone script"
    )
    add_count_argument(parser, "--verify-images", 16, "validation images for the checks")
    add_count_argument(parser, "--calibration-images", 32, "training images for int8 calibration")


def run(args):
    from nas.export import ExportOptions, export

    check_one_source(args)
    if (args.trial is not None or args.pareto) and not args.run_dir:
        raise UserInputError("--trial and --pareto need --run DIR (a search run folder)")
    if not args.verbose:  # the TFLite converter's deprecation chatter
        logging.getLogger("absl").setLevel(logging.ERROR)
    options = ExportOptions(
        quantize=tuple(args.quantize),
        data_spec=args.data,
        threads=args.threads,
        device=args.device,
        verify_images=args.verify_images,
        calibration_images=args.calibration_images,
    )
    sources = _sources(args)
    out = Path(args.out) if args.out else _default_out(args, sources)
    print_result(args, export(sources, out, options, pareto=args.pareto), _export_text)


def _sources(args):
    from nas.export import source_from_config, sources_from_run

    if args.run_dir:
        return sources_from_run(
            args.run_dir,
            trained_config_editor(args),
            trial=args.trial,
            pareto=args.pareto,
            weights=args.weights,
        )
    config = config_from_arguments(args)
    name = args.preset or Path(args.config).stem
    origin = {"preset": args.preset} if args.preset else {"config": args.config}
    return [source_from_config(config, f"{name}_{config.id}", origin, weights=args.weights)]


def _default_out(args, sources) -> Path:
    if not args.run_dir:
        return Path("export") / sources[0].name
    folder = Path(args.run_dir) / "export"
    if args.pareto:
        return folder / "pareto"
    return folder / sources[0].name if args.trial is not None else folder


def _export_text(summary: dict) -> str:
    return "\n".join(
        line
        for row in summary.get("models") or [summary]
        for line in _export_lines(row, summary["out"])
    )


def _export_lines(row: dict, out: str) -> list[str]:
    files = row.get("files")
    if files is None:  # a Pareto index row
        reference = (
            f" (reference: {row['preset']}{'' if row.get('search_on_front') else ', dominated'})"
            if row["reference"]
            else ""
        )
        return [
            f"{row['name']}{reference}: config {row['config_id']}, float32 "
            f"{row['float32_bytes']:,} bytes, agreement {row['float32_agreement']:.4%}"
        ]
    lines = [
        f"exported {row['name']} (config {row['config_id']}, "
        f"{'trained' if row['trained'] else 'random init'}) to {out}"
    ]
    for name, figures in files.items():
        line = f"  {name:<20} {figures['bytes']:>12,} bytes  agreement {figures['agreement']:.4%}"
        if "miou" in figures:
            line += f"  mIOU {figures['miou']:.4f}"
        if "host_latency_ms" in figures:
            line += f"  {figures['host_latency_ms']:.2f} ms (LiteRT)"
        lines.append(line)
    predicted = row["predicted_latency"]
    if predicted.get("latency_ms") is not None:
        lines.append(
            f"  predicted latency on {predicted['device']}: {predicted['latency_ms']:.2f} ms"
        )
    return lines
