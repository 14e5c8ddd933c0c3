"""The records of a staged search, rung by rung, and its promotion rule (`RungRecords`): the
results recorded at each rung, the promotions made (by rank, or as a tie within the seed
noise) and the seconds booked, kept in the run folder as `rungs.json` so that a restored
search keeps its decisions. Ray Tune applies the rule as it runs
(`nas.search.ray_engine.scheduler.StagedScheduler`, MO-ASHA, where the rule is told in full);
`benchmarks/tie_margin.py` replays it on recorded results. Engine-free."""

from __future__ import annotations

import math
from pathlib import Path

from mobile_seg_nas import read_json, write_json
from results.pareto import pareto_order

RUNGS_FILE = "rungs.json"


class RungRecords:
    """Results recorded per rung (trial id -> [mIOU, latency]) and the promotions made."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self.results: dict[int, dict[str, list[float]]] = {}
        self.promoted: dict[int, dict[str, str]] = {}  # rung -> trial id -> "rank" or "tie"
        self.seconds: dict[int, dict[str, float]] = {}  # rung -> trial id -> seconds it took
        self.estimates: dict[int, dict[str, float]] = {}  # rung -> trial id -> seconds expected
        if self.path is not None and self.path.is_file():
            data = read_json(self.path, "rung records")
            for name in ("results", "promoted", "seconds", "estimates"):  # older: no seconds
                setattr(
                    self, name, {int(rung): value for rung, value in data.get(name, {}).items()}
                )

    def decide(
        self,
        trial_id: str,
        rung: int,
        miou: float,
        latency_ms: float,
        reduction_factor: float,
        tie_margin: float = 0.0,
        latency_limit: float | None = None,
    ) -> str | None:
        """Records a trial's result at `rung` and returns why it is promoted ("rank" or "tie"),
        or None when it stops; a result recorded before keeps its decision. Only the results
        within `latency_limit` compete for the promotions."""
        recorded = self.results.setdefault(rung, {})
        promoted = self.promoted.setdefault(rung, {})
        if trial_id in recorded:
            return promoted.get(trial_id)
        recorded[trial_id] = [float(miou), float(latency_ms)]
        candidates = {
            key: value
            for key, value in recorded.items()
            if latency_limit is None or value[1] <= latency_limit
        }
        reason = (
            self._reason(candidates, trial_id, reduction_factor, tie_margin)
            if trial_id in candidates
            else None
        )
        if reason:
            promoted[trial_id] = reason
        self.save()
        return reason

    @staticmethod
    def _reason(
        recorded: dict, trial_id: str, reduction_factor: float, tie_margin: float
    ) -> str | None:
        slots = max(1, math.floor(len(recorded) / reduction_factor))
        ids = [trial_id, *(key for key in recorded if key != trial_id)]  # it wins exact ties
        for reason, margin in (("rank", 0.0), ("tie", tie_margin)):
            points = [
                (recorded[key][0] + (margin if key == trial_id else 0.0), recorded[key][1])
                for key in ids
            ]
            best = [ids[index] for index in pareto_order(points)[:slots]]
            if trial_id in best:
                return reason
            if tie_margin <= 0:
                break
        return None

    def withdraw(self, trial_id: str, rung: int) -> None:
        """Takes back a promotion the budget cannot pay for: the trial stops at `rung`."""
        self.promoted.get(rung, {}).pop(trial_id, None)
        self.estimates.get(rung + 1, {}).pop(trial_id, None)
        self.save()

    def commit(self, trial_id: str, rung: int, seconds: float) -> None:
        """Books the seconds a promotion to `rung` is expected to take."""
        self.estimates.setdefault(rung, {})[trial_id] = float(seconds)
        self.save()

    def took(self, trial_id: str, rung: int, seconds: float) -> None:
        """Books the seconds a trial took at `rung`."""
        spent = self.seconds.setdefault(rung, {})
        if spent.get(trial_id) != float(seconds):
            spent[trial_id] = float(seconds)
            self.save()

    def booked(self, rung: int) -> float:
        """Seconds spent at `rung`, plus those expected of its promotions still running."""
        spent = self.seconds.get(rung, {})
        return sum(spent.values()) + sum(
            seconds for key, seconds in self.estimates.get(rung, {}).items() if key not in spent
        )

    def estimate_scale(self, rung: int) -> float:
        """What the promotions to `rung` that finished took, over what was expected of them."""
        spent, expected = self.seconds.get(rung, {}), self.estimates.get(rung, {})
        done = [key for key in expected if key in spent]
        total = sum(expected[key] for key in done)
        return sum(spent[key] for key in done) / total if total > 0 else 1.0

    def save(self) -> None:
        if self.path is not None:
            write_json(
                self.path,
                {
                    "results": self.results,
                    "promoted": self.promoted,
                    "seconds": self.seconds,
                    "estimates": self.estimates,
                },
            )
