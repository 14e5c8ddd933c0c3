"""`nas latency import`: a phone table from a probe folder's benchmark_model outputs, or
(`--end-to-end`) its calibration from exported networks timed on the phone."""

from __future__ import annotations

from pathlib import Path

from mobile_seg_nas import UserInputError
from latency_models.devices import load_table
from latency_models.phone.imports import import_probes
from latency_models.phone_runs import calibrate_from_runs, read_phone_runs
from latency_models.table import HOST, save_calibration, user_dir
from nas.arguments import add_json_argument, print_result


def register(commands):
    parser = commands.add_parser(
        "import",
        help="a table from a probe folder's benchmark_model "
        "outputs, or its calibration from exported networks timed on "
        "the phone (--end-to-end)",
    )
    parser.add_argument("--device", required=True, help="table name for the phone")
    parser.add_argument(
        "directory",
        metavar="DIR",
        help="the probe folder (with --end-to-end: "
        "a `nas export` folder whose benchmark_on_phone.sh has run)",
    )
    parser.add_argument(
        "--end-to-end",
        action="store_true",
        help="fit the --device table's calibration from the exported networks' "
        "benchmark_on_phone.sh outputs in DIR",
    )
    parser.add_argument(
        "--out", metavar="FILE", help="table file to write (default: the user table of --device)"
    )
    add_json_argument(parser)
    parser.set_defaults(run=run, needs_tensorflow=False)


def run(args):
    if args.end_to_end:
        return _calibrate(args)
    table = import_probes(args.directory, args.device)
    path = table.save(Path(args.out) if args.out else user_dir() / f"{args.device}.json")
    print_result(
        args,
        {
            "device": args.device,
            "entries": len(table),
            "path": str(path),
            "metadata": table.metadata,
        },
        lambda result: (
            f"{args.device}: {len(table)} entries ({table.metadata['delegate']}, "
            f"{table.metadata['threads']} thread(s), {table.metadata['cpu']}) written to {path}"
        ),
    )


def _calibrate(args):
    if args.device == HOST:
        raise UserInputError(
            "--device host: phone outputs calibrate a phone table; this "
            "machine's is fitted by `nas latency calibrate --device host`"
        )
    table = load_table(args.device)
    calibration = calibrate_from_runs(table, read_phone_runs(args.directory))
    path = table.save(args.out) if args.out else save_calibration(table)
    print_result(args, {"device": args.device, "path": str(path), **calibration}, _text)


def _text(result: dict) -> str:
    factors = ", ".join(
        f"{backbone} x{factor:.4f} ({result['configs'][backbone]} networks)"
        for backbone, factor in result["factors"].items()
    )
    return (
        f"{result['device']}: end-to-end / sum of blocks: {factors}; other backbones "
        f"x{result['default']:.4f}; read {result['timing_line']}; written to {result['path']}"
    )
