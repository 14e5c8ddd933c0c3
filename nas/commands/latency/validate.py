"""`nas latency validate`: predicted vs measured latency of sampled configs timed here, or
(`--from DIR`) of exported networks timed on a phone."""

from __future__ import annotations

from latency_models.phone_runs import compare_runs, read_phone_runs
from latency_models.validate import compare, validate_table
from nas.arguments import print_result
from nas.commands.latency.arguments import add_sampling_arguments, sampling, table


def register(commands):
    parser = commands.add_parser(
        "validate",
        help="predicted vs measured latency of sampled "
        "configs timed here, or of exported networks timed on a phone",
    )
    add_sampling_arguments(parser, samples=30, seed=0)
    parser.add_argument(
        "--from",
        dest="from_dir",
        metavar="DIR",
        help="compare with the benchmark_on_phone.sh outputs of the networks "
        "exported to DIR instead of timing sampled configs here",
    )
    parser.set_defaults(run=run)


def run(args):
    if args.from_dir:
        latencies = table(args)
        rows = compare_runs(read_phone_runs(args.from_dir), latencies)
        result = {
            "device": latencies.device,
            "from": args.from_dir,
            "samples": len(rows),
            **compare(rows),
            "calibration": latencies.metadata.get("calibration"),
            "configs": rows,
        }
    else:
        result = validate_table(table(args), sampling(args))
    print_result(args, result, _text)


def _text(result: dict) -> str:
    lines = [
        f"{'config':<10} {'backbone':<18} {'os':>2} {'head':<5} {'decoder':<13} "
        f"{'input':>9} {'predicted':>10} {'measured':>10} {'error':>7}"
    ]
    for row in result["configs"]:
        backbone = f"{row['backbone']} x{row['depth_multiplier']}"
        size = "x".join(str(value) for value in row["input_size"])
        lines.append(
            f"{row['config_id']:<10} {backbone:<18} {row['output_stride']:>2} "
            f"{row['head']:<5} {row['decoder']:<13} {size:>9} "
            f"{row['predicted_ms']:>8.3f}ms {row['measured_ms']:>8.3f}ms "
            f"{row['error_pct']:>+6.1f}%"
        )
    if result["calibration"]:
        factors = result["calibration"]["factors"]
        lines.append(
            "calibrated: "
            + ", ".join(f"{backbone} x{factor}" for backbone, factor in factors.items())
        )
    spearman = "n/a" if result["spearman"] is None else f"{result['spearman']:.3f}"
    where = (
        f"benchmark_on_phone.sh outputs in {result['from']}"
        if result.get("from")
        else f"max load average {result['max_load_average']}"
    )
    lines.append(
        f"within 5%: {result['within_5pct']:.0%}  "
        f"within 10%: {result['within_10pct']:.0%}  RMSE: {result['rmse_pct']:.1f}%  "
        f"mean error: {result['mean_error_pct']:+.1f}%  Spearman: {spearman}  ({where})"
    )
    return "\n".join(lines)
