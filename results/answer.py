"""What a search answers, in plain words: under paper-dpc's latency on this device and under each
latency target, the best network, compared only with trials measured at the same rung, the
trials it ties with, and the command that trains it."""

from __future__ import annotations

import shlex
from pathlib import Path

import pandas as pd

from results.pareto import SEED_NOISE
from results.table import completed_trials, trial_record
from space import PAPER_PRESET

RUN_PLACEHOLDER = "RUN"  # the run folder in the next step's command, when it is not known


def highest_rungs(rows: pd.DataFrame) -> pd.Series:
    """The rung each trial was last measured at, its `fidelity` (0, the proxy, when unstaged)."""
    return rows["fidelity"].fillna(0).astype(int)


def rung_count(table: pd.DataFrame) -> int:
    """How many rungs the trials of a search reached (1 for an unstaged search)."""
    return int(highest_rungs(table).max()) + 1 if len(table) else 1


def paper_latency(table: pd.DataFrame) -> float | None:
    """The latency of the completed paper-dpc trial (None without one)."""
    done = completed_trials(table)
    paper = done[done["preset"] == PAPER_PRESET]
    return None if paper.empty else float(paper["latency_ms"].iloc[0])


def answers(
    table: pd.DataFrame,
    latency_targets: list[float] = (),
    seed_noise: float | None = SEED_NOISE,
    run_dir: str | Path | None = None,
) -> list[dict]:
    """The best network under paper-dpc's latency (when the search trained paper-dpc) and under
    each latency target (`answer_under`)."""
    paper = paper_latency(table)
    limits = [] if paper is None else [(PAPER_PRESET, paper)]
    limits += [(f"target {target:g} ms", float(target)) for target in latency_targets]
    return [answer_under(table, name, limit, seed_noise, run_dir) for name, limit in limits]


def answer_under(
    table: pd.DataFrame,
    name: str,
    limit_ms: float,
    seed_noise: float | None = SEED_NOISE,
    run_dir: str | Path | None = None,
) -> dict:
    """The completed trial with the highest mIOU at or under `limit_ms`, among those measured at
    the highest rung any of them reached (a lower rung's mIOU is on another scale: those are
    only counted, `lower_rung_only`); the others of that rung within `seed_noise` of it (`ties`,
    mIOU differences negative), the closest beyond them (`next`) and the command that trains
    it (`command`). `trial` is None when no trial is this fast."""
    done = completed_trials(table)
    fitting = done[done["latency_ms"] <= limit_ms]
    answer = {"limit": name, "limit_ms": limit_ms, "rungs": rung_count(done), "trial": None}
    answer.update(rung=None, seed_noise=seed_noise, ties=[], next=None, lower_rung_only=0)
    answer["command"] = None
    if fitting.empty:
        return answer
    rungs = highest_rungs(fitting)
    compared = fitting[rungs == rungs.max()].sort_values(
        ["miou", "latency_ms"], ascending=[False, True], kind="stable"
    )
    best = compared.iloc[0]
    others = [
        {"trial_id": row["trial_id"], "miou_difference": float(row["miou"] - best["miou"])}
        for _, row in compared.iloc[1:].iterrows()
    ]
    tied = [other for other in others if -other["miou_difference"] < (seed_noise or 0.0)]
    answer.update(
        trial=trial_record(best),
        rung=int(rungs.max()),
        ties=tied,
        next=others[len(tied)] if len(others) > len(tied) else None,
        lower_rung_only=int((rungs < rungs.max()).sum()),
        command=train_command(run_dir, best["trial_id"]),
    )
    return answer


def train_command(run_dir: str | Path | None, trial_id: str) -> str:
    """The next step: `nas train` of the trial, its run folder in the search's."""
    run = RUN_PLACEHOLDER if run_dir is None else str(run_dir)
    out = f"{run}/trained-{trial_id}"
    return f"nas train --run {shlex.quote(run)} --trial {trial_id} --out {shlex.quote(out)}"


def answer_text(answer: dict) -> str:
    """One answer (`answer_under`) in a few plain-English lines."""
    limit = answer["limit"]
    heading = (
        f"Under {limit}'s latency ({answer['limit_ms']:.2f} ms)"
        if limit == PAPER_PRESET
        else f"Under the {limit}"
    )
    trial = answer["trial"]
    if trial is None:
        return f"{heading}: no completed trial is this fast."
    lines = [
        f"{heading}: trial {trial['trial_id']} ({_network(trial)}) at "
        f"{trial['latency_ms']:.2f} ms, mIOU {trial['miou']:.3f} {_measured(answer)}."
    ]
    if answer["ties"]:
        tied = ", ".join(
            f"trial {tie['trial_id']} ({tie['miou_difference']:+.3f})" for tie in answer["ties"]
        )
        lines.append(
            f"  Tied within the proxy's seed noise {answer['seed_noise']:g}: {tied}: "
            f"re-measure {'both' if len(answer['ties']) == 1 else 'them'} before choosing."
        )
    if answer["next"]:
        following = answer["next"]
        lines.append(
            f"  Next: trial {following['trial_id']}, {-following['miou_difference']:.3f} lower."
        )
    if answer["lower_rung_only"]:
        lines.append(
            f"  Not compared: {answer['lower_rung_only']} trial(s) under this limit measured "
            "at lower rungs only (their mIOU is on another scale)."
        )
    lines.append(f"  Then: {answer['command']}")
    return "\n".join(lines)


def _measured(answer: dict) -> str:
    """Where the answer's mIOU was measured, in words."""
    rung, rungs = answer["rung"], answer["rungs"]
    if rungs == 1:
        return "(one rung: the proxy)"
    if rung == rungs - 1:
        return f"at rung {rung} of {rungs} (the last)"
    if rung == 0:
        return "measured at the first rung only (the proxy); no finalist is this fast"
    return f"at rung {rung} of {rungs}; no finalist is this fast"


def _network(trial: dict) -> str:
    """The headline of a trial's network: backbone and width, head, output stride, decoder."""
    width, stride, decoder = trial["depth_multiplier"], trial["output_stride"], trial["decoder"]
    parts = [
        trial["backbone"] if width is None else f"{trial['backbone']} x{width}",
        trial["head"],
        None if stride is None else f"OS {stride:g}",
        "no decoder" if decoder == "none" else decoder,
    ]
    return ", ".join(str(part) for part in parts if part is not None)
