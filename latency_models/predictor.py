"""The predictor: a config's latency = the sum of its blocks' table entries, times the table's
calibration factor for the config's backbone (1 when the table has none).

Pure Python on the hot path (`plan_network` + dict lookups, ~0.1 ms per config). Each entry
was timed as a model of its own, paying the runtime's per-invoke overhead once; the network
pays it once in all, so (blocks - 1) x overhead is subtracted. The calibration
(`latency_models.calibration`) accounts for what timing blocks alone misses, mainly weights
that stay cached in a loop over one block but not inside the whole network.
"""

from __future__ import annotations

import functools

from common import UserInputError
from latency_models.measure import cpu_description
from latency_models.profiler import measure_blocks
from latency_models.table import LatencyTable, save_measurements
from space import plan_network


class MissingEntries(UserInputError):
    """A table lacks blocks a config needs; `.signatures` lists them."""

    def __init__(self, device: str, signatures):
        self.device = device
        self.signatures = list(signatures)
        super().__init__(
            f"latency table {device!r} has no entry for {len(self.signatures)} block(s): "
            f"{', '.join(self.signatures)} (add them with `nas latency profile` on this machine "
            "or `nas latency probes` + `nas latency import` for a phone)")


def predict_latency(config, table: LatencyTable, measure_missing: bool | None = None,
                    calibrated: bool = True) -> float:
    """Predicted latency (ms) of `config`'s exported network at `config.input_size`.

    Missing blocks are measured now and cached in the table's user file when
    `measure_missing` is true (default: when the table was measured on this machine's CPU
    with LiteRT, e.g. `host`); otherwise `MissingEntries` lists them. `calibrated=False` gives
    the plain sum of blocks.
    """
    block_ms = latency_breakdown(config, table, measure_missing)
    summed = sum(block_ms.values()) - table.invoke_overhead_ms * (len(block_ms) - 1)
    return summed * (table.calibration_factor(config.backbone) if calibrated else 1.0)


def latency_breakdown(config, table: LatencyTable,
                      measure_missing: bool | None = None) -> dict[str, float]:
    """Each block's table latency (ms) by block name, in network order."""
    blocks = plan_network(config, inference=True).blocks
    entries = table.entries
    missing = [block for block in blocks if block.signature not in entries]
    if missing:
        if measure_missing is None:
            measure_missing = measurable_here(table)
        if not measure_missing:
            raise MissingEntries(table.device, dict.fromkeys(block.signature for block in missing))
        measure_blocks(table, missing, save=lambda signatures: save_measurements(table, signatures),
                       progress=False)
    return {block.name: entries[block.signature]["ms"] for block in blocks}


def measurable_here(table: LatencyTable) -> bool:
    """Whether missing entries of `table` can be timed on this machine the same way."""
    return (table.metadata.get("runtime") == "ai-edge-litert"
            and table.metadata.get("cpu") == _cached(cpu_description))


@functools.cache
def _cached(function):
    return function()
