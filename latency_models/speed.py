"""Latencies that stay true while this machine's speed drifts.

On a shared cloud machine the same VM runs the same network 14-18% slower two hours after boot
than at boot. So no timing of this machine is kept alone: each batch of block timings
(`profiler.measure_blocks`) and each end-to-end timing a calibration uses
(`validate.measure_samples`) goes with this process's timing of the reference network
(`machine.reference_now`: timed again when older than a few minutes, about a second), and is
kept at the reference speed of its table (`table.table_reference`: the reference's latency when
the table was started; for tables made before, their fingerprint's). A prediction from a table
of this machine is turned into milliseconds at the current speed (`speed_ratio`). This
machine's factors against another machine's table carry this machine's speed: they record the
reference timing they were fitted at and are turned alike. Shipped tables of other machines and
phone tables are unaffected: their machine is elsewhere.

A phone table could do the same if its probes included the reference network:
`reference_model.tflite` timed by `benchmark_model` before and after each batch of probes,
`nas latency import` would scale each probe by the table's reference / the reference timed
beside it and record the table's reference, and a prediction would take the phone's current
reference timing (one `benchmark_model` run, given by the user) in place of `reference_now`.
"""

from __future__ import annotations

from latency_models.machine import measurable_here, reference_now
from latency_models.table import LatencyTable, table_reference

DRIFT_NOTICE = 0.05  # a drift above this (either way) gets a notice


def prediction_reference(table: LatencyTable) -> dict | None:
    """The reference timing ({"ms", "date"}) `table`'s predictions are at where they are this
    machine's: for `host` standing on another machine's table (`table.local`), this machine's
    calibration against it; for a table of this machine, the table's; None otherwise."""
    if table.local is not None:
        calibration = table.metadata.get("calibration")
        return table_reference(calibration) if calibration else None
    return table_reference(table.metadata) if measurable_here(table) else None


def speed_ratio(table: LatencyTable, speed: dict | None = None) -> float:
    """How many times as long this machine takes at `speed` (a reference timing; default:
    now, `reference_now`) as at the speed of `table`'s predictions (1 for tables of other
    machines). A search passes the timing of its start, so that all its trials' latencies are
    at one speed: on a noisy VM one-second readings minutes apart differ by up to 50%."""
    reference = prediction_reference(table)
    if reference is None:
        return 1.0
    return (speed or reference_now())["ms"] / reference["ms"]


def speed_report(table: LatencyTable, speed: dict | None = None) -> dict | None:
    """The reference network's latency at `speed` (a reference timing; default: now) and at
    the start of the table whose blocks predict `table` here (for `host` on another machine's
    table, this machine's own), and the drift between them (%); None for tables of other
    machines."""
    tracked = table.local if table.local is not None else table
    if not measurable_here(tracked):
        return None
    now, start = speed or reference_now(), table_reference(tracked.metadata)
    return {
        "reference_ms": now["ms"],
        "timed": now["date"],
        "table_reference_ms": start["ms"],
        "table_started": start["date"],
        "blocks_scaled": "reference" in tracked.metadata,
        "drift_pct": round(100 * (now["ms"] / start["ms"] - 1), 1),
    }


def describe_speed(report: dict) -> str:
    """The speed now and at the table's start in words."""
    return (
        f"reference network {report['reference_ms']:.3f} ms now ({report['timed']}), "
        f"{report['table_reference_ms']:.3f} ms at the table's start "
        f"({report['table_started']}): {report['drift_pct']:+.1f}%"
    )


def drift_notice(report: dict | None) -> str | None:
    """One line when this machine's speed drifted more than DRIFT_NOTICE since the table's
    blocks were timed; None otherwise."""
    if report is None or abs(report["drift_pct"]) <= 100 * DRIFT_NOTICE:
        return None
    direction = "slower" if report["drift_pct"] > 0 else "faster"
    line = (
        f"this machine runs {abs(report['drift_pct']):.1f}% {direction} than when its latency "
        f"table was started ({report['reference_ms']:.3f} ms now against "
        f"{report['table_reference_ms']:.3f} ms for the reference network); predictions "
        "are scaled to the current speed"
    )
    if not report["blocks_scaled"]:
        line += (
            "; its blocks were timed before reference timings were kept and are taken at "
            "its fingerprint's speed: a fresh table times them beside the reference"
        )
    return line
