"""The predictor: a config's latency = the sum of its blocks' table entries, times the table's
calibration factor for the config's backbone (1 when the table has none).

Pure Python on the hot path (`plan_network` + dict lookups, ~0.1 ms per config). Each entry
was timed as a model of its own, paying the runtime's per-invoke overhead once; the network
pays it once in all, so (blocks - 1) x overhead is subtracted. The calibration
(`latency_models.calibration`) accounts for what timing blocks alone misses, mainly weights
that stay cached in a loop over one block but not inside the whole network; for `host` on a
machine that matches no shipped table it also carries this machine's speed against the table's
machine (`latency_models.devices`). A prediction from a table of this machine is in milliseconds
at this machine's current speed (`latency_models.speed`).

What a prediction needs and the table lacks is measured here on demand where allowed: blocks,
only into a table of this machine (`measurable_here`); for `host` on a machine that matches no
shipped table, every block of the network, into this machine's own table, after this
machine's factors against the shipped table are fitted once (`LatencyTable.calibrate_here`);
and for `host`, the factors of its own table at each input size it predicts, once
(`LatencyTable.calibrate_at`).
"""

from __future__ import annotations

from mobile_seg_nas import UserInputError
from latency_models.machine import measurable_here
from latency_models.profiler import measure_blocks
from latency_models.speed import speed_ratio
from latency_models.table import LatencyTable, refresh_measurements, save_measurements
from space import plan_network


class MissingEntries(UserInputError):
    """A table lacks blocks a config needs; `.signatures` lists them."""

    def __init__(self, device: str, signatures):
        self.device = device
        self.signatures = list(signatures)
        super().__init__(
            f"latency table {device!r} has no entry for {len(self.signatures)} block(s): "
            f"{', '.join(self.signatures)} (add them with `nas latency profile` on the machine "
            "the table was measured on, or `nas latency probes` + `nas latency import` for a "
            "phone)"
        )


class NotCalibrated(UserInputError):
    """`host` needs this machine's factors against another machine's table, not fitted yet."""

    def __init__(self, table: LatencyTable):
        super().__init__(
            f"this machine does not match the {table.metadata.get('table')!r} table's machine "
            "and has no calibration against it yet; run `nas latency calibrate --device host` "
            "(or a prediction without --no-measure fits it once)"
        )


def predict_latency(
    config,
    table: LatencyTable,
    measure_missing: bool | None = None,
    calibrated: bool = True,
    speed: dict | None = None,
) -> float:
    """Predicted latency (ms) of `config`'s exported network at `config.input_size`, at this
    machine's speed `speed` (a reference timing; default: now) where the table predicts this
    machine (`speed_ratio`).

    What the table lacks is measured here when `measure_missing` is true (default: when the
    table was measured on this machine, or is `host`); otherwise `MissingEntries` (blocks) or
    `NotCalibrated` is raised. `calibrated=False` gives the plain sum of blocks of the table
    that predicts the config.
    """
    blocks = plan_network(config, inference=True).blocks
    if table.calibrate_here is not None and measure_missing is not False:
        table.calibrate_here()  # `host` on a new machine: once, before anything is timed
    covering = covering_table(blocks, table, measure_missing)
    latency = _sum_of_blocks(blocks, covering, measure_missing)
    if calibrated:
        if covering.calibrate_here is not None:
            raise NotCalibrated(covering)
        if covering.calibrate_at is not None and measure_missing is not False:
            covering.calibrate_at(config.input_size)  # `host`: once per size
        latency *= covering.calibration_factor(config.backbone, config.input_size)
    return latency * speed_ratio(covering, speed)


def sum_of_blocks(config, table: LatencyTable) -> float:
    """`config`'s sum of `table`'s blocks in the table's units (at its reference speed for a
    table of this machine), blocks it lacks measured here where allowed: what a calibration
    divides end-to-end latency by."""
    return _sum_of_blocks(plan_network(config, inference=True).blocks, table, None)


def _sum_of_blocks(blocks, table: LatencyTable, measure_missing: bool | None) -> float:
    block_ms = _block_latencies(blocks, table, measure_missing)
    return sum(block_ms) - table.invoke_overhead_ms * (len(block_ms) - 1)


def latency_breakdown(
    config, table: LatencyTable, measure_missing: bool | None = None
) -> dict[str, float]:
    """Each block's table latency (ms, before calibration, at the speed of `predict_latency`)
    by block name, in network order."""
    blocks = plan_network(config, inference=True).blocks
    covering = covering_table(blocks, table, measure_missing)
    block_ms = _block_latencies(blocks, covering, measure_missing)
    ratio = speed_ratio(covering)
    return {block.name: ms * ratio for block, ms in zip(blocks, block_ms)}


def _block_latencies(blocks, table: LatencyTable, measure_missing: bool | None) -> list[float]:
    entries = table.entries
    missing = [block for block in blocks if block.signature not in entries]
    if missing:
        refresh_measurements(table)  # timed meanwhile by another process: not timed again
        missing = [block for block in blocks if block.signature not in entries]
    if missing:
        if measure_missing is None:
            measure_missing = measurable_here(table)
        if not measure_missing or not measurable_here(table):
            raise MissingEntries(table.device, dict.fromkeys(block.signature for block in missing))
        measure_blocks(
            table,
            missing,
            save=lambda signatures: save_measurements(table, signatures),
            progress=False,
        )
    return [entries[block.signature]["ms"] for block in blocks]


def covering_table(
    blocks, table: LatencyTable, measure_missing: bool | None = None
) -> LatencyTable:
    """The table that predicts a network of `blocks`: `table` itself, except for `host` on a
    machine that matches no shipped table (another machine's table with `table.local`, this
    machine's own): there this machine's own blocks, timed here on demand, predict, and the
    other machine's blocks times this machine's factors only where measuring is off and this
    machine's table lacks some blocks."""
    local = table.local
    if local is None:
        return table
    signatures = {block.signature for block in blocks}
    if (
        measure_missing is False
        and not signatures <= local.entries.keys()
        and signatures <= table.entries.keys()
    ):
        return table
    return local


def predicts_here(table: LatencyTable) -> bool:
    """Whether `table` predicts this machine (so that networks timed here can check it)."""
    return table.local is not None or measurable_here(table)
