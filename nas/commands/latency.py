"""`nas latency`: device latency tables: profile, predict, measure, calibrate, validate, list,
phone probes and import."""

from __future__ import annotations

import logging

from nas.arguments import add_config_arguments, config_from_arguments, print_json

log = logging.getLogger(__name__)


def register(subparsers):
    parser = subparsers.add_parser("latency", help="latency tables: profile, predict, measure, "
                                   "calibrate, validate, devices, phone probes and import")
    commands = parser.add_subparsers(dest="latency_command", required=True,
                                     parser_class=type(parser))

    profile = commands.add_parser("profile", help="measure block latencies on this machine "
                                  "into a table (resumable)")
    profile.add_argument("--device", default="host", help="table name (default: host)")
    _add_selection_arguments(profile)
    profile.add_argument("--threads", type=int, default=1, help="CPU threads (default: 1)")
    profile.add_argument("--warmup-runs", type=int, default=5, metavar="N")
    profile.add_argument("--runs", type=int, default=50, metavar="N",
                         help="timed runs per block (median kept; default: 50)")
    profile.add_argument("--out", metavar="FILE",
                         help="table file to write (default: the user table of --device)")
    profile.add_argument("--dry-run", action="store_true",
                         help="only count the blocks needed and already measured")
    profile.add_argument("--json", action="store_true", help="one JSON object on stdout")
    profile.set_defaults(run=run_profile)

    predict = commands.add_parser("predict", help="predicted latency of a config from a table")
    add_config_arguments(predict)
    _add_table_arguments(predict)
    predict.add_argument("--no-measure", action="store_true",
                         help="fail on missing blocks instead of measuring them here")
    predict.add_argument("--json", action="store_true", help="one JSON object on stdout")
    predict.set_defaults(run=run_predict)

    measure = commands.add_parser("measure", help="end-to-end latency of a config's exported "
                                  "network on this machine (LiteRT, XNNPACK)")
    add_config_arguments(measure)
    measure.add_argument("--threads", type=int, default=1, help="CPU threads (default: 1)")
    measure.add_argument("--warmup-runs", type=int, default=10, metavar="N")
    measure.add_argument("--runs", type=int, default=100, metavar="N",
                         help="timed runs (median reported; default: 100)")
    measure.add_argument("--json", action="store_true", help="one JSON object on stdout")
    measure.set_defaults(run=run_measure)

    calibrate = commands.add_parser("calibrate", help="per-backbone factors from the sum of "
                                    "blocks to measured end-to-end latency, kept in the table")
    _add_sampling_arguments(calibrate, samples=10, seed=1000, per=" per backbone")
    calibrate.set_defaults(run=run_calibrate)

    validate = commands.add_parser("validate", help="predicted vs measured latency of sampled "
                                   "configs")
    _add_sampling_arguments(validate, samples=30, seed=0)
    validate.set_defaults(run=run_validate)

    devices = commands.add_parser("devices", help="the latency tables available")
    devices.add_argument("--json", action="store_true", help="one JSON object on stdout")
    devices.set_defaults(run=run_devices)

    probes = commands.add_parser("probes", help="block models + adb script for timing a phone "
                                 "with benchmark_model")
    probes.add_argument("--device", required=True, help="phone table name, e.g. oneplus-a6-cpu4")
    probes.add_argument("--out", required=True, metavar="DIR", help="probe folder to write")
    _add_selection_arguments(probes)
    probes.add_argument("--threads", type=int, default=4, help="benchmark_model --num_threads")
    probes.add_argument("--use-gpu", action="store_true", help="time with the GPU delegate")
    probes.add_argument("--warmup-runs", type=int, default=10, metavar="N")
    probes.add_argument("--runs", type=int, default=50, metavar="N")
    probes.add_argument("--cpu-mask", default="f0",
                        help="taskset hex mask of the cores to pin (default f0: big cores of "
                        "a 4+4 SoC)")
    probes.set_defaults(run=run_probes)

    imports = commands.add_parser("import", help="a table from a probe folder's benchmark_model "
                                  "outputs")
    imports.add_argument("--device", required=True, help="table name for the phone")
    imports.add_argument("directory", metavar="DIR", help="the probe folder")
    imports.add_argument("--out", metavar="FILE",
                         help="table file to write (default: the user table of --device)")
    imports.set_defaults(run=run_import)


