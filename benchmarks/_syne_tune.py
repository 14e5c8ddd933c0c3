"""Syne Tune's MO-ASHA, the staged search's peer, replayed on the same `Replay` at the same cost
(`benchmarks._replay.staged`, method `_replay.SYNE_TUNE_MOASHA`): Syne Tune's own scheduler
(`moasha.MOASHA` as it ships: uniform random configs of the flat space, non-dominated sorting
with its epsilon-net, reduction factor 3) decides each promotion from the proxy to the
reference; the search's own conditional space reads the configs it draws. With
`_replay.BOX_DRAW`, a config over the reference latency is drawn again, as the staged search
does. Needs the `peers` extra."""

from __future__ import annotations

import datetime

import numpy as np

from benchmarks._replay import MAX_DRAWS, REDUCTION_FACTOR, Replay

PROXY_RUNG, REFERENCE_RUNG = 1, int(REDUCTION_FACTOR)  # MO-ASHA's rungs: two fidelities


class SyneTuneStages:
    """One replayed MO-ASHA search: `next()` draws a config (again while over the reference
    latency, with `box`), `promote(miou, latency)` tells its proxy result and answers whether
    the scheduler continues it to the reference."""

    def __init__(self, replay: Replay, seed: int, box: bool):
        from syne_tune.config_space import choice
        from syne_tune.optimizer.schedulers.multiobjective.moasha import MOASHA as Scheduler

        self.replay, self.box = replay, box
        self.random = np.random.RandomState(seed)  # Syne Tune samples from numpy's global one
        space = {name: choice(options) for name, options in replay.space.choices().items()}
        self.scheduler = Scheduler(
            space,
            metrics=["error", "latency"],
            time_attr="rung",
            max_t=REFERENCE_RUNG,
            grace_period=PROXY_RUNG,
            reduction_factor=REDUCTION_FACTOR,
            random_seed=seed,
        )
        self.trials = 0

    def next(self) -> tuple[dict, float, float]:
        """(params, proxy mIOU, latency) of the next config to train."""
        for _ in range(MAX_DRAWS):
            config = self._suggest()
            params = self.replay.space.suggest(lambda name, options: config[name])
            miou, latency = self.replay.evaluate(params)
            if not self.box or latency <= self.replay.reference_ms:
                self.config = config
                return params, miou, latency
        raise RuntimeError(f"{MAX_DRAWS} configs in a row over {self.replay.reference_ms:.2f} ms")

    def promote(self, miou: float, latency: float) -> bool:
        """Whether MO-ASHA continues the last config drawn, of proxy result `miou`, `latency`."""
        from syne_tune.backend.trial_status import Trial
        from syne_tune.optimizer.scheduler import SchedulerDecision

        trial = Trial(self.trials, self.config, datetime.datetime.now())
        self.trials += 1
        self.scheduler.on_trial_add(trial)
        result = {"rung": PROXY_RUNG, "error": 1.0 - miou, "latency": latency}
        with _numpy_random(self.random):
            return self.scheduler.on_trial_result(trial, result) == SchedulerDecision.CONTINUE

    def _suggest(self) -> dict:
        with _numpy_random(self.random):
            return self.scheduler.suggest().config


class _numpy_random:
    """Numpy's global generator set to `state` inside the block (and saved back after it),
    restored to what it was outside: Syne Tune draws from the global one."""

    def __init__(self, state: np.random.RandomState):
        self.state = state

    def __enter__(self):
        self.outside = np.random.get_state()
        np.random.set_state(self.state.get_state())

    def __exit__(self, *exc):
        self.state.set_state(np.random.get_state())
        np.random.set_state(self.outside)
