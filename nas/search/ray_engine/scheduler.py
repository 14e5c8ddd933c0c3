"""Staged search on Ray Tune: multi-objective asynchronous successive halving (MO-ASHA,
Schmucker et al. 2021, "Multi-objective asynchronous successive halving").

A trial trains rung by rung, each rung a larger fidelity (crop and steps) continuing from the
previous rung's weights, and reports after each rung. At a report the scheduler ranks the trial
among every result recorded at that rung so far, by non-dominated sorting on (mIOU at the rung,
predicted latency) with crowding distance to break ties (`results.pareto.pareto_order`), and
promotes it to the next rung when it ranks in the best `1 / reduction_factor`; otherwise the
trial stops there (a newcomer wins exact ties: the front's extremes, whose crowding is infinite,
are always worth a rung more). Decisions are made at once (asynchronous: no worker waits for a
rung to fill). A trial that would rank in that fraction with its mIOU raised by `tie_margin`
(the proxy's seed noise) is a tie: it is promoted too, to be re-measured at the next rung rather
than dropped on noise. A trial slower than `latency_limit` (the latency target, or the
hypervolume's reference latency) is never promoted and takes no slot: it can add nothing to the
front the search is scored by, and a next-rung training is the search's dearest resource (a
staged search's trials do not train such configs at all: `TrialSettings.latency_limit`).

Under a time budget a promotion is also paid for in seconds. It must fit in the budget left
(a trial is not sent up to a rung it cannot finish), and a rung never holds more trial seconds
than the rung below it has spent: successive halving's equal budget per rung, kept as the
search goes. Without it the asynchronous rule, which promotes at once, sent 52-64% of the
first rung's results up and spent 71-86% of a 30-minute search's trial time on the second rung
(`benchmarks/search_fidelity.md`), time a front of more configs would have used. A next rung's
seconds are estimated from this rung's by pixels trained, scaled by how the estimates of the
promotions already finished compared with what they took.

Ray Tune does not save a scheduler with the experiment: the rung records and decisions live
in the run folder (`rungs.json`, `nas.search.rungs.RungRecords`), so a restored search keeps
the promotions it made and a re-reported rung gets the decision it had.
"""

from __future__ import annotations

from pathlib import Path

from ray.tune.schedulers import FIFOScheduler, TrialScheduler

from nas.search.rungs import RungRecords


class StagedScheduler(FIFOScheduler):
    """MO-ASHA over `rungs` fidelities: a Ray Tune scheduler for trials that report `rung`,
    `miou` and `latency_ms` with `rung_end: True` after each rung (see the module
    docstring)."""

    def __init__(
        self,
        rungs: int,
        reduction_factor: float = 3.0,
        tie_margin: float = 0.0,
        state_file: str | Path | None = None,
        rung_pixels=None,
        budget=None,
        latency_limit: float | None = None,
    ):
        super().__init__()
        self.rungs, self.reduction_factor, self.tie_margin = rungs, reduction_factor, tie_margin
        self.latency_limit = latency_limit
        self.state_file = None if state_file is None else str(state_file)
        self.records = RungRecords(self.state_file)
        # With a time budget (`nas.search.budget.TimeBudget`) and the pixels trained per rung,
        # a trial is not promoted to a rung it cannot finish in the time left: it ends where
        # it is, with its result, instead of being cut off with none.
        self.rung_pixels, self.budget = rung_pixels, budget

    def on_trial_result(self, tune_controller, trial, result: dict) -> str:
        if not result.get("rung_end"):
            return TrialScheduler.CONTINUE
        rung = int(result["rung"])
        self.records.took(trial.trial_id, rung, result.get("fit_seconds", 0.0))
        if rung >= self.rungs - 1:
            return TrialScheduler.CONTINUE
        reason = self.records.decide(
            trial.trial_id,
            rung,
            result["miou"],
            result["latency_ms"],
            self.reduction_factor,
            self.tie_margin,
            self.latency_limit,
        )
        if reason and trial.trial_id not in self.records.estimates.get(rung + 1, {}):
            if not self._affordable(trial.trial_id, result):
                self.records.withdraw(trial.trial_id, rung)
                reason = None
        return TrialScheduler.CONTINUE if reason else TrialScheduler.STOP

    def _affordable(self, trial_id: str, result: dict) -> bool:
        """Whether the budget pays for this trial's next rung: it fits in the time left, and
        the next rung's seconds stay within what this rung has spent (see the module
        docstring). Books the next rung's expected seconds when it does."""
        if self.budget is None or self.budget.seconds is None or not self.rung_pixels:
            return True
        rung = int(result["rung"])
        needed = (
            result.get("fit_seconds", 0.0)
            * self.records.estimate_scale(rung + 1)
            * self.rung_pixels[rung + 1]
            / self.rung_pixels[rung]
        )
        self.budget.refresh()
        if needed > self.budget.remaining or self.records.booked(
            rung + 1
        ) + needed > self.records.booked(rung):
            return False
        self.records.commit(trial_id, rung + 1, needed)
        return True

    def debug_string(self) -> str:
        counts = ", ".join(
            f"rung {rung}: {len(self.records.results.get(rung, {}))} recorded, "
            f"{len(self.records.promoted.get(rung, {}))} promoted, "
            f"{self.records.booked(rung):.0f} s"
            for rung in range(self.rungs - 1)
        )
        return f"StagedScheduler ({counts})"

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("records")
        return state

    def __setstate__(self, state):
        self.__dict__.update({"latency_limit": None, **state})  # searches saved before the limit
        self.records = RungRecords(self.state_file)  # what the live copy decided, on restore
