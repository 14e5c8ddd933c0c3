"""Does a DPC cell make a difference where its rates exist? The DPC paper's proxy, measured.

    python -m benchmarks.cell_proxy [--output-stride 16|8] [--cells 14] [--seeds 0 1]  # resumable
    python -m benchmarks.cell_proxy [--output-stride 16|8] --report

The backbone of a proxy-fidelity panel config trained at the reference setting
(`proxy_fidelity.py`): `paper-basic` (ShuffleNet V2 1.0, output stride 16), or with
`--output-stride 8` `paper-basic-os8`. It runs once over 384x384 images: features of 24x24 at
stride 16 and 48x48 at stride 8, wider than the largest rate (21), where the whole-network
proxy's 64x64 crops give 4x4 and 8x8. Each head (the panel's heads at that stride, the basic
head and the DPC cells, and `--cells` DPC cells sampled from the default space) is then trained
alone on the cached features (`trainers.cell_proxy`) with each seed. Every scored head is one
line of `data/cell_proxy_runs.jsonl`; the report (`data/cell_proxy.json`, at stride 8
`data/cell_proxy_os8.json`) gives the heads' spread, the seed noise, the share of pairs of heads
told apart (means more than twice the seed std apart), the seed-to-seed Spearman, seconds per
head, and on the panel heads the same for the whole-network proxy `nas search` uses, with the
Spearman of both proxies and of GFLOPs against the reference mIOU.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import random
import time
from pathlib import Path

import numpy as np

from benchmarks._runs import (
    REFERENCE,
    WORK_DIR,
    RunCache,
    Setting,
    data_version,
    rank_agreement,
    round_or_none,
    spearman_gain,
    take_claim,
)
from benchmarks.proxy_fidelity import CACHE as PANEL_CACHE, PANEL
from nas.search.fidelity import Fidelity
from space import SearchSpace

HERE = Path(__file__).resolve().parent
CACHE = HERE / "data" / "cell_proxy_runs.jsonl"
SAMPLE_SEED = 2000


@dataclasses.dataclass(frozen=True)
class Backbone:
    """Whose reference training (one seed) gives the features, and the panel's heads on it."""

    name: str
    seed: int
    panel_heads: tuple
    report: Path

    @property
    def output_stride(self) -> int:
        return PANEL[self.name].output_stride

    def run(self) -> Path:
        """The run folder of the reference training."""
        config = PANEL[self.name].replace(input_size=REFERENCE.fidelity.crop)
        return WORK_DIR / f"{config.id}-{REFERENCE.key}-seed{self.seed}"

    def version(self, data: str) -> str:
        """What a cached score depends on besides head, setting and seed."""
        return f"{data_version(data)}|backbone:{self.run().name}"


BACKBONES = {  # by output stride; at 8, seed 1: the reference run whose folder this VM kept
    16: Backbone(
        "paper-basic",
        0,
        ("paper-basic", "paper-dpc", "dpc-rates1", "dpc-rates21", "dpc-pooling", "dpc-wide"),
        HERE / "data" / "cell_proxy.json",
    ),
    8: Backbone(
        "paper-basic-os8",
        1,
        ("paper-basic-os8", "paper-dpc-os8", "dpc-rates1-os8", "dpc-rates21-os8"),
        HERE / "data" / "cell_proxy_os8.json",
    ),
}


def heads(count: int, backbone: Backbone = BACKBONES[16]) -> dict:
    """The heads scored, by name: the panel's on `backbone`, then `count` sampled DPC cells
    on the same backbone."""
    space = SearchSpace()
    base = PANEL["paper-dpc"].replace(output_stride=backbone.output_stride)
    result = {name: PANEL[name] for name in backbone.panel_heads}
    for index in range(count):
        rng = random.Random(SAMPLE_SEED + index)
        params = space.suggest(
            lambda name, options: "dpc" if name == "head" else rng.choice(options)
        )
        cell = space.config_from_params(params).dpc_branches
        result[f"cell-{index}"] = base.replace(dpc_branches=cell)
    return result


def proxy_setting(proxy) -> Setting:
    return Setting(
        "cell-proxy", Fidelity(proxy.input_size, proxy.steps, proxy.batch_size, proxy.learning_rate)
    )


def score_head(config, cached, proxy, seed: int) -> dict:
    """Trains the head of `config` (basic or a DPC cell, with classifier and resize) on the
    cached train features; its mIOU on the cached val features and the seconds it took."""
    from trainers.cell_proxy import evaluate_head, train_head

    started = time.perf_counter()
    model = train_head(config, cached, proxy, seed)
    return {
        "miou": evaluate_head(model, cached, proxy.batch_size),
        "seconds": time.perf_counter() - started,
    }


