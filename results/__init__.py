"""results: the trial table of a search run, its Pareto front and hypervolume, plots and reports.

Depends on pandas, plotly and matplotlib only: a run folder can be inspected without TensorFlow.
"""

from results.pareto import dominates, hypervolume, pareto_front, reference_latency
from results.plots import comparison_figure, pareto_figure, write_figure_html, write_pareto_png
from results.report import write_run_report
from results.score import latency_score
from results.summary import best_under_target, compare_fronts, summarize
from results.table import (
    STATUSES,
    TRIAL_COLUMNS,
    completed_trials,
    read_trials,
    trials_path,
    write_trials,
)

__all__ = [
    "STATUSES",
    "TRIAL_COLUMNS",
    "best_under_target",
    "compare_fronts",
    "comparison_figure",
    "completed_trials",
    "dominates",
    "hypervolume",
    "latency_score",
    "pareto_figure",
    "pareto_front",
    "read_trials",
    "reference_latency",
    "summarize",
    "trials_path",
    "write_figure_html",
    "write_pareto_png",
    "write_run_report",
    "write_trials",
]
