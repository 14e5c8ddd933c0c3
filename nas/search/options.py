"""The options of a search (`nas search` flags), stored as `search.json` in the run folder.

Kept free of TensorFlow imports so that the CLI can build its parser quickly.
"""

from __future__ import annotations

import dataclasses

ALGORITHMS = {"ray": ("nsga2", "random", "asha-random"),
              "keras-tuner": ("bayesian", "hyperband", "random")}


@dataclasses.dataclass(frozen=True)
class SearchOptions:
    """Everything a search was started with (stored as `search.json` for `--resume`)."""

    budget: str = "10m"
    space: str = "default"
    data: str = "synthetic"
    device: str = "host"
    input_size: str = "64x64"
    latency_input_size: str = "224x224"
    steps_per_trial: int = 200
    evaluations_per_trial: int = 4
    batch_size: int = 16
    learning_rate: float = 1e-3
    algo: str | None = None  # default: the engine's first algorithm
    latency_target: tuple = ()
    engine: str = "ray"
    address: str | None = None
    cpus_per_trial: int = 1
    gpus_per_trial: float = 0.0
    seed: int = 0

    @property
    def algorithm(self) -> str:
        return self.algo or ALGORITHMS[self.engine][0]

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "latency_target": list(self.latency_target)}

    @classmethod
    def from_dict(cls, data: dict) -> "SearchOptions":
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})