def score_missing(
    cache: RunCache, data: str, named: dict, seeds, threads, backbone: Backbone = BACKBONES[16]
) -> None:
    """Scores every (head, seed) the cache lacks, appending each as it finishes. Several
    workers can run at once: each claims a (head, seed) before training it (`take_claim`)."""
    from trainers.cell_proxy import CellProxy, cache_features
    from trainers.runs import load_run
    from trainers.training import configure_threads

    configure_threads(threads)
    proxy, run = CellProxy(), load_run(backbone.run())
    setting, version = proxy_setting(proxy), backbone.version(data)
    cached = cache_features(run.config, run.model, data, proxy, WORK_DIR / "cell_features")
    # every seed of a head before the next head: a run cut short still reports whole heads
    for name, config in named.items():
        for seed in seeds:
            cache.reload()
            claim = WORK_DIR / f"cell-{backbone.run().name}-{config.id}-seed{seed}.claim"
            if cache.get(version, config, setting, seed) is not None or not take_claim(claim):
                continue
            try:
                scored = score_head(config, cached, proxy, seed)
                cache.record(version, name, config, setting, seed, **scored)
            finally:
                claim.unlink(missing_ok=True)
            print(
                f"{name} seed {seed}: mIOU {scored['miou']:.4f} in {scored['seconds']:.0f} s",
                flush=True,
            )


def report(
    cache: RunCache, data: str, named: dict, seeds, backbone: Backbone = BACKBONES[16]
) -> dict:
    """The statistics of the scored heads (those with every seed)."""
    from trainers.cell_proxy import CellProxy

    setting, version = proxy_setting(CellProxy()), backbone.version(data)
    scores = {
        name: [cache.get(version, config, setting, seed) for seed in seeds]
        for name, config in named.items()
    }
    scores = {name: rows for name, rows in scores.items() if all(rows)}
    miou = {name: [row["miou"] for row in rows] for name, rows in scores.items()}
    means = {name: float(np.mean(values)) for name, values in miou.items()}
    per_seed = np.array(list(miou.values()))
    result = {
        "setting": setting.to_dict(),
        "backbone_run": backbone.run().name,
        "heads": {
            name: {"miou": values, "mean": round(means[name], 4)} for name, values in miou.items()
        },
        "count": len(miou),
        **separation(per_seed),
        "seed_spearman": rank_agreement(per_seed[:, 0], per_seed[:, 1])["spearman"],
        "seconds_per_head": round_or_none(
            np.mean([row["seconds"] for rows in scores.values() for row in rows]), 1
        ),
    }
    result["panel"] = panel_agreement(data, miou, backbone.panel_heads)
    return result


def separation(per_seed) -> dict:
    """How far apart heads are for a proxy ([head][seed] mIOU): the spread of their means, the
    pooled seed std, and the share of pairs of heads whose means differ by more than twice it."""
    per_seed = np.asarray(per_seed, float)
    means = per_seed.mean(axis=1)
    seed_std = float(np.sqrt(np.mean(np.var(per_seed, axis=1, ddof=1))))
    pairs = list(itertools.combinations(means, 2))
    separated = sum(abs(a - b) > 2 * seed_std for a, b in pairs) / len(pairs)
    return {
        "spread": round_or_none(means.max() - means.min()),
        "seed_std": round_or_none(seed_std),
        "separated_pairs": round_or_none(separated, 3),
    }


def panel_agreement(data: str, miou: dict, panel_heads) -> dict:
    """On the panel heads (those of `panel_heads` scored): Spearman against the reference of
    the cell proxy, of the whole-network proxy `nas search` uses, and of GFLOPs; how far apart
    the two proxies put the heads (`separation`)."""
    from nas.search.options import SearchOptions

    panel, version = RunCache(PANEL_CACHE), data_version(data)
    search = Setting.of_search(SearchOptions())
    names = [name for name in panel_heads if name in miou]

    def seeds_of(setting, name):
        rows = [panel.get(version, PANEL[name], setting, seed) for seed in (0, 1)]
        return [row["miou"] for row in rows if row]

    reference = [float(np.mean(seeds_of(REFERENCE, name))) for name in names]
    whole = [seeds_of(search, name) for name in names]
    gflops = [panel.get(version, PANEL[name], REFERENCE, 0)["gflops"] for name in names]
    cells = [miou[name] for name in names]
    return {
        "heads": names,
        "reference": reference,
        "cell_proxy": {
            **rank_agreement(np.mean(cells, axis=1), reference),
            "versus_gflops": spearman_gain(np.mean(cells, axis=1), gflops, reference),
            **separation(cells),
        },
        "search_proxy": {
            **rank_agreement([np.mean(seeds) for seeds in whole], reference),
            "versus_gflops": spearman_gain([np.mean(s) for s in whole], gflops, reference),
            **(separation(whole) if all(len(s) == 2 for s in whole) else {}),
        },
        "gflops": rank_agreement(gflops, reference),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="synthetic")
    parser.add_argument(
        "--output-stride",
        type=int,
        choices=sorted(BACKBONES),
        default=16,
        help="the backbone's: paper-basic (16) or paper-basic-os8 (8)",
    )
    parser.add_argument(
        "--cells", type=int, default=14, help="sampled DPC cells besides the panel's"
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--threads", type=int)
    parser.add_argument("--report", action="store_true", help="only write the report")
    args = parser.parse_args(argv)
    backbone = BACKBONES[args.output_stride]
    named = heads(args.cells, backbone)
    if not args.report:
        score_missing(RunCache(CACHE), args.data, named, args.seeds, args.threads, backbone)
    result = report(RunCache(CACHE), args.data, named, args.seeds, backbone)
    backbone.report.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({key: value for key, value in result.items() if key != "heads"}, indent=1))


if __name__ == "__main__":
    main()
