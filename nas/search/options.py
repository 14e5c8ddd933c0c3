"""The options of a search (`nas search` flags, derived from `SearchOptions`' fields), checked
when they are made and stored as `search.json` in the run folder; `read_search_options` is the
one reader of that file. The budget: a wall-clock duration (`90s`, `30m`, `2h`, `1h30m`) or a
number of trials.

Kept free of TensorFlow and Ray imports so that the CLI builds its parser and reads run
folders quickly.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

from mobile_seg_nas import UserInputError, read_json, write_json
from mobile_seg_nas.settings import as_dict, setting
from nas.search.fidelity import Fidelity, fit_ladder, parse_ladder
from nas.search.proxies import PROXIES, proxy_for
from space import parse_input_size

SEARCH_FILE = "search.json"
REFERENCE_FIDELITY = "256x256/800/8"  # the reference of benchmarks/proxy_fidelity.py
LAST_RUNG_SHARE = 0.25  # of a time budget, at most, for one trial's last rung
# Training seconds per pixel (crop area x steps x batch) on one CPU thread, measured in
# benchmarks/proxy_fidelity.py (paper-dpc at the reference fidelity); fits the default ladder.
SECONDS_PER_PIXEL = 4e-6
ALGORITHMS = {
    "ray": ("tpe-multivariate", "nsga2", "tpe", "random", "asha-random"),
    "keras-tuner": ("bayesian", "hyperband", "random"),
}
SCENE_DEPLOYMENT_SIZE = (224, 224)  # data without one frame size (the synthetic scenes)
MAX_DEPLOYMENT_SIDE = 1024  # larger frames (Cityscapes' 1024x2048) are deployed downscaled
_UNITS = {"s": 1, "m": 60, "h": 3600}
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


@dataclasses.dataclass(frozen=True)
class Budget:
    """Either `seconds` of wall-clock time or a number of `trials`."""

    seconds: float | None = None
    trials: int | None = None

    def __str__(self):
        return f"{self.trials} trials" if self.trials else format_duration(self.seconds)


@dataclasses.dataclass(frozen=True)
class SearchOptions:
    """Everything a search was started with (stored as `search.json` for `--resume`)."""

    budget: str = setting(
        "10m",
        "wall-clock time (90s, 30m, 2h) or number of networks to "
        "train (40; configs over the latency limit are recorded, not counted)",
        metavar="TIME|N",
    )
    space: str = setting("default", "search space JSON file", metavar="default|FILE")
    data: str = setting("synthetic", "dataset", metavar="SPEC")
    device: str = setting(
        "host", "latency table: host, a device name or a table file", metavar="NAME"
    )
    proxy: str = setting(
        "auto",
        "the first rung's training: crops (64x64 crops, 200 steps, "
        "batch 16, lr 1e-3), frames (whole frames at 1/4 of their size, 250 "
        "steps, batch 16, lr 4e-3), or auto: frames for data whose frames "
        "share one size, crops otherwise; the flags below change its parts. On real frames "
        "(CamVid) frames is the best measured but meets only two of the six targets for a "
        "real-data proxy (the reference's sign on every resolved decision; above GFLOPs "
        "without a decoder) and misses Spearman, seed agreement, rank beyond GFLOPs and "
        "cost: benchmarks/proxy_fidelity.md, CamVid",
        metavar="auto|crops|frames",
    )
    input_size: tuple | None = setting(
        None, "proxy training crop (default: the proxy's)", metavar="HxW"
    )
    frame_scale: float | None = setting(
        None,
        "frames resized by this factor (aspect kept) before the proxy's crops and "
        "evaluation (default: the proxy's)",
        metavar="X",
    )
    latency_input_size: tuple | None = setting(
        None,
        "deployment size for latency and GFLOPs (default: the data's frame size when its "
        "frames share one, halved until its long side is at most "
        f"{MAX_DEPLOYMENT_SIDE}; {SCENE_DEPLOYMENT_SIZE[0]}x{SCENE_DEPLOYMENT_SIZE[1]} otherwise)",
        metavar="HxW",
    )
    steps_per_trial: int | None = setting(None, "proxy training steps (default: the proxy's)")
    evaluations_per_trial: int = setting(4, "mIOU evaluations per trial, reported to the scheduler")
    batch_size: int | None = setting(None, "proxy batch size (default: the proxy's)")
    learning_rate: float | None = setting(
        None, "proxy initial learning rate (default: the proxy's)", metavar="LR"
    )
    algo: str | None = setting(
        None,
        "ray: tpe-multivariate (default: the best measured on benchmarks/searchers.md), "
        "nsga2, tpe, random, asha-random; keras-tuner: bayesian (default), hyperband, random",
    )
    fidelities: str | None = setting(
        None,
        "staged search: the ladder of fidelities a trial climbs, HxW/STEPS/BATCH[/LR] "
        "comma-separated; default: the proxy (--proxy) then "
        f"{REFERENCE_FIDELITY} fitted to the budget; one fidelity: no stages (staged against "
        "single-fidelity search: benchmarks/search_fidelity.md)",
        metavar="LADDER",
    )
    cell_proxy: str | None = setting(
        None,
        "search the encoder head (basic or DPC cell) on the cached features of this "
        "trained run's backbone at 384x384, where its features (24x24 at output stride 16, "
        "48x48 at 8) are wider than every DPC rate (the DPC paper's proxy, "
        "benchmarks/cell_proxy.md); the space's "
        "backbone, output stride and decoder become the run's",
        metavar="RUN",
    )
    reduction_factor: float = setting(
        3.0,
        "staged search: a result climbs to the next rung "
        "when it ranks in the best 1/N of the rung's results so "
        "far (non-dominated sorting on mIOU and latency; decided "
        "at once, so more than 1/N may climb; under a time "
        "budget a rung books no more trial seconds than the "
        "rung below has spent)",
        metavar="N",
    )
    latency_target: tuple[float, ...] = setting(
        (),
        "report the best trial under this latency and rank by the MnasNet score "
        "miou * (latency/target)^-0.07 (repeatable; the first one is the score's target)",
        metavar="MS",
    )
    engine: str = setting("ray", "search engine: ray or keras-tuner")
    address: str | None = setting(None, "connect to an existing Ray cluster", metavar="RAY_ADDRESS")
    storage: str | None = setting(
        None,
        "where trials keep their checkpoints (Ray Tune storage): a folder every node of "
        "the cluster can reach, or a URI pyarrow understands (s3://bucket/path); default: the "
        "run folder",
        metavar="PATH|URI",
    )
    cpus_per_trial: int = setting(1, "CPUs (and TensorFlow threads) per trial")
    gpus_per_trial: float = setting(0.0, "GPUs per trial", metavar="N")
    trial_retries: int = setting(
        2, "times a failed trial is retried from its last checkpoint (a lost worker or node)"
    )
    stop_after_failures: int = setting(
        3,
        "stop the search when this many trials fail in a row (the first trials included); 0: never",
    )
    seed: int = setting(0, "seed of the sampler", metavar="S")

    def __post_init__(self):
        for name in ("input_size", "latency_input_size"):
            value = getattr(self, name)
            if value is not None:
                size = parse_input_size(value) if isinstance(value, str) else tuple(value)
                object.__setattr__(self, name, size)
        object.__setattr__(self, "latency_target", tuple(self.latency_target))
        if self.storage is not None and "://" not in self.storage:  # a local folder
            object.__setattr__(self, "storage", str(Path(self.storage).expanduser().resolve()))
        if self.cell_proxy is not None:
            object.__setattr__(
                self, "cell_proxy", str(Path(self.cell_proxy).expanduser().resolve())
            )
        self._check()

    def _check(self) -> None:
        if self.engine not in ALGORITHMS:
            raise UserInputError(f"--engine {self.engine}: allowed: {', '.join(ALGORITHMS)}")
        if self.algorithm not in ALGORITHMS[self.engine]:
            raise UserInputError(
                f"--algo {self.algorithm}: not available with --engine "
                f"{self.engine}; allowed: {', '.join(ALGORITHMS[self.engine])}"
            )
        if self.input_size is not None and min(self.input_size) < 32:
            raise UserInputError(
                f"--input-size {self.input_size[0]}x{self.input_size[1]}: the "
                "proxy's crop must be at least 32x32"
            )
        if self.proxy not in ("auto", *PROXIES):
            raise UserInputError(f"--proxy {self.proxy}: allowed: auto, {', '.join(PROXIES)}")
        for name in ("steps_per_trial", "evaluations_per_trial", "batch_size", "cpus_per_trial"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise UserInputError(f"{_flag(name)} {getattr(self, name)}: must be at least 1")
        for name in ("gpus_per_trial", "trial_retries", "stop_after_failures", "seed"):
            if getattr(self, name) < 0:
                raise UserInputError(f"{_flag(name)} {getattr(self, name)}: must not be negative")
        for name in ("learning_rate", "frame_scale"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value <= 0):
                raise UserInputError(f"{_flag(name)} {value}: must be a positive number")
        if self.reduction_factor <= 1:
            raise UserInputError(f"--reduction-factor {self.reduction_factor}: must be above 1")
        if (
            self.fidelities
            and len(parse_ladder(self.fidelities)) > 1
            and (self.engine != "ray" or self.algorithm == "asha-random")
        ):
            raise UserInputError(
                f"--fidelities: a staged search runs on --engine ray with an "
                f"Optuna sampler, not {self.engine} {self.algorithm}"
            )
        if self.cell_proxy and (self.fidelities or self.engine != "ray"):
            raise UserInputError(
                "--cell-proxy: a cell search is one fidelity on --engine ray; "
                "leave out --fidelities"
            )
        if any(not math.isfinite(target) or target <= 0 for target in self.latency_target):
            raise UserInputError("--latency-target: must be a positive number of milliseconds")
        parse_budget(self.budget)

    @property
    def algorithm(self) -> str:
        return self.algo or ALGORITHMS[self.engine][0]

    @property
    def ladder(self) -> tuple[Fidelity, ...]:
        """The fidelities a trial climbs (`--fidelities`, or the default ladder: the proxy then
        the reference fitted to a time budget; the proxy alone for ASHA and keras-tuner)."""
        if self.fidelities:
            return parse_ladder(self.fidelities)
        proxy = self.proxy_fidelity
        if self.engine != "ray" or self.algorithm == "asha-random" or self.cell_proxy:
            return (proxy,)
        ladder = (proxy, *parse_ladder(REFERENCE_FIDELITY))
        return fit_ladder(ladder, self.last_rung_seconds, self.seconds_per_pixel)

    @property
    def seconds_per_pixel(self) -> float:
        """Estimated training seconds per pixel of one trial (`SECONDS_PER_PIXEL` over its
        CPUs)."""
        return SECONDS_PER_PIXEL / self.cpus_per_trial

    @property
    def last_rung_seconds(self) -> float:
        """The most one trial's last rung may take: `LAST_RUNG_SHARE` of a time budget, or for
        a budget in trials as much in proportion to the estimated time of its first rungs."""
        if self.limit.seconds is not None:
            return self.limit.seconds * LAST_RUNG_SHARE
        first_rungs = self.limit.trials * self.proxy_fidelity.pixels * self.seconds_per_pixel
        return first_rungs * LAST_RUNG_SHARE / (1 - LAST_RUNG_SHARE)

    def estimated_seconds(self, slots: int) -> float:
        """The expected wall time of a budget in trials run `slots` at a time: each rung
        trains the trials of the rung below over the reduction factor (a staged search)."""
        trials, seconds = float(self.limit.trials), 0.0
        for fidelity in self.ladder:
            seconds += trials * fidelity.pixels * self.seconds_per_pixel
            trials /= self.reduction_factor
        return seconds / max(1, slots)

    @property
    def proxy_fidelity(self) -> Fidelity:
        """The proxy training: the named proxy (`auto` read as `crops` until `for_data`) with
        the proxy flags given replacing its parts."""
        proxy = PROXIES["crops" if self.proxy == "auto" else self.proxy]
        return proxy.fidelity(
            crop=self.input_size,
            steps=self.steps_per_trial,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            frame_scale=self.frame_scale,
        )

    def for_data(self, dataset) -> tuple["SearchOptions", str]:
        """These options with the proxy and deployment size resolved on `dataset` (the proxy's
        name and every part written out, as `search.json` keeps them) and why, in words."""
        name, why = proxy_for(self.proxy, dataset)
        deployed, deployed_why = (
            (self.latency_input_size, "--latency-input-size")
            if self.latency_input_size
            else deployment_size(dataset)
        )
        fidelity = PROXIES[name].fidelity(
            dataset.stored_size("val"),
            crop=self.input_size,
            steps=self.steps_per_trial,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            frame_scale=self.frame_scale,
        )
        return dataclasses.replace(
            self,
            proxy=name,
            input_size=fidelity.crop,
            frame_scale=fidelity.frame_scale,
            steps_per_trial=fidelity.steps,
            batch_size=fidelity.batch_size,
            learning_rate=fidelity.learning_rate,
            latency_input_size=deployed,
        ), f"proxy {name} ({why}); latency at {deployed[0]}x{deployed[1]} ({deployed_why})"

    @property
    def expected_trials(self) -> int:
        """The trials the budget allows: its number, or for a time budget an estimate from
        the first rung's pixels (`SECONDS_PER_PIXEL`, one trial at a time per CPU slot)."""
        if self.limit.trials:
            return self.limit.trials
        seconds = self.ladder[0].pixels * self.seconds_per_pixel
        return max(1, round(self.limit.seconds / max(seconds, 1.0)))

    @property
    def limit(self) -> Budget:
        """The budget as seconds or a number of trials."""
        return parse_budget(self.budget)

    @property
    def eval_every(self) -> int:
        """Steps between a trial's evaluations."""
        return max(1, self.proxy_fidelity.steps // self.evaluations_per_trial)

    def to_dict(self) -> dict:
        return as_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SearchOptions":
        """Options from `to_dict` data; keys this version does not know are ignored. Searches
        stored before `--proxy` existed trained crops."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(
            **{"proxy": "crops", **{key: value for key, value in data.items() if key in names}}
        )


def deployment_size(dataset) -> tuple[tuple, str]:
    """Where a network trained on `dataset` is deployed, and why: its frames' one stored size,
    halved until the long side is at most `MAX_DEPLOYMENT_SIDE`; else `SCENE_DEPLOYMENT_SIZE`."""
    stored = dataset.stored_size("val")
    if stored is None:
        return SCENE_DEPLOYMENT_SIZE, "the data's frames have no one stored size"
    size, halvings = tuple(stored), 0
    while max(size) > MAX_DEPLOYMENT_SIDE:
        size, halvings = (size[0] // 2, size[1] // 2), halvings + 1
    why = "the data's frame size" + (
        f", {stored[0]}x{stored[1]} halved {halvings}x" if halvings else ""
    )
    return size, why


def write_search_options(options: SearchOptions, run_dir: str | Path) -> None:
    write_json(Path(run_dir) / SEARCH_FILE, options.to_dict())


def read_search_options(run_dir: str | Path) -> SearchOptions:
    """The options a search run folder was started with (its `search.json`)."""
    path = Path(run_dir) / SEARCH_FILE
    if not path.is_file():
        raise UserInputError(
            f"{run_dir} holds no search ({SEARCH_FILE} is missing); "
            "start one with `nas search --out DIR`"
        )
    data = read_json(path, "search file")
    if not isinstance(data, dict):
        raise UserInputError(f"search file {path}: expected a JSON object")
    try:
        return SearchOptions.from_dict(data)
    except (TypeError, UserInputError) as error:
        raise UserInputError(f"search file {path}: {error}") from None


def parse_budget(text: str) -> Budget:
    """`40` -> 40 trials; `90s`, `30m`, `2h`, `1h30m` -> a duration."""
    text = str(text).strip().lower()
    if text.isdigit():
        if int(text) < 1:
            raise UserInputError(f"--budget {text}: needs at least 1 trial")
        return Budget(trials=int(text))
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise UserInputError(
            f"--budget {text!r}: expected a duration (90s, 30m, 2h) or a number of trials (40)"
        )
    seconds = sum(
        float(value) * _UNITS[unit] for value, unit in zip(match.groups(), "hms") if value
    )
    if seconds <= 0:
        raise UserInputError(f"--budget {text}: the duration must be positive")
    return Budget(seconds=seconds)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return (
        f"{hours}h{minutes:02d}m"
        if hours
        else f"{minutes}m{seconds:02d}s"
        if minutes
        else f"{seconds}s"
    )
