"""Plumbing of the benchmarks that train many configs: training settings, the run cache (one
JSON line per finished training, so hours of training can be built in several runs and resumed
after a kill), and rank statistics."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np
from scipy import stats

from nas.search.fidelity import Fidelity, parse_fidelity
from nas.search.options import REFERENCE_FIDELITY
from space import ArchConfig
from trainers import FROM_SCRATCH_LEARNING_RATE, TrainConfig

WORK_DIR = Path.home() / ".cache" / "mobile-seg-nas" / "benchmark_runs"


@dataclasses.dataclass(frozen=True)
class Setting:
    """One named training of a benchmark: a `Fidelity` (crop, steps, batch size, learning rate,
    frame scale; or its text, `HxW[@SCALE]/STEPS/BATCH/LR`, as `nas search --fidelities`
    takes it) and, with `start`, the setting whose weights (same config and seed) it continues
    from (a staged search's later rung); else it trains from scratch. A setting states its
    learning rate: its `key` names the run cache's rows."""

    name: str
    fidelity: Fidelity
    start: "Setting | None" = None

    def __post_init__(self):
        if isinstance(self.fidelity, str):
            object.__setattr__(self, "fidelity", parse_fidelity(self.fidelity))

    @classmethod
    def of_search(cls, options, name: str = "search") -> "Setting":
        """The proxy training of a search's options (`nas.search.options.SearchOptions`)."""
        return cls(name, options.proxy_fidelity)

    @property
    def key(self) -> str:
        fidelity = self.fidelity
        height, width = fidelity.crop
        key = (
            f"{height}x{width}-{fidelity.steps}steps-lr{fidelity.learning_rate:g}"
            f"-batch{fidelity.batch_size}"
        )
        if fidelity.frame_scale != 1.0:
            key += f"-scale{fidelity.frame_scale:g}"
        return key if self.start is None else f"{key}-from-{self.start.key}"

    def to_dict(self) -> dict:
        fidelity = self.fidelity
        data = {
            "name": self.name,
            "input_size": list(fidelity.crop),
            "steps": fidelity.steps,
            "learning_rate": fidelity.learning_rate,
            "batch_size": fidelity.batch_size,
        }
        if fidelity.frame_scale != 1.0:
            data["frame_scale"] = fidelity.frame_scale
        return data if self.start is None else {**data, "start": self.start.to_dict()}


# The reference training of the proxy benchmarks: the last rung of `nas search`'s default
# ladder, from scratch at the recipe's default rate for that.
REFERENCE = Setting(
    "reference",
    dataclasses.replace(
        parse_fidelity(REFERENCE_FIDELITY), learning_rate=FROM_SCRATCH_LEARNING_RATE
    ),
)


class RunCache:
    """Finished trainings, one JSON line each, keyed by (data, config id, setting key, seed)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows = {}
        if self.path.is_file():
            for line in self.path.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    self.rows[_key(row["data"], row["config_id"], row["setting"], row["seed"])] = (
                        row
                    )

    def reload(self) -> None:
        """Reads the rows other workers appended since."""
        self.__init__(self.path)

    def get(self, data: str, config: ArchConfig, setting: Setting, seed: int) -> dict | None:
        return self.rows.get(_key(data, config.id, setting.key, seed))

    def record(
        self, data: str, name: str, config: ArchConfig, setting: Setting, seed: int, **measured
    ) -> None:
        """Adds the training of `config` (the panel's `name`) at `setting` and `seed` on
        `data` (its `data_version`), with what it `measured`."""
        self.add(
            {
                "data": data,
                "config_id": config.id,
                "name": name,
                "config": config.to_dict(),
                "setting": setting.key,
                "setting_name": setting.name,
                "seed": seed,
                **measured,
            }
        )

    def add(self, row: dict) -> None:
        """Appends one finished training (a single write, so concurrent workers do not mix)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as file:
            file.write(json.dumps(row, sort_keys=True) + "\n")
        self.rows[_key(row["data"], row["config_id"], row["setting"], row["seed"])] = row


def _key(data, config_id, setting_key, seed) -> tuple:
    return data, config_id, setting_key, int(seed)


def data_version(data) -> str:
    """The data spec (of a spec string or a loaded dataset), with the scene version for the
    synthetic default."""
    spec = getattr(data, "spec", data)
    kind = spec.split(":")[0]
    if kind == "synthetic":
        from trainers.datasets.synthetic import SCENE_VERSION

        return f"{spec}@scenes-v{SCENE_VERSION}"
    return "camvid" if kind == "camvid" else spec  # CamVid: the same frames wherever they lie


def train_one(
    config: ArchConfig, setting: Setting, seed: int, data: str, work_dir: Path, threads: int | None
) -> dict:
    """Trains one (config, setting, seed), continuing from a checkpoint left by a kill; a
    setting with a `start` first trains (or finds) that one in `work_dir`, and its wall
    seconds are its own training's (a later rung's cost)."""
    from trainers.trainer import train  # TensorFlow: not needed for the report

    start = None if setting.start is None else run_folder(config, setting.start, seed, work_dir)
    if start is not None:
        train_one(config, setting.start, seed, data, work_dir, threads)
    started = time.monotonic()
    fidelity = setting.fidelity
    recipe = TrainConfig(
        steps=fidelity.steps,
        batch_size=fidelity.batch_size,
        learning_rate=fidelity.learning_rate,
        seed=seed,
        threads=threads,
        frame_scale=fidelity.frame_scale,
        checkpoint_every=max(50, fidelity.steps // 8),
        init_weights=None if start is None else str(start),
    )
    result = train(
        config.replace(input_size=fidelity.crop),
        recipe,
        dataset=data,
        out_dir=run_folder(config, setting, seed, work_dir),
        resume=True,
        progress=False,
    )
    metrics = result.metrics
    return {
        "miou": metrics["miou"],
        "per_class": metrics["per_class"],
        "train_seconds": metrics["train_seconds"],
        "eval_seconds": metrics["eval_seconds"],
        "wall_seconds": time.monotonic() - started,
        "load_average": os.getloadavg()[0],
    }


def run_folder(config: ArchConfig, setting: Setting, seed: int, work_dir: Path) -> Path:
    """Where one (config, setting, seed) trains."""
    config = config.replace(input_size=setting.fidelity.crop)
    return work_dir / f"{config.id}-{setting.key}-seed{seed}"


def missing_runs(cache: RunCache, data: str, settings, seeds, panel: dict) -> list:
    """(name, config, setting, seed) not yet in the cache, in the order of `settings`, every
    seed of a config before the next config (a run cut short leaves whole configs)."""
    return [
        (name, config, setting, seed)
        for setting in settings
        for name, config in panel.items()
        for seed in seeds
        if cache.get(data, config, setting, seed) is None
    ]


def run_missing(
    cache: RunCache,
    data: str,
    settings,
    seeds,
    panel: dict,
    work_dir: Path = WORK_DIR,
    threads=None,
    cost_size=256,
    log=print,
) -> None:
    """Trains every missing run, adding each to the cache as it finishes, with the config's
    GFLOPs and parameters at `cost_size`. Several workers can run at once: each claims a run
    before training it (`claim`), and takes over the runs of workers that died."""
    version = data_version(data)
    todo = missing_runs(cache, version, settings, seeds, panel)
    for number, (name, config, setting, seed) in enumerate(todo, 1):
        cache.reload()
        claim = work_dir / f"{config.id}-{setting.key}-seed{seed}.claim"
        if cache.get(version, config, setting, seed) is not None or not take_claim(claim):
            continue
        log(f"[{number}/{len(todo)}] {setting.name} {name} seed {seed}")
        try:
            measured = train_one(config, setting, seed, data, work_dir, threads)
            cache.record(
                version, name, config, setting, seed, **costs(config, cost_size), **measured
            )
        finally:
            claim.unlink(missing_ok=True)
        log(
            f"    mIOU {measured['miou']:.4f} in {measured['wall_seconds']:.0f} s "
            f"(load {measured['load_average']:.1f})"
        )


def costs(config: ArchConfig, size) -> dict:
    """GFLOPs and parameters of `config` at `size` (HxW, or one number for a square)."""
    from space.builders import build_model, count_flops, count_params

    size = [size] * 2 if isinstance(size, int) else list(size)
    model = build_model(config.replace(input_size=size))
    return {"gflops": count_flops(model) / 1e9, "params": count_params(model)}


def take_claim(path: Path) -> bool:
    """Claims the run of `path` for this process (a file holding its pid); the claim of a
    process that is gone is taken over. False when a live process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        if _holder_alive(path):
            return False
        path.unlink(missing_ok=True)
        return take_claim(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(str(os.getpid()))
    return True


def _holder_alive(path: Path) -> bool:
    try:
        os.kill(int(path.read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


def rank_agreement(predicted, reference) -> dict:
    """Spearman and Kendall tau of two score lists over the same configs (None when either
    list holds no order)."""
    if len(set(predicted)) < 2 or len(set(reference)) < 2:
        return {"spearman": None, "kendall": None}
    spearman = stats.spearmanr(predicted, reference).statistic
    kendall = stats.kendalltau(predicted, reference).statistic
    return {"spearman": round_or_none(spearman), "kendall": round_or_none(kendall)}


def spearman_gain(predicted, baseline, reference, resamples: int = 2000) -> dict:
    """How much better `predicted` ranks `reference` than `baseline` does (difference of their
    Spearman), with a 90% bootstrap interval over the configs, resampled together (paired):
    on a dozen configs, differences inside it cannot be told from chance. A resample on which
    a list holds no order counts as Spearman 0 for it."""

    def gain(first, second, truth):
        return _spearman(first, truth) - _spearman(second, truth)

    if rank_agreement(predicted, reference)["spearman"] is None:
        return {"difference": None, "ci90": None}
    value, interval = _with_interval(gain, (predicted, baseline, reference), resamples)
    return {"difference": value, "ci90": interval}


def partial_spearman(predicted, control, reference, resamples: int = 2000) -> dict:
    """How well `predicted` ranks `reference` beyond what `control` (GFLOPs) tells: the
    partial Spearman correlation given `control`, with a 90% bootstrap interval over the
    configs. An interval above 0 says the predictor orders networks of the same cost like
    the reference, which is what a Pareto front over cost and mIOU needs."""

    def partial(first, given, truth):
        first_truth, first_given = _spearman(first, truth), _spearman(first, given)
        given_truth = _spearman(given, truth)
        room = (1 - first_given**2) * (1 - given_truth**2)
        return 0.0 if room <= 1e-12 else (first_truth - first_given * given_truth) / np.sqrt(room)

    if rank_agreement(predicted, reference)["spearman"] is None:
        return {"partial_spearman": None, "ci90": None}
    value, interval = _with_interval(partial, (predicted, control, reference), resamples)
    return {"partial_spearman": value, "ci90": interval}


def _spearman(first, second) -> float:
    """Spearman's rho; 0 where either list holds no order."""
    if len(set(first)) < 2 or len(set(second)) < 2:
        return 0.0
    return float(stats.spearmanr(first, second).statistic)


def _with_interval(statistic, lists, resamples: int) -> tuple:
    """`statistic` of the paired `lists` and its 90% percentile bootstrap interval, rounded."""
    interval = stats.bootstrap(
        lists,
        statistic,
        paired=True,
        vectorized=False,
        n_resamples=resamples,
        confidence_level=0.9,
        method="percentile",
        rng=np.random.default_rng(0),
    ).confidence_interval
    return (
        round_or_none(statistic(*lists)),
        [round_or_none(interval.low), round_or_none(interval.high)],
    )


def round_or_none(value, digits=4):
    return None if value is None or not np.isfinite(value) else round(float(value), digits)
