"""A tabular benchmark of the default search space: configs trained at the search's default
proxy (and some at the reference), with their predicted latency.

    python -m benchmarks.space_table [--data camvid:PATH] --threads 1 &   # one worker per core
    python -m benchmarks.space_table [--data camvid:PATH] --threads 1 &   # resumable
    python -m benchmarks.space_table [--data camvid:PATH] --export        # write the table

`--configs` distinct configs sampled from the default space (the search's own conditional
sampling: each parameter a config uses drawn uniformly; a draw that repeats an earlier config,
as basic-head configs often do, is skipped), plus the data's proxy-fidelity panel, each
trained at the proxy `nas search` uses by default on that data with two seeds. On CamVid the
panel (2 seeds) and the first `--reference-configs` samples (seed 0) are also trained at the
reference (`benchmarks._runs.REFERENCE`), a second fidelity for replaying staged searches.
Every finished training is one line of the data's run cache (synthetic:
`data/space_table_runs.jsonl`; CamVid: the one every CamVid benchmark shares,
`data/proxy_fidelity_camvid_runs.jsonl`), so the table is built in several runs and resumed
after a kill. `--export` writes the table (`data/space_table.parquet`,
`data/camvid_space_table.parquet`): one row per (config, fidelity, seed); see `load` and
`data/camvid_space_table.md`.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
from pathlib import Path

from benchmarks import camvid_panel
from benchmarks._runs import REFERENCE, RunCache, Setting, data_version, run_missing
from benchmarks.proxy_fidelity import PANEL
from benchmarks._surrogate import LATENCY_TABLE
from nas.search.options import SearchOptions
from space import SearchSpace
from trainers import load_dataset

HERE = Path(__file__).resolve().parent
SAMPLE_SEED = 1000  # config k of the table is SearchSpace().sample(SAMPLE_SEED + k)
PROXY, REFERENCE_FIDELITY = "proxy", "reference"  # the table's `fidelity` column


@dataclasses.dataclass(frozen=True)
class TableSpec:
    """One data's table: its panel, run cache, output file, how many sampled configs beyond
    the panel are trained at the reference, and whether latency on `host` is recorded."""

    panel: dict
    cache: Path
    out: Path
    configs: int
    reference_configs: int = 0
    host_latency: bool = False


SPECS = {
    "synthetic": TableSpec(
        PANEL, HERE / "data" / "space_table_runs.jsonl", HERE / "data" / "space_table.parquet", 300
    ),
    "camvid": TableSpec(
        camvid_panel.PANEL,
        HERE / "data" / "proxy_fidelity_camvid_runs.jsonl",
        HERE / "data" / "camvid_space_table.parquet",
        250,
        reference_configs=24,
        host_latency=True,
    ),
}


def spec_of(data: str) -> TableSpec | None:
    """The table of `data`'s kind (synthetic, camvid), or None."""
    return SPECS.get(data_version(data).split(":")[0].split("@")[0])


def table_configs(count: int, panel: dict = PANEL, space: SearchSpace | None = None) -> dict:
    """The table's configs by name: `sample-K` for the first `count` distinct uniform samples
    (a draw that repeats an earlier config is skipped), then the panel."""
    space = space or SearchSpace()
    configs, ids = {}, set()
    for index in itertools.count():
        if len(configs) == count:
            break
        config = space.sample(SAMPLE_SEED + index)
        if config.id not in ids:
            configs[f"sample-{index}"] = config
            ids.add(config.id)
    configs.update({name: config for name, config in panel.items() if config.id not in ids})
    return configs


def reference_configs(configs: dict, spec: TableSpec) -> dict:
    """The configs trained at the reference: the first `spec.reference_configs` samples."""
    samples = [name for name in configs if name.startswith("sample-")]
    return {name: configs[name] for name in samples[: spec.reference_configs]}


def param_columns(space: SearchSpace, config) -> dict[str, str]:
    """The parameters a config uses, as the table's text columns."""
    params = space.params_from_config(
        config.replace(input_size=space.input_size, num_classes=space.num_classes)
    )
    return {name: str(value) for name, value in params.items()}


