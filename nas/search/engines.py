"""The engines a search runs on, behind one interface. The driver (`nas.search.driver`) validates
a search into a `Search`, then asks the engine that `--engine` names, in this order:

1. `check(search, resume)` while preparing: what only this engine needs (UserInputError);
2. `session(options)` around the rest, before the run folder is locked or written: what the
   trials run on, and a `GracefulStop` for Ctrl-C and SIGTERM, which it yields;
3. `trial_slots(options)`: how many trials run at once (for the budget's estimate);
4. `run(search, resume, stop)`: the trials, to the budget, the failure limit or a signal; it
   returns the `TrialRecorder` of the trials, whose run report the driver then writes.

An engine is a module (`ENGINES`), imported only when a search uses it: Ray Tune
(`nas.search.ray_engine`) and keras-tuner (`nas.search.keras_tuner_engine`) are imported by
their own packages alone, never by the engine-free modules of `nas.search`.
"""

from __future__ import annotations

import dataclasses
import importlib
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from latency_models import LatencyModel
from nas.search.options import SearchOptions
from nas.search.recorder import TrialRecorder
from nas.search.stopping import GracefulStop
from nas.search.trial import TrialSettings

ENGINES = {
    "ray": "nas.search.ray_engine.engine",  # --engine -> the module that runs it
    "keras-tuner": "nas.search.keras_tuner_engine.engine",
}


@dataclasses.dataclass
class Search:
    """A validated search: its options, run folder and the objects every engine needs."""

    options: SearchOptions
    run_dir: Path
    settings: TrialSettings
    presets: dict  # config id -> preset name
    first_params: list  # flat parameters evaluated before sampling (the paper preset)
    latency: LatencyModel  # the deployment's latency (device, size) the driver predicts with
    latency_limit: float | None = None  # the slowest latency a staged search trains and promotes
    machine_speed: dict | None = None  # now and at the table's start (a table of this machine)


class Engine(Protocol):
    """What the driver asks of an engine module (see the module docstring for the order)."""

    def check(self, search: Search, resume: bool) -> None:
        """Raises UserInputError when this engine cannot run (or, with `resume`, continue)
        `search`; writes nothing."""

    def session(self, options: SearchOptions) -> AbstractContextManager[GracefulStop]:
        """Holds what the trials run on while the search runs, and the `GracefulStop` that
        signals end it with (yielded)."""

    def trial_slots(self, options: SearchOptions) -> int:
        """How many trials run at once (inside the session)."""

    def run(self, search: Search, resume: bool, stop: GracefulStop) -> TrialRecorder:
        """Runs (or continues) the trials; returns their recorder."""


def load_engine(name: str) -> Engine:
    """The engine module called `name` (a key of `ENGINES`; `SearchOptions` checked it)."""
    return importlib.import_module(ENGINES[name])
