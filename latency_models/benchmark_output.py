"""The wall-clock mean of one `benchmark_model` run, read from its output as phones print it.

TFLite's `benchmark_model` (TF 1.x to 2.x) and LiteRT's `benchmark_model`
(`benchmark_litert_model`) time warm-up runs, then regular runs. The number to read is the
regular runs' wall-clock mean, in this order of preference:

1. the `count=N first=... avg=... std=...` line after the second "Running benchmark for at least
   N iterations" (the first one opens the warm-up runs);
2. `Inference (avg)` of the one-line summary "Inference timings in us: Init: ..., Inference (avg):
   X" (TF 2.x), or `no stats` of "Average inference timings in us: ..." (TF 1.x);
3. LiteRT's `Inference (avg): X ms (N runs)`.

Never an op profile's `Timings (microseconds)` line: it sums per-op times (lower than the
wall-clock mean), with LiteRT's `--use_profiler` over warm-up and regular runs together, and
each subgraph and `Delegate internal:` block prints its own. Lines may carry logcat prefixes
(date, time, pid, tid, level, tag), `INFO:`-style levels and LiteRT's `[file.h:NN]` locations;
a logcat holding several runs is read at its last run.
"""

from __future__ import annotations

import dataclasses
import re

from mobile_seg_nas import UserInputError

COUNT_LINE = "count=... avg=... line after 'Running benchmark for at least N iterations'"
SUMMARY_US = "'Inference (avg)' of 'Inference timings in us'"
SUMMARY_TF1 = "'no stats' of 'Average inference timings in us'"
SUMMARY_MS = "'Inference (avg)' in ms"

_NUMBER = r"[-+]?\d[\d.]*(?:e[-+]?\d+)?"
_PREFIX = re.compile(
    r"""^(?:
      \d\d-\d\d \s+ [\d:.]+ \s+ \d+ \s+ \d+ \s+ [VDIWEF] \s+ [^:]*: \s?  # logcat: date ... tag:
    | \.\.\. \s+ \S+ \s* : \s?                 # "... tflite  :", a logcat prefix elided in docs
    | (?:INFO|VERBOSE|WARNING|ERROR): \s?      # log level
    | \[ [^\]\s]+ : \d+ \] \s?                 # LiteRT's [./litert/tools/x.h:88]
    )""",
    re.VERBOSE,
)
_HEADER = re.compile(r"^Running benchmark for at least \d+ iterations")
_COUNT = re.compile(r"^count=\d+\s")
_THREADS = re.compile(r"^Num threads: \[(\d+)\]")
_FIELD = re.compile(rf"(\w+)=({_NUMBER})")
_SUMMARY_US = re.compile(
    rf"^Inference timings in us: Init: (?P<init>{_NUMBER}), First inference: "
    rf"(?P<first>{_NUMBER}), Warmup \(avg\): {_NUMBER}, "
    rf"Inference \(avg\): (?P<mean>{_NUMBER})$"
)
_SUMMARY_TF1 = re.compile(
    rf"^Average inference timings in us: Warmup: {_NUMBER}, "
    rf"Init: (?P<init>{_NUMBER}), no stats: (?P<mean>{_NUMBER})$"
)
_SUMMARY_MS = re.compile(
    rf"^(?P<name>Model initialization|Warmup \(first\)|Inference \(avg\)):"
    rf"\s+(?P<ms>{_NUMBER}) ms(?: \((?P<runs>\d+) runs\))?$"
)


@dataclasses.dataclass(frozen=True)
class BenchmarkReading:
    """One run's regular-runs wall-clock mean (microseconds) and what else its output said.

    `source` names the line read (one of COUNT_LINE, SUMMARY_US, SUMMARY_TF1, SUMMARY_MS);
    `runs`, `std_us` and `min_us` are None where that line does not give them; `first_us` (the
    first inference) and `init_us` (initialisation) come from the summary, and `threads` from
    the "Num threads: [N]" parameter line, when printed.
    """

    mean_us: float
    source: str
    tool: str
    runs: int | None = None
    std_us: float | None = None
    min_us: float | None = None
    first_us: float | None = None
    init_us: float | None = None
    threads: int | None = None


def parse_benchmark_output(text: str) -> BenchmarkReading:
    """The regular runs' wall-clock mean of a benchmark_model output; UserInputError if absent."""
    lines = [_message(line) for line in text.splitlines()]
    tool = (
        "LiteRT benchmark_model" if "benchmark_litert_model" in text else "TFLite benchmark_model"
    )
    summary = _summary(lines)
    counts = _regular_runs_counts(lines)
    threads = [int(match[1]) for line in lines if (match := _THREADS.match(line))]
    threads = threads[-1] if threads else None
    if counts is not None and "avg" in counts:
        return BenchmarkReading(
            mean_us=counts["avg"],
            source=COUNT_LINE,
            tool=tool,
            runs=int(counts["count"]),
            std_us=counts.get("std"),
            min_us=counts.get("min"),
            first_us=summary.get("first_us"),
            init_us=summary.get("init_us"),
            threads=threads,
        )
    if "mean_us" in summary:
        return BenchmarkReading(tool=tool, threads=threads, **summary)
    raise UserInputError(
        "no wall-clock mean in this benchmark_model output (expected a 'count=N ... avg=...' "
        "line after 'Running benchmark for at least N iterations', or 'Inference (avg): ...')"
    )


def _message(line: str) -> str:
    """The tool's message in one output line, without logcat, log-level or location prefixes."""
    line = line.strip()
    while match := _PREFIX.match(line):
        line = line[match.end() :]
    return line


def _regular_runs_counts(lines: list[str]) -> dict | None:
    """The fields of the first `count=` line of the last regular-runs section: the sections
    alternate warm-up, regular (one pair per run)."""
    headers = [index for index, line in enumerate(lines) if _HEADER.match(line)]
    if len(headers) < 2:
        return None
    for line in lines[headers[1::2][-1] + 1 :]:
        if _HEADER.match(line):
            return None
        if _COUNT.match(line):
            return {key: float(value) for key, value in _FIELD.findall(line)}
    return None


def _summary(lines: list[str]) -> dict:
    """mean_us, source, first_us, init_us and runs from the last run's summary lines (what
    they give); empty when there is none."""
    found = {}
    for line in lines:
        if match := _SUMMARY_US.match(line):
            found = {
                "mean_us": float(match["mean"]),
                "source": SUMMARY_US,
                "first_us": float(match["first"]),
                "init_us": float(match["init"]),
            }
        elif match := _SUMMARY_TF1.match(line):
            found = {
                "mean_us": float(match["mean"]),
                "source": SUMMARY_TF1,
                "init_us": float(match["init"]),
            }
        elif match := _SUMMARY_MS.match(line):
            found.update(_litert_result(match))
    return found


def _litert_result(match: re.Match) -> dict:
    value_us = round(float(match["ms"]) * 1000, 3)
    if match["name"] == "Model initialization":
        return {"init_us": value_us}
    if match["name"] == "Warmup (first)":
        return {"first_us": value_us}
    return {
        "mean_us": value_us,
        "source": SUMMARY_MS,
        "runs": int(match["runs"]) if match["runs"] else None,
    }