def _add_selection_arguments(parser):
    parser.add_argument("--space", metavar="default|FILE",
                        help="every block of a search space (default: default, unless --preset "
                        "or --config is given)")
    parser.add_argument("--preset", action="append", default=[], metavar="NAME",
                        help="the blocks of a preset (repeatable; 'all' for every preset)")
    parser.add_argument("--config", action="append", default=[], metavar="FILE",
                        help="the blocks of a config file (repeatable)")
    parser.add_argument("--samples", type=int, default=0, metavar="N",
                        help="with --space: only N random configs of it per input size")
    parser.add_argument("--seed", type=int, default=0, help="seed for --samples")
    parser.add_argument("--input-size", nargs="+", default=["224x224"], metavar="HxW",
                        help="input sizes (default: 224x224)")


def _add_sampling_arguments(parser, samples: int, seed: int, per: str = ""):
    """Arguments of the commands that time sampled networks end to end against a table."""
    _add_table_arguments(parser)
    parser.add_argument("--samples", type=int, default=samples, metavar="N",
                        help=f"sampled configs{per} (default: {samples})")
    parser.add_argument("--seed", type=int, default=seed, help=f"sampling seed (default: {seed})")
    parser.add_argument("--input-size", nargs="+", metavar="HxW",
                        help="input sizes to cycle through (default: the table's sizes)")
    parser.add_argument("--space", metavar="FILE", help="search space JSON (default: default)")
    parser.add_argument("--runs", type=int, default=50, metavar="N",
                        help="timed runs per network (default: 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")


def _sampling(args) -> dict:
    """The keyword arguments of validate_table / calibrate_table given by the sampling flags."""
    from space import parse_input_size
    from space.search_space import SearchSpace

    _positive(args.runs, "--runs")
    return {"samples": args.samples, "seed": args.seed, "runs": args.runs,
            "input_sizes": ([parse_input_size(text) for text in args.input_size]
                            if args.input_size else None),
            "space": SearchSpace.from_file(args.space) if args.space else None}


def _add_table_arguments(parser):
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--device", default="host",
                        help="a table name (nas latency devices; default: host)")
    source.add_argument("--lut", metavar="FILE", help="a latency table file")


def _table(args):
    from latency_models.table import load_table, read_table_file

    return read_table_file(args.lut) if args.lut else load_table(args.device)


def _positive(value: int, flag: str) -> int:
    from space.errors import UserInputError

    if value < 1:
        raise UserInputError(f"{flag} {value}: must be at least 1")
    return value


def _selection(args):
    """(blocks, input sizes) chosen by --space / --preset / --config / --samples / --input-size."""
    from space import ArchConfig, UserInputError, get_preset, list_presets, parse_input_size
    from space.search_space import SearchSpace

    from latency_models.profiler import select_blocks

    sizes = [parse_input_size(text) for text in args.input_size]
    names = list_presets() if "all" in args.preset else args.preset
    configs = [get_preset(name) for name in names] + [ArchConfig.from_file(path)
                                                      for path in args.config]
    space_name = args.space or (None if configs else "default")
    space = None
    if space_name:
        space = SearchSpace() if space_name == "default" else SearchSpace.from_file(space_name)
    if args.samples < 0:
        raise UserInputError(f"--samples {args.samples}: must be 0 (every config) or more")
    return select_blocks(sizes, space, configs, args.samples, args.seed), sizes


def run_profile(args):
    from latency_models.profiler import profile_device

    for value, flag in ((args.threads, "--threads"), (args.runs, "--runs")):
        _positive(value, flag)
    blocks, sizes = _selection(args)
    summary = profile_device(args.device, blocks, sizes, args.threads, args.warmup_runs,
                             args.runs, args.out, dry_run=args.dry_run)
    if args.json:
        print_json(summary)
    else:
        print(f"{summary['device']}: {summary['needed']} blocks needed, {summary['measured']} "
              f"{'to measure' if args.dry_run else 'measured'}; {summary['entries']} entries in "
              f"{summary['path']}")


def run_predict(args):
    from latency_models import latency_breakdown, predict_latency

    config = config_from_arguments(args)
    table = _table(args)
    measure_missing = False if args.no_measure else None
    latency = predict_latency(config, table, measure_missing)
    result = {"latency_ms": round(latency, 4), "device": table.device,
              "config_id": config.id, "input_size": list(config.input_size),
              "threads": table.metadata.get("threads"),
              "delegate": table.metadata.get("delegate"),
              "blocks": latency_breakdown(config, table, measure_missing)}
    if args.json:
        print_json(result)
    else:
        height, width = config.input_size
        print(f"{result['latency_ms']:.3f} ms predicted for {config.id} at {height}x{width} "
              f"on {table.device} ({result['threads']} thread(s), {result['delegate']})")


