"""Keeps a run folder's trial table, Pareto front, plots and summary up to date as trials
start and finish, whichever engine runs them, and logs progress on stderr (the Ray engine
also copies the files of finished trials into it from the search's storage:
`nas.search.ray_engine.recorder`)."""

from __future__ import annotations

import json
import logging

from mobile_seg_nas import first_line
from nas.search.options import format_duration
from nas.search.study import write_study
from nas.search.stopping import FailureLimit, RunFolderError
from results import read_trials, summarize, write_run_report, write_trials
from results.report import search_subtitle
from results.score import latency_score
from results.table import RUNG_PREFIX, as_table

log = logging.getLogger("nas.search")


class TrialRecorder:
    """The trial table of one search, one row per trial id (a re-run trial replaces its row)."""

    def __init__(
        self,
        run_dir,
        settings,
        presets: dict[str, str],
        latency_targets=(),
        budget=None,
        score_target_ms: float | None = None,
        failures: int = 0,
        machine_speed: dict | None = None,
    ):
        self.run_dir = str(run_dir)
        self.settings = settings  # nas.search.trial.TrialSettings
        self.presets = presets  # config id -> preset name
        self.latency_targets = list(latency_targets)
        self.budget = budget  # nas.search.budget.TimeBudget, for the progress line
        self.failures = FailureLimit(failures)
        # The `score` column's target: the engine's, else the first latency target.
        self.score_target_ms = score_target_ms or (self.latency_targets or [None])[0]
        self.rows: dict[str, dict] = {}
        self.machine_speed = machine_speed  # for summary.json (`latency_models.speed`)

    def load(self) -> None:
        """Reads the rows already in the run folder (after a restart). Trials that were running
        are dropped: the engine restarts the ones its checkpoint knows (same id, new row)."""
        try:
            table = read_trials(self.run_dir)
        except FileNotFoundError:
            return
        self.rows = {
            row["trial_id"]: row for row in table.to_dict("records") if row["status"] != "running"
        }

    def started(self, trial_id: str, params: dict) -> None:
        self.rows[trial_id] = self._row(trial_id, params, "running")
        self.write(report=False)

    def finished(
        self,
        trial_id: str,
        params: dict,
        status: str,
        metrics: dict | None = None,
        error: str = "",
        checkpoint: str = "",
    ) -> dict:
        """Records a trial that ended; returns the run's summary."""
        self.rows[trial_id] = {
            **self._row(trial_id, params, status, metrics or {}, error),
            "checkpoint": checkpoint,
        }
        self.failures.record(trial_id, status, error)
        summary = self.write()
        self.log_progress()
        return summary

    def interrupt_running(self) -> None:
        """Marks trials still running when the search stops (budget used up, a signal, the
        failure limit) as interrupted."""
        for row in self.rows.values():
            if row["status"] == "running":
                row["status"] = "interrupted"
        self.write()

    def table(self):
        return as_table(list(self.rows.values()))

    def write(self, report: bool = True) -> dict | None:
        """Writes the trial table (and, with `report`, the front, plots and summary); a write
        that fails (disk full) raises RunFolderError and leaves the previous files intact."""
        table = self.table()
        try:
            write_trials(table, self.run_dir)
            if not report:
                return None
            write_study(table, self.run_dir, self.settings.space, self.score_target_ms)
            return write_run_report(
                self.run_dir, table, self.latency_targets, self.machine_speed, self.subtitle
            )
        except OSError as error:
            raise RunFolderError(
                f"cannot write the trial table in {self.run_dir} "
                f"({error.strerror or first_line(error)}); the files there "
                "are as they were before it"
            ) from None

    @property
    def subtitle(self) -> str:
        """The search's context in its plots' titles: dataset, latency device and size."""
        settings = self.settings
        return search_subtitle(settings.recipe.data, settings.device, settings.latency_input_size)

    def log_progress(self) -> None:
        table = self.table()
        summary = summarize(table)
        counts = summary["by_status"]
        best = summary["best"]
        best_text = (
            f"best mIOU {best['miou']:.3f} at {best['latency_ms']:.1f} ms"
            if best
            else "no completed trial yet"
        )
        skipped = (
            f", {counts['over_limit']} over the latency limit (not trained)"
            if counts["over_limit"]
            else ""
        )
        log.info(
            "trials: %d done%s, %d running, %d failed | %s | front %d%s",
            counts["completed"] + counts["early_stopped"],
            skipped,
            counts["running"],
            counts["failed"],
            best_text,
            len(summary["front"]),
            _budget_text(self.budget),
        )

    def _row(
        self, trial_id: str, params: dict, status: str, metrics: dict | None = None, error: str = ""
    ) -> dict:
        config = self.settings.config(params)
        metrics = metrics or {}
        row = {
            "trial_id": trial_id,
            "status": status,
            "preset": self.presets.get(config.id, ""),
            **{name: value for name, value in config.to_dict().items()},
            "config_id": config.id,
            "error": error,
        }
        row["dpc_branches"] = json.dumps(row["dpc_branches"]) if config.head == "dpc" else ""
        row["input_size"] = "x".join(str(size) for size in config.input_size)
        for name in (
            "miou",
            "latency_ms",
            "gflops",
            "params",
            "train_seconds",
            "eval_seconds",
            "trial_seconds",
        ):
            row[name] = metrics.get(name)
        row["steps"] = metrics.get("step")
        row["fidelity"] = metrics.get("rung")
        row.update({key: value for key, value in metrics.items() if key.startswith(RUNG_PREFIX)})
        if self.score_target_ms and metrics.get("miou") is not None:
            row["score"] = latency_score(
                metrics["miou"], metrics["latency_ms"], self.score_target_ms
            )
        return row


def _budget_text(budget) -> str:
    if budget is None or budget.seconds is None:
        return ""
    budget.refresh()
    return f" | budget left {format_duration(budget.remaining)}"
