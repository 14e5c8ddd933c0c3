"""A tabular benchmark of the default search space at the search's default proxy.

    python -m benchmarks.space_table --threads 1 &   # as many workers as cores; resumable
    python -m benchmarks.space_table --threads 1 &
    python -m benchmarks.space_table --export                   # write space_table.parquet

`--configs` (default 300) distinct configs sampled uniformly from the default space (the
search's own conditional sampling: each parameter a config uses drawn uniformly; a draw that
repeats an earlier config, as basic-head configs often do, is skipped), plus the
proxy-fidelity panel, each trained at the proxy `nas search` uses by default with two seeds.
Every finished training is one line of the run cache (`benchmarks/data/space_table_runs.jsonl`), so the table
is built in several runs and resumed after a kill. `--export` writes
`benchmarks/data/space_table.parquet`: one row per (config, seed) with the sample index or
panel name, the config, its conditional parameters (one column each, empty where the config
does not use it), mIOU, predicted latency on the shipped CPU table (the same on every machine),
GFLOPs and parameters at the deployment size, and seconds.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from benchmarks._runs import RunCache, Setting, data_version, run_missing
from benchmarks.proxy_fidelity import PANEL
from benchmarks.searchers import LATENCY_TABLE
from nas.search.options import SearchOptions
from space import SearchSpace
from trainers import load_dataset

HERE = Path(__file__).resolve().parent
CACHE = HERE / "data" / "space_table_runs.jsonl"
TABLE = HERE / "data" / "space_table.parquet"
SAMPLE_SEED = 1000  # config k of the table is SearchSpace().sample(SAMPLE_SEED + k)


def table_configs(count: int, space: SearchSpace | None = None) -> dict:
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
    configs.update({name: config for name, config in PANEL.items() if config.id not in ids})
    return configs


def param_columns(space: SearchSpace, config) -> dict[str, str]:
    """The parameters a config uses, as the table's text columns."""
    params = space.params_from_config(
        config.replace(input_size=space.input_size, num_classes=space.num_classes)
    )
    return {name: str(value) for name, value in params.items()}


def export(
    cache: RunCache, data: str, setting: Setting, configs: dict, seeds, device: str, latency_size
):
    """The table of the cached runs of `configs` at `setting`, with latency and parameters."""
    import pandas as pd

    from latency_models import load_table, predict_latency

    space, latency_table = SearchSpace(), load_table(device)
    version, rows = data_version(data), []
    for name, config in configs.items():
        deployed = config.replace(input_size=latency_size)
        latency = predict_latency(deployed, latency_table)
        for seed in seeds:
            run = cache.get(version, config, setting, seed)
            if run is None:
                continue
            rows.append(
                {
                    "name": name,
                    "config_id": config.id,
                    "config": config.to_json(None),
                    **param_columns(space, config),
                    "seed": seed,
                    "miou": run["miou"],
                    "latency_ms": latency,
                    "gflops": run["gflops"],
                    "params": run["params"],
                    "wall_seconds": run["wall_seconds"],
                    "load_average": run["load_average"],
                }
            )
    table = pd.DataFrame(rows)
    for column in space.choices():  # one type per column: parquet needs it
        if column in table:
            table[column] = table[column].astype("string")
    return table


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="synthetic")
    parser.add_argument("--configs", type=int, default=300)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--threads", type=int, help="TensorFlow threads per training")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--export", action="store_true", help="only write the parquet table")
    parser.add_argument("--out", type=Path, default=TABLE)
    args = parser.parse_args(argv)
    options, _ = SearchOptions(data=args.data).for_data(load_dataset(args.data))
    setting = Setting.of_search(options, "search-default")
    configs = table_configs(args.configs)
    cache = RunCache(args.cache)
    if not args.export:
        run_missing(
            cache,
            args.data,
            [setting],
            args.seeds,
            configs,
            threads=args.threads,
            cost_size=options.latency_input_size[0],
        )
        cache = RunCache(args.cache)
    table = export(
        cache, args.data, setting, configs, args.seeds, LATENCY_TABLE, options.latency_input_size
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(args.out, index=False)
    print(
        json.dumps(
            {
                "setting": setting.to_dict(),
                "rows": len(table),
                "configs": int(table["config_id"].nunique()) if len(table) else 0,
            }
        )
    )


if __name__ == "__main__":
    main()
