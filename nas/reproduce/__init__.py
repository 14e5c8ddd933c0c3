"""`nas reproduce`: a preset trained with a multi-stage recipe (`trainers.recipes`), evaluated as
the paper did and exported. `plan` and `report` load no TensorFlow; `runner.reproduce` runs."""

from nas.reproduce.plan import PLAN_FILE, Plan, make_plan, read_plan
from nas.reproduce.report import build_report, paper_model, report_text

__all__ = [
    "PLAN_FILE",
    "Plan",
    "build_report",
    "make_plan",
    "paper_model",
    "read_plan",
    "report_text",
]
