"""`nas latency probes`: block models + an adb script for timing a phone with benchmark_model."""

from __future__ import annotations

from latency_models.phone.probes import write_probes
from nas.commands.latency.arguments import add_selection_arguments, add_timing_arguments, selection


def register(commands):
    parser = commands.add_parser(
        "probes", help="block models + adb script for timing a phone with benchmark_model"
    )
    parser.add_argument("--device", required=True, help="phone table name, e.g. oneplus-a6-cpu4")
    parser.add_argument("--out", required=True, metavar="DIR", help="probe folder to write")
    add_selection_arguments(parser)
    add_timing_arguments(parser, 4, 10, 50, threads_help="benchmark_model --num_threads")
    parser.add_argument("--use-gpu", action="store_true", help="time with the GPU delegate")
    parser.add_argument(
        "--cpu-mask",
        default="f0",
        help="taskset hex mask of the cores to pin (default f0: big cores of a 4+4 SoC)",
    )
    parser.set_defaults(run=run)


def run(args):
    blocks, sizes = selection(args)
    script = write_probes(
        blocks,
        args.out,
        args.device,
        args.threads,
        args.use_gpu,
        args.warmup_runs,
        args.runs,
        args.cpu_mask,
        sizes,
    )
    print(
        f"{len(blocks)} probe models in {args.out}; run {script} with the phone attached, "
        f"then: nas latency import --device {args.device} {args.out}"
    )