def run_measure(args):
    from latency_models.measure import cpu_description, measure_config

    for value, flag in ((args.threads, "--threads"), (args.runs, "--runs")):
        _positive(value, flag)
    config = config_from_arguments(args)
    height, width = config.input_size
    log.info("building, converting and timing %s at %dx%d", config.id, height, width)
    stats = measure_config(config, args.threads, args.warmup_runs, args.runs)
    result = {key: round(value, 4) if isinstance(value, float) else value
              for key, value in stats.items()}
    result.update(device="host", cpu=cpu_description(), threads=args.threads,
                  delegate="XNNPACK", config_id=config.id, input_size=[height, width])
    if args.json:
        print_json(result)
    else:
        print(f"{result['latency_ms']:.3f} ms median, p90 {result['p90_ms']:.3f} ms "
              f"({result['runs']} runs, {result['clock']} clock, wall median "
              f"{result['wall_ms']:.3f} ms, {args.threads} thread(s), XNNPACK) for {config.id} "
              f"at {height}x{width} on {result['cpu']}")


def run_calibrate(args):
    from latency_models.calibration import calibrate_table
    from latency_models.table import save_calibration

    table = _table(args)
    calibration = calibrate_table(table, **_sampling(args))
    path = save_calibration(table)
    if args.json:
        print_json({"device": table.device, "path": str(path), **calibration})
        return
    factors = ", ".join(f"{backbone} x{factor:.4f} ({calibration['configs'][backbone]} configs)"
                        for backbone, factor in calibration["factors"].items())
    print(f"{table.device}: end-to-end / sum of blocks: {factors}; written to {path}")


def run_validate(args):
    from latency_models.validate import validate_table

    table = _table(args)
    result = validate_table(table, **_sampling(args))
    if args.json:
        print_json(result)
        return
    print(f"{'config':<10} {'backbone':<18} {'os':>2} {'head':<5} {'decoder':<13} {'input':>9} "
          f"{'predicted':>10} {'measured':>10} {'error':>7}")
    for row in result["configs"]:
        backbone = f"{row['backbone']} x{row['depth_multiplier']}"
        size = "x".join(str(value) for value in row["input_size"])
        print(f"{row['config_id']:<10} {backbone:<18} {row['output_stride']:>2} {row['head']:<5} "
              f"{row['decoder']:<13} {size:>9} {row['predicted_ms']:>8.3f}ms "
              f"{row['measured_ms']:>8.3f}ms {row['error_pct']:>+6.1f}%")
    spearman = "n/a" if result["spearman"] is None else f"{result['spearman']:.3f}"
    if result["calibration"]:
        print("calibrated: " + ", ".join(f"{backbone} x{factor}" for backbone, factor
                                         in result["calibration"]["factors"].items()))
    print(f"within 5%: {result['within_5pct']:.0%}  within 10%: {result['within_10pct']:.0%}  "
          f"RMSE: {result['rmse_pct']:.1f}%  mean error: {result['mean_error_pct']:+.1f}%  "
          f"Spearman: {spearman}  (max load average {result['max_load_average']})")


def run_devices(args):
    from latency_models.table import SHIPPED_DIR, load_table, shipped_devices, user_devices

    rows = []
    for name in sorted({*shipped_devices(), *user_devices()}):
        table = load_table(name)
        source = "shipped" if table.path.parent == SHIPPED_DIR else "user"
        rows.append({"device": name, "source": source, "entries": len(table),
                     "path": str(table.path), "metadata": table.metadata})
    if args.json:
        print_json({"devices": rows})
        return
    for row in rows:
        meta = row["metadata"]
        sizes = ", ".join("x".join(str(value) for value in size)
                          for size in meta.get("input_sizes", []))
        print(f"{row['device']} ({row['source']}): {row['entries']} entries; "
              f"{meta.get('runtime')} {meta.get('runtime_version')}, {meta.get('delegate')}, "
              f"{meta.get('threads')} thread(s), {meta.get('cpu')}; measured {meta.get('date')}; "
              f"sizes {sizes or '-'}")


def run_probes(args):
    from latency_models.phone import write_probes

    for value, flag in ((args.threads, "--threads"), (args.runs, "--runs")):
        _positive(value, flag)
    blocks, sizes = _selection(args)
    script = write_probes(blocks, args.out, args.device, args.threads, args.use_gpu,
                          args.warmup_runs, args.runs, args.cpu_mask, sizes)
    print(f"{len(blocks)} probe models in {args.out}; run {script} with the phone attached, "
          f"then: nas latency import --device {args.device} {args.out}")


def run_import(args):
    from pathlib import Path

    from latency_models.phone import import_probes
    from latency_models.table import user_dir

    table = import_probes(args.directory, args.device)
    path = table.save(Path(args.out) if args.out else user_dir() / f"{args.device}.json")
    print(f"{args.device}: {len(table)} entries ({table.metadata['delegate']}, "
          f"{table.metadata['threads']} thread(s), {table.metadata['cpu']}) written to {path}")
