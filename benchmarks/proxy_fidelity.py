"""Proxy fidelity: how well cheap trainings (proxy settings) rank architectures like a long one.

    python -m benchmarks.proxy_fidelity                 # train what is missing, then report
    python -m benchmarks.proxy_fidelity --settings reference --threads 1 &  # two workers
    python -m benchmarks.proxy_fidelity --settings reference --threads 1 &  # (they share runs)
    python -m benchmarks.proxy_fidelity --report        # only rewrite the report from the cache
    python -m benchmarks.proxy_fidelity --data cityscapes:/data/cityscapes --cache my_runs.jsonl

A fixed panel of configs (`PANEL`: both backbones, widths 0.35-2.0, output stride 8 and 16,
basic and DPC heads, five DPC cells, three of them again at output stride 8, with and without
decoder) is trained at the reference setting and at every candidate proxy setting, with two
seeds each. Every finished training is one line of the run cache
(`benchmarks/data/proxy_fidelity_runs.jsonl`, keyed by data, config id, setting and seed), so
the hours of reference training can be built in several runs and resumed after a kill (an
interrupted training continues from its checkpoint in
`~/.cache/mobile-seg-nas/benchmark_runs/`); `--only NAME ...` restricts training and report to
part of the panel. The report, `benchmarks/data/proxy_fidelity.json`, gives per setting the
Spearman and Kendall tau of the proxy's mean mIOU against the reference mean, the proxy's
seed-to-seed Spearman and mean absolute seed difference, and seconds per trial; GFLOPs and
parameters as baseline predictors; and the checks of the data on the reference (spread, seed
noise, the effect of each decision).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from benchmarks import camvid_panel as camvid
from benchmarks._runs import (
    REFERENCE,
    RunCache,
    Setting,
    data_version,
    partial_spearman,
    rank_agreement,
    round_or_none,
    run_missing,
    spearman_gain,
)
from benchmarks.dpc_cells import CELLS
from space import ArchConfig, get_preset

HERE = Path(__file__).resolve().parent
CACHE = HERE / "data" / "proxy_fidelity_runs.jsonl"
REPORT = HERE / "data" / "proxy_fidelity.json"


SETTINGS = (  # candidates, each at most 1/8 of the reference's compute (pixels trained)
    Setting("search-before", "64x64/200/16/1e-3"),  # the search's proxy before this benchmark
    Setting("64px", "64x64/200/16/4e-3"),
    Setting("128px", "128x128/150/16/4e-3"),
    Setting("192px", "192x192/150/8/4e-3"),
    Setting("256px-batch4", "256x256/150/4/4e-3"),
)
# The staged search's last rung (`nas search` default ladder fitted to a 30-minute and a 1-hour
# budget): the reference's crop and batch at the fine-tuning rate, continued from the proxy's
# weights. Not proxies (a quarter and a half of the reference's compute): how well the rung
# that chooses a staged search's front ranks.
SEARCH_PROXY = SETTINGS[0]
LAST_RUNGS = (
    Setting("last-rung-30m", "256x256/214/8/1e-3", start=SEARCH_PROXY),
    Setting("last-rung-1h", "256x256/429/8/1e-3", start=SEARCH_PROXY),
)
BY_NAME = {setting.name: setting for setting in (REFERENCE, *SETTINGS, *LAST_RUNGS)}


def _panel() -> dict[str, ArchConfig]:
    basic, dpc = get_preset("paper-basic"), get_preset("paper-dpc")
    return {
        "paper-basic": basic,
        "paper-dpc": dpc,
        "shufflenet0.5-basic": basic.replace(depth_multiplier=0.5),
        "shufflenet1.5-basic": basic.replace(depth_multiplier=1.5),
        "paper-basic-os8": basic.replace(output_stride=8),
        "paper-basic-decoder": basic.replace(decoder="deeplabv3plus"),
        "dpc-rates1": dpc.replace(dpc_branches=CELLS["rates1"]),
        "dpc-rates21": dpc.replace(dpc_branches=CELLS["rates21"]),
        "dpc-pooling": dpc.replace(dpc_branches=CELLS["pooling"]),
        "dpc-wide": dpc.replace(dpc_branches=CELLS["wide"]),
        "mobilenet0.5-basic": get_preset("mobilenetv2-basic").replace(depth_multiplier=0.5),
        "mobilenet0.35-dpc-decoder": get_preset("mobilenetv2-dpc").replace(
            depth_multiplier=0.35, decoder="deeplabv3plus"
        ),
        "shufflenet0.5-os8-dpc-decoder": dpc.replace(
            depth_multiplier=0.5, output_stride=8, decoder="deeplabv3plus"
        ),
        # the head and the cells where the rates reach real context: stride-8 features are
        # 32x32 at 256x256, wider than the largest rate (21); and the head under the decoder
        "paper-dpc-os8": dpc.replace(output_stride=8),
        "dpc-rates1-os8": dpc.replace(output_stride=8, dpc_branches=CELLS["rates1"]),
        "dpc-rates21-os8": dpc.replace(output_stride=8, dpc_branches=CELLS["rates21"]),
        "paper-dpc-decoder": dpc.replace(decoder="deeplabv3plus"),
    }


PANEL = _panel()
# Pairs that differ in one decision, (worse on Cityscapes, better on Cityscapes).
DECISIONS = {
    "width": [("shufflenet0.5-basic", "paper-basic"), ("paper-basic", "shufflenet1.5-basic")],
    "output_stride": [("paper-basic", "paper-basic-os8")],
    "head": [
        ("paper-basic", "paper-dpc"),
        ("paper-basic-os8", "paper-dpc-os8"),
        ("paper-basic-decoder", "paper-dpc-decoder"),
    ],
    "decoder": [("paper-basic", "paper-basic-decoder"), ("paper-dpc", "paper-dpc-decoder")],
    "dpc_cell": [
        ("dpc-rates1", "paper-dpc"),
        ("dpc-rates21", "paper-dpc"),
        ("dpc-pooling", "paper-dpc"),
        ("dpc-wide", "paper-dpc"),
        ("dpc-rates1-os8", "paper-dpc-os8"),
        ("dpc-rates21-os8", "paper-dpc-os8"),
    ],
}


@dataclasses.dataclass(frozen=True)
class Benchmark:
    """The panel, its decision pairs, the reference and the candidate settings of one kind of
    data, with its run cache, report file and the size its costs are counted at."""

    panel: dict
    decisions: dict
    reference: Setting
    settings: tuple  # trained by default
    by_name_only: tuple  # trained when named (the synthetic last rungs)
    cache: Path
    report: Path
    cost_size: object = 256

    def setting(self, name: str) -> Setting:
        return {
            setting.name: setting
            for setting in (self.reference, *self.settings, *self.by_name_only)
        }[name]


def _benchmarks() -> dict:
    synthetic = Benchmark(PANEL, DECISIONS, REFERENCE, SETTINGS, LAST_RUNGS, CACHE, REPORT)
    return {
        "synthetic": synthetic,
        "camvid": Benchmark(
            camvid.PANEL,
            camvid.DECISIONS,
            REFERENCE,
            camvid.SETTINGS,
            (),
            HERE / "data" / "proxy_fidelity_camvid_runs.jsonl",
            HERE / "data" / "proxy_fidelity_camvid.json",
            camvid.COST_SIZE,
        ),
    }


def benchmark_for(data: str) -> Benchmark:
    """The benchmark of a data spec's kind (CamVid's own panel; the synthetic one otherwise)."""
    benchmarks = _benchmarks()
    return benchmarks.get(str(data).split(":")[0], benchmarks["synthetic"])


# -- statistics ------------------------------------------------------------------------------
def seed_table(
    cache: RunCache, data: str, setting: Setting, seeds, panel, first_seed_only: bool = False
) -> dict | None:
    """{name: [mIOU per seed]} when every panel config has every seed (with
    `first_seed_only`, the first seed and whichever others it has), else None."""
    table = {}
    for name, config in panel.items():
        rows = [cache.get(data, config, setting, seed) for seed in seeds]
        if rows[0] is None or (not first_seed_only and None in rows):
            return None
        table[name] = [row["miou"] for row in rows if row is not None]
    return table


def run_seconds(row: dict) -> float:
    """A run's seconds: its wall time, or its training and evaluation time when that is more
    (a run resumed after a kill timed only its last part)."""
    return max(row["wall_seconds"], row["train_seconds"] + row["eval_seconds"])


def setting_summary(table: dict, reference: dict, rows: list[dict]) -> dict:
    """The rank statistics of one proxy setting against the reference means."""
    names = list(reference)
    means = [float(np.mean(table[name])) for name in names]
    reference_means = [float(np.mean(reference[name])) for name in names]
    first, second = ([table[name][index] for name in names] for index in (0, 1))
    seconds = [run_seconds(row) for row in rows]
    return {
        **rank_agreement(means, reference_means),
        "seed_spearman": rank_agreement(first, second)["spearman"],
        "mean_abs_seed_difference": round_or_none(np.mean(np.abs(np.subtract(first, second)))),
        "seconds_per_trial": round_or_none(np.mean(seconds), 1),
        "load_average": round_or_none(np.mean([row["load_average"] for row in rows]), 2),
    }


def setting_entry(
    setting: Setting, table: dict, reference: dict, rows: list[dict], gflops: list, panel: dict
) -> dict:
    """One setting's line of the report: its rank statistics, against GFLOPs too, and its
    mIOU per config and seed."""
    names = list(reference)
    means = [float(np.mean(table[name])) for name in names]
    reference_means = [float(np.mean(reference[name])) for name in names]
    return {
        "setting": setting.to_dict(),
        **setting_summary(table, reference, rows),
        "versus_gflops": spearman_gain(means, gflops, reference_means),
        "beyond_gflops": partial_spearman(means, gflops, reference_means),
        "no_decoder_spearman": no_decoder_spearman(means, reference_means, panel),
        "miou": {name: table[name] for name in names},
    }


def pooled_seed_std(table: dict) -> float:
    """The seed std pooled over the configs trained with more than one seed (with two seeds,
    each config's estimate is |a - b| / sqrt(2))."""
    return float(
        np.sqrt(np.mean([np.var(values, ddof=1) for values in table.values() if len(values) > 1]))
    )


def data_checks(reference: dict, decision_pairs: dict = DECISIONS) -> dict:
    """The issue's checks of the data on the reference: spread, seed noise, decisions."""
    means = {name: float(np.mean(values)) for name, values in reference.items()}
    seed_std = pooled_seed_std(reference)
    decisions = {}
    for decision, pairs in decision_pairs.items():
        decisions[decision] = [
            {
                "worse_on_cityscapes": low,
                "better_on_cityscapes": high,
                "difference": round_or_none(means[high] - means[low]),
                "significant": bool(means[high] - means[low] > 2 * seed_std),
            }
            for low, high in pairs
            if low in means and high in means
        ]
    return {
        "spread": round_or_none(max(means.values()) - min(means.values())),
        "seed_std": round_or_none(seed_std),
        "decisions": decisions,
    }


def decision_table(reference: dict, proxies: dict, decision_pairs: dict) -> list[dict]:
    """Per pair of configs that differ in one decision: the reference effect (better on
    Cityscapes minus worse, means of seeds) with its pooled seed std, and each proxy's effect."""
    seed_std = round_or_none(pooled_seed_std(reference))

    def effect(table, low, high):
        return round_or_none(float(np.mean(table[high]) - np.mean(table[low])))

    return [
        {
            "decision": decision,
            "configs": [low, high],
            "reference_effect": effect(reference, low, high),
            "reference_seed_std": seed_std,
            "proxy_effects": {name: effect(table, low, high) for name, table in proxies.items()},
        }
        for decision, pairs in decision_pairs.items()
        for low, high in pairs
        if low in reference and high in reference
    ]


def no_decoder_spearman(scores: list, reference_means: list, panel: dict) -> float | None:
    """Spearman of `scores` against the reference among the panel configs without a decoder
    (where the decoder switch cannot carry the ranking)."""
    keep = [index for index, config in enumerate(panel.values()) if config.decoder == "none"]
    return rank_agreement([scores[i] for i in keep], [reference_means[i] for i in keep])["spearman"]


def decision_signs(decisions: list[dict], name: str) -> dict:
    """How many of the decisions whose reference effect exceeds twice its seed std the setting
    `name` gives the same sign."""
    resolved = [
        row for row in decisions if abs(row["reference_effect"]) > 2 * row["reference_seed_std"]
    ]
    agree = sum(
        np.sign(row["proxy_effects"][name]) == np.sign(row["reference_effect"]) for row in resolved
    )
    return {"agree": int(agree), "resolved": len(resolved)}


TARGET_NAMES = (
    "spearman>=0.85",
    "seed_spearman>=0.9",
    "partial_spearman_ci90>0",
    "no_decoder_spearman>gflops",
    "decision_signs",
    "seconds<=reference/8",
)


def targets(entry: dict, gflops_no_decoder: float | None, reference_seconds: float) -> dict:
    """The targets for a real-data default proxy (`TARGET_NAMES`), met (True) or not."""
    low = entry["beyond_gflops"]["ci90"][0]
    return {
        "spearman>=0.85": (entry["spearman"] or 0) >= 0.85,
        "seed_spearman>=0.9": (entry["seed_spearman"] or 0) >= 0.9,
        "partial_spearman_ci90>0": low is not None and low > 0,
        "no_decoder_spearman>gflops": (entry["no_decoder_spearman"] or -1)
        > (gflops_no_decoder or 1),
        "decision_signs": entry["decision_signs"]["agree"] == entry["decision_signs"]["resolved"],
        "seconds<=reference/8": entry["seconds_per_trial"] <= reference_seconds / 8,
    }


def report(
    cache: RunCache,
    data: str,
    seeds=(0, 1),
    default: str | None = None,
    panel=None,
    benchmark: Benchmark | None = None,
) -> dict:
    """The benchmark's report (the `proxy_fidelity.json` schema) from the cached runs."""
    benchmark = benchmark or benchmark_for(data)
    panel = panel or benchmark.panel
    reference_setting = benchmark.reference
    version = data_version(data)
    reference = seed_table(cache, version, reference_setting, seeds, panel, first_seed_only=True)
    if reference is None:
        return _incomplete_report(cache, version, reference_setting, seeds, panel)
    names = list(panel)
    reference_means = [float(np.mean(reference[name])) for name in names]
    first = {name: cache.get(version, panel[name], reference_setting, seeds[0]) for name in names}
    gflops = [first[name]["gflops"] for name in names]
    params = [first[name]["params"] for name in names]
    entries, tables = _setting_entries(
        cache, version, benchmark, seeds, panel, reference, gflops, default
    )
    reference_rows = [
        row
        for name in names
        for seed in seeds
        if (row := cache.get(version, panel[name], reference_setting, seed))
    ]
    reference_seconds = round_or_none(np.mean([run_seconds(r) for r in reference_rows]), 1)
    decisions = decision_table(reference, tables, benchmark.decisions)
    gflops_no_decoder = no_decoder_spearman(gflops, reference_means, panel)
    for entry in entries:
        entry["decision_signs"] = decision_signs(decisions, entry["setting"]["name"])
        entry["targets"] = targets(entry, gflops_no_decoder, reference_seconds)
    return {
        "data": version,
        "seeds": list(seeds),
        "reference": _reference_summary(
            reference, reference_rows, reference_seconds, reference_setting, benchmark.decisions
        ),
        "panel": _panel_rows(panel, reference, first),
        **_baselines(gflops, params, reference_means),
        "gflops_no_decoder_spearman": gflops_no_decoder,
        "settings": entries,
        "decisions": decisions,
    }


def _incomplete_report(
    cache: RunCache, version: str, reference_setting: Setting, seeds, panel: dict
) -> dict:
    """The report while the reference lacks runs: how many of its runs are done."""
    done = sum(
        cache.get(version, config, reference_setting, seed) is not None
        for config in panel.values()
        for seed in seeds
    )
    return {
        "data": version,
        "reference": reference_setting.to_dict(),
        "status": f"reference incomplete: {done} of {len(panel) * len(seeds)} runs",
    }


def _setting_entries(
    cache: RunCache,
    version: str,
    benchmark: Benchmark,
    seeds,
    panel: dict,
    reference: dict,
    gflops: list,
    default: str | None,
) -> tuple[list[dict], dict]:
    """(report lines, {name: seed table}) of the settings with two seeds of every config."""
    reference_setting = benchmark.reference
    names = list(panel)
    entries, tables = [], {}
    for setting in (*benchmark.settings, *benchmark.by_name_only):
        table = seed_table(cache, version, setting, seeds, panel) if len(seeds) > 1 else None
        if table is None:  # a proxy's rank statistics need two seeds of every config
            continue
        tables[setting.name] = table
        rows = [cache.get(version, panel[name], setting, seed) for name in names for seed in seeds]
        entries.append(
            {
                **setting_entry(setting, table, reference, rows, gflops, panel),
                "relative_compute": round_or_none(
                    setting.fidelity.pixels / reference_setting.fidelity.pixels
                ),
                "default": setting.name == default,
            }
        )
    return entries, tables


def _reference_summary(
    reference: dict,
    reference_rows: list[dict],
    reference_seconds: float | None,
    reference_setting: Setting,
    decision_pairs: dict,
) -> dict:
    """The report's reference: its setting, seeds, seed agreement, cost and data checks."""
    both = [values for values in reference.values() if len(values) > 1]
    return {
        "setting": reference_setting.to_dict(),
        "seeds_per_config": {name: len(values) for name, values in reference.items()},
        "seed_spearman": rank_agreement(*zip(*both))["spearman"] if len(both) > 2 else None,
        "seconds_per_trial": reference_seconds,
        "load_average": round_or_none(np.mean([r["load_average"] for r in reference_rows]), 2),
        **data_checks(reference, decision_pairs),
    }


def _panel_rows(panel: dict, reference: dict, first: dict) -> list[dict]:
    """The report's panel: each config with its reference mIOUs, GFLOPs and parameters."""
    return [
        {
            "name": name,
            "config": panel[name].to_dict(),
            "reference_miou": reference[name],
            "gflops": round_or_none(first[name]["gflops"]),
            "params": first[name]["params"],
        }
        for name in panel
    ]


def _baselines(gflops: list, params: list, reference_means: list) -> dict:
    """GFLOPs' and parameters' Spearman and Kendall tau against the reference means."""
    return {
        "gflops_spearman": rank_agreement(gflops, reference_means)["spearman"],
        "gflops_kendall": rank_agreement(gflops, reference_means)["kendall"],
        "params_spearman": rank_agreement(params, reference_means)["spearman"],
        "params_kendall": rank_agreement(params, reference_means)["kendall"],
    }


def format_table(result: dict) -> str:
    """The report as a Markdown table (one row per setting and the baselines)."""
    if "settings" not in result:
        return result.get("status", "")
    lines = [
        "| setting | Spearman | Kendall | seed Spearman | mean abs seed diff | s per trial | "
        "compute | Spearman - GFLOPs's (90% CI) | partial Spearman given GFLOPs (90% CI) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    reference = result["reference"]
    lines.append(
        f"| reference {_describe(reference['setting'])} | 1 | 1 | {reference['seed_spearman']} "
        f"| | {reference['seconds_per_trial']} | 1 | | |"
    )
    for entry in result["settings"]:
        mark = " (default)" if entry["default"] else ""
        gain, beyond = entry["versus_gflops"], entry["beyond_gflops"]
        lines.append(
            f"| {entry['setting']['name']}{mark} {_describe(entry['setting'])} | "
            f"{entry['spearman']} | {entry['kendall']} | {entry['seed_spearman']} | "
            f"{entry['mean_abs_seed_difference']} | {entry['seconds_per_trial']} | "
            f"{entry['relative_compute']} | {gain['difference']} {gain['ci90']} | "
            f"{beyond['partial_spearman']} {beyond['ci90']} |"
        )
    lines.append(
        f"| GFLOPs | {result['gflops_spearman']} | {result['gflops_kendall']} | 1 | 0 | 0 | | | 0 |"
    )
    lines.append(
        f"| params | {result['params_spearman']} | {result['params_kendall']} | 1 | 0 | 0 | | | |"
    )
    lines += [
        "",
        "| setting | " + " | ".join(TARGET_NAMES) + " |",
        "|---|" + "---|" * len(TARGET_NAMES),
    ]
    for entry in result["settings"]:
        lines.append(
            f"| {entry['setting']['name']} | "
            + " | ".join("met" if entry["targets"][name] else "missed" for name in TARGET_NAMES)
            + " |"
        )
    return "\n".join(lines)


def format_decisions(result: dict) -> str:
    """The decision table as Markdown: per pair, the reference effect +- its seed std and each
    setting's effect, marked where its sign differs from a resolved reference effect."""
    names = [entry["setting"]["name"] for entry in result["settings"]]
    lines = [
        "| decision | worse -> better on Cityscapes | reference | " + " | ".join(names) + " |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for row in result["decisions"]:
        effect, std = row["reference_effect"], row["reference_seed_std"]
        resolved = abs(effect) > 2 * std
        cells = [
            f"{row['proxy_effects'][name]:+.3f}"
            + (" (sign differs)" if resolved and row["proxy_effects"][name] * effect < 0 else "")
            for name in names
        ]
        lines.append(
            f"| {row['decision']} | {' -> '.join(row['configs'])} | {effect:+.3f} +- "
            f"{std:.3f}{' (resolved)' if resolved else ''} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    """One scatter per setting (and GFLOPs): each panel config's score against its reference
    mIOU, the seeds' range as a bar, with the setting's Spearman and partial Spearman."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # after choosing the backend

    panel, entries = result["panel"], result["settings"]
    reference = [np.mean(entry["reference_miou"]) for entry in panel]
    columns = (len(entries) + 2) // 2  # the settings and GFLOPs on two rows
    figure, axes = plt.subplots(2, columns, figsize=(3.2 * columns, 6.4), squeeze=False)
    for axis, entry in zip(axes.flat, entries):
        seeds = np.array([entry["miou"][item["name"]] for item in panel])
        axis.errorbar(
            reference,
            seeds.mean(axis=1),
            yerr=np.ptp(seeds, axis=1) / 2,
            fmt="o",
            markersize=4,
            capsize=2,
        )
        mark = ", default" if entry["default"] else ""
        axis.set_title(
            f"{entry['setting']['name']}{mark}\nSpearman {entry['spearman']}, "
            f"partial {entry['beyond_gflops']['partial_spearman']}",
            fontsize=9,
        )
        axis.set_ylabel("proxy mIOU", fontsize=8)
    gflops_axis = axes.flat[len(entries)]
    gflops_axis.scatter(reference, [item["gflops"] for item in panel], s=16)
    gflops_axis.set_title(f"GFLOPs\nSpearman {result['gflops_spearman']}", fontsize=9)
    gflops_axis.set_ylabel("GFLOPs", fontsize=8)
    for axis in axes.flat[len(entries) + 1 :]:
        axis.set_visible(False)
    for axis in axes.flat:
        axis.set_xlabel("reference mIOU (mean of seeds)", fontsize=8)
        axis.tick_params(labelsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def _describe(setting: dict) -> str:
    height, width = setting["input_size"]
    start = f", from {setting['start']['name']}'s weights" if "start" in setting else ""
    return (
        f"({height}x{width}, {setting['steps']} steps, lr {setting['learning_rate']:g}, "
        f"batch {setting['batch_size']}{start})"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="synthetic")
    parser.add_argument(
        "--settings",
        nargs="+",
        default=["all"],
        help="reference, a setting name, or all (default: the reference and "
        "the proxy settings; the last-rung settings by name)",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="train only these panel configs")
    parser.add_argument("--threads", type=int, help="TensorFlow threads per training")
    parser.add_argument("--cache", type=Path, help="run cache (default: the data kind's)")
    parser.add_argument("--out", type=Path, help="report (default: the data kind's)")
    parser.add_argument("--default", help="the setting `nas search` uses (marked in the report)")
    parser.add_argument("--report", action="store_true", help="only write the report")
    args = parser.parse_args(argv)
    benchmark = benchmark_for(args.data)
    args.cache, args.out = args.cache or benchmark.cache, args.out or benchmark.report
    chosen = (
        [benchmark.reference, *benchmark.settings]
        if args.settings == ["all"]
        else [benchmark.setting(name) for name in args.settings]
    )
    panel = {name: benchmark.panel[name] for name in args.only} if args.only else benchmark.panel
    cache = RunCache(args.cache)
    if not args.report:
        run_missing(
            cache,
            args.data,
            chosen,
            args.seeds,
            panel,
            threads=args.threads,
            cost_size=benchmark.cost_size,
        )
        cache = RunCache(args.cache)  # other workers' rows too
    result = report(
        cache, args.data, tuple(args.seeds), args.default, panel=panel, benchmark=benchmark
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if "settings" in result:
        plot(result, args.out.with_suffix(".png"))
    print(format_table(result))
    if result.get("decisions"):
        print("\n" + format_decisions(result))


if __name__ == "__main__":
    main()