def latencies(configs: dict, options: SearchOptions, host: bool) -> dict[str, dict]:
    """Each config's predicted latency (ms): on the shipped CPU table at its first size (the
    same on every machine; that table holds 19-class blocks and no 360x480 ones) and, with
    `host`, on this machine's table at the data's deployment size and classes."""
    from latency_models import LatencyModel

    shipped = LatencyModel(LATENCY_TABLE, (224, 224))
    here = LatencyModel("host", options.latency_input_size)
    found = {}
    for name, config in configs.items():
        found[name] = {"latency_ms": shipped.predict(config.replace(num_classes=19))}
        if host:
            found[name]["host_latency_ms"] = here.predict(config.replace(num_classes=11))
    return found


def export(cache: RunCache, data: str, settings: dict, configs: dict, seeds, latency: dict):
    """The table of the cached runs of `configs` at each of `settings` (fidelity name ->
    Setting), one row per (config, fidelity, seed), with their latency (`latencies`)."""
    import pandas as pd

    space, version, rows = SearchSpace(), data_version(data), []
    for name, config in configs.items():
        for (fidelity, setting), seed in itertools.product(settings.items(), seeds):
            run = cache.get(version, config, setting, seed)
            if run is not None:
                rows.append(_row(space, name, config, fidelity, seed, run, latency[name]))
    table = pd.DataFrame(rows)
    for column in space.choices():  # one type per column: parquet needs it
        if column in table:
            table[column] = table[column].astype("string")
    return table


def _row(space, name, config, fidelity, seed, run, latency) -> dict:
    return {
        "name": name,
        "config_id": config.id,
        "config": config.to_json(None),
        **param_columns(space, config),
        "fidelity": fidelity,
        "seed": seed,
        "miou": run["miou"],
        **latency,
        "gflops": run["gflops"],
        "params": run["params"],
        "wall_seconds": run["wall_seconds"],
        "load_average": run["load_average"],
    }


def load(path: str | Path):
    """A shipped space table (pandas): one row per (config, fidelity, seed); `config` is the
    config's JSON (`space.ArchConfig.from_json`), the parameter columns are text."""
    import pandas as pd

    table = pd.read_parquet(path)
    if "fidelity" not in table:  # the synthetic table: the proxy only
        table["fidelity"] = PROXY
    return table


def train(cache: RunCache, data: str, spec: TableSpec, proxy: Setting, configs, args) -> None:
    """Trains the runs the cache lacks, in the order that makes the table usable soonest (a
    proxy run of a heavy config takes minutes here): every config at the proxy with the first
    seed, then the reference's, then the other seeds at the proxy."""
    cost_size = camvid_panel.COST_SIZE if spec.host_latency else 224
    first, *others = args.seeds

    def run(setting: Setting, seeds, chosen: dict) -> None:
        run_missing(
            cache, data, [setting], seeds, chosen, threads=args.threads, cost_size=cost_size
        )

    run(proxy, [first], configs)
    extra = reference_configs(configs, spec)
    if extra:
        run(REFERENCE, [0], extra)
    if others:
        run(proxy, others, configs)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="synthetic")
    parser.add_argument("--configs", type=int, help="sampled configs (default: the data's)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--threads", type=int, help="TensorFlow threads per training")
    parser.add_argument("--cache", type=Path, help="run cache (default: the data's)")
    parser.add_argument("--export", action="store_true", help="only write the parquet table")
    parser.add_argument("--out", type=Path, help="the table (default: the data's)")
    args = parser.parse_args(argv)
    spec = spec_of(args.data)
    if spec is None:
        parser.error(f"--data {args.data}: a space table is built for {' or '.join(SPECS)} data")
    options, _ = SearchOptions(data=args.data).for_data(load_dataset(args.data))
    proxy = Setting.of_search(options, "search-default")
    configs = table_configs(args.configs or spec.configs, spec.panel)
    cache_path = args.cache or spec.cache
    if not args.export:
        train(RunCache(cache_path), args.data, spec, proxy, configs, args)
    settings = {PROXY: proxy, **({REFERENCE_FIDELITY: REFERENCE} if spec.reference_configs else {})}
    latency = latencies(configs, options, spec.host_latency)
    table = export(RunCache(cache_path), args.data, settings, configs, args.seeds, latency)
    out = args.out or spec.out
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out, index=False)
    summary = {"proxy": proxy.to_dict(), "rows": len(table)}
    if len(table):
        summary["configs"] = table.groupby("fidelity")["config_id"].nunique().to_dict()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
