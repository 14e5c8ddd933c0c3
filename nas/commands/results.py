"""`nas results show`, `nas results compare` and `nas pareto plot`: read a search's run folder."""

from __future__ import annotations

from pathlib import Path

from mobile_seg_nas import UserInputError
from nas.arguments import add_json_argument, print_result
from nas.search.options import SEARCH_FILE, read_search_options


def register(subparsers):
    results = subparsers.add_parser("results", help="show or compare search run folders")
    commands = results.add_subparsers(
        dest="results_command", required=True, parser_class=type(results)
    )
    show = commands.add_parser("show", help="summary and Pareto front of a run")
    show.add_argument(
        "--run", dest="run_dir", required=True, type=Path, metavar="DIR", help="run folder"
    )
    add_json_argument(show, "the summary as JSON on stdout")
    show.set_defaults(run=run_show, needs_tensorflow=False)
    compare = commands.add_parser("compare", help="fronts of several runs in one plot")
    compare.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="run folders")
    compare.add_argument(
        "--out", type=Path, metavar="FILE", help="HTML plot to write (default: compare.html here)"
    )
    add_json_argument(compare, "the comparison as JSON on stdout")
    compare.set_defaults(run=run_compare, needs_tensorflow=False)

    pareto = subparsers.add_parser("pareto", help="Pareto plots of a run")
    pareto_commands = pareto.add_subparsers(
        dest="pareto_command", required=True, parser_class=type(pareto)
    )
    plot = pareto_commands.add_parser(
        "plot", help="re-draw pareto.csv/html/png and summary.json from the trial table"
    )
    plot.add_argument(
        "--run", dest="run_dir", required=True, type=Path, metavar="DIR", help="run folder"
    )
    plot.set_defaults(run=run_plot, needs_tensorflow=False)


def read_run(run_dir: Path):
    """The trial table of a run folder; UserInputError when there is none."""
    from results import read_trials

    try:
        return read_trials(run_dir)
    except FileNotFoundError:
        raise UserInputError(
            f"--run {run_dir}: no trial table (trials.parquet/trials.csv) here; "
            "is it a `nas search` run folder?"
        ) from None


def latency_targets(run_dir: Path) -> list[float]:
    """The search's latency targets (none for a folder without `search.json`)."""
    options = _search_options(run_dir)
    return list(options.latency_target) if options else []


def plot_subtitle(run_dir: Path) -> str:
    """The search's context for its plots' titles: dataset, latency device and deployment size
    (empty for a folder without `search.json`)."""
    from results.report import search_subtitle

    options = _search_options(run_dir)
    return (
        search_subtitle(options.data, options.device, options.latency_input_size) if options else ""
    )


def _search_options(run_dir: Path):
    """The options the search of `run_dir` was started with (None without `search.json`)."""
    return read_search_options(run_dir) if (run_dir / SEARCH_FILE).is_file() else None


def run_show(args):
    from results import summarize
    from results.pareto import pareto_front
    from results.report import count_repeats

    table = read_run(args.run_dir)
    summary = {
        **summarize(table, latency_targets(args.run_dir), run_dir=args.run_dir),
        "repeats_reused": count_repeats(args.run_dir),
    }
    print_result(
        args, summary, lambda summary: _summary_text(args.run_dir, summary, pareto_front(table))
    )


def _summary_text(run_dir: Path, summary: dict, front) -> str:
    from results.answer import answer_text

    counts = ", ".join(
        f"{count} {status}" for status, count in summary["by_status"].items() if count
    )
    lines = [f"run {run_dir}: {summary['trials']} trials ({counts or 'none'})"]
    lines += [answer_text(answer) for answer in summary["answers"]]
    if summary.get("repeats_reused"):
        lines.append(
            f"{summary['repeats_reused']} suggestions repeated a trained config: its "
            "result was reused, not trained again"
        )
    for label, trial in (("best", summary["best"]), ("paper", summary["paper"])):
        if trial:
            gflops = "?" if trial["gflops"] is None else f"{trial['gflops']:.3f}"
            lines.append(
                f"{label:6s} trial {trial['trial_id']}: mIOU {trial['miou']:.4f}, "
                f"{trial['latency_ms']:.2f} ms, {gflops} GFLOPs "
                f"({trial['backbone']} x{trial['depth_multiplier']}, {trial['head']})"
            )
    if summary["hypervolume"] is not None:
        reference = summary["hypervolume_reference"]
        lines.append(
            f"hypervolume {summary['hypervolume']:.4f} (mIOU x ms, reference: mIOU 0, "
            f"{reference['latency_ms']:.2f} ms)"
        )
    for target, trial in summary["best_under_target"].items():
        found = (
            f"trial {trial['trial_id']}, mIOU {trial['miou']:.4f} at {trial['latency_ms']:.2f} ms"
            if trial
            else "none"
        )
        lines.append(f"best under {target} ms: {found}")
    for tie in summary["ties"]:
        lines.append(
            f"tie: trial {tie['trial_id']} is {tie['miou_difference']:.4f} mIOU under "
            f"front trial {tie['tied_with']}, within the proxy's seed noise "
            f"{summary['seed_noise']:g}: re-measure both before choosing"
        )
    if summary["finalists"]:
        lines.append(f"finalists (trained at the last rung): {', '.join(summary['finalists'])}")
    lines.append(f"Pareto front ({len(front)} trials):")
    from results.table import SHOW_COLUMNS

    columns = [column for column in SHOW_COLUMNS if front[column].notna().any()]
    lines.append(front[columns].to_string(index=False) if len(front) else "  (no completed trial)")
    return "\n".join(lines)


def run_plot(args):
    from results import write_run_report

    table = read_run(args.run_dir)
    summary = write_run_report(
        args.run_dir, table, latency_targets(args.run_dir), subtitle=plot_subtitle(args.run_dir)
    )
    print(
        f"{args.run_dir}: pareto.csv, pareto.html, pareto.png, summary.json "
        f"(front of {len(summary['front'])})"
    )


def run_compare(args):
    from results import compare_fronts, comparison_figure, write_figure_html

    tables = {_run_name(run, args.runs): read_run(run) for run in args.runs}
    out = args.out or Path("compare.html")
    write_figure_html(comparison_figure(tables), out)
    print_result(args, {**compare_fronts(tables), "plot": str(out)}, _comparison_text)


def _comparison_text(comparison: dict) -> str:
    reference = comparison["reference_latency_ms"]
    lines = [
        f"hypervolume reference: mIOU 0, {reference:.2f} ms (shared by all runs)"
        if reference is not None
        else "no completed trials: no hypervolume"
    ]
    for row in comparison["runs"]:
        volume = "n/a" if row["hypervolume"] is None else f"{row['hypervolume']:.4f}"
        lines.append(
            f"{row['run']}: {row['trials']} trials, front of {row['front']}, hypervolume {volume}"
        )
    lines.append(f"plot: {comparison['plot']}")
    return "\n".join(lines)


def _run_name(run: Path, runs: list[Path]) -> str:
    names = [path.name for path in runs]
    return run.name if names.count(run.name) == 1 else str(run)
