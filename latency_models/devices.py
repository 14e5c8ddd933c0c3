"""Device names -> latency tables, and `host`: this machine.

`host` is this machine's table, whichever machine made the shipped tables:
1. this machine's own table (the user table `host`: `nas latency profile`, on-demand
   measurements) extended by a shipped table whose machine fingerprint matches this one;
2. on a machine that matches no shipped table, this machine's own table, its blocks timed here
   on demand (each network's new blocks, before it is predicted: a second or a few), with the
   shipped LiteRT table of the closest machine (same CPU first, then the nearest reference
   latency) times this machine's factors against it where measuring is off (`--no-measure`)
   and the own table lacks blocks. On first use a one-line notice, then a few networks timed
   end to end and their blocks timed here, with progress bars (about 3 minutes on 2 cores),
   fit both tables' factors: this machine's against the shipped table, kept per fingerprint
   in the user table folder, and its own table's (end-to-end / sum of its blocks). A table only
   ever holds one machine's measurements. Factors alone miss how machines differ per block
   (decoder blocks 2.5x slower here, backbones 2.2x): 63% of networks within 5% against 97%
   with this machine's own blocks (benchmarks/latency.md).
In both cases the table that predicts fits its own factors at each input size it is first
asked for (`calibration.calibrate_at`: a one-line notice, then 12 networks timed at that size,
about a minute at 224x224), so that a prediction at one size is not scaled by factors fitted at
others.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

from latency_models.calibration import calibrate_at, fit_machine_calibration, machine_calibration
from latency_models.fingerprint import Fingerprint
from latency_models.machine import host_metadata, is_this_machine, this_machine
from latency_models.table import (
    HOST,
    LatencyTable,
    compatible,
    extend,
    load_named_table,
    read_table_file,
    shipped_tables,
    user_dir,
)
from latency_models.validate import table_space
from space.search_space import SearchSpace

log = logging.getLogger(__name__)
# First-use calibration on the shipped table's own machine (2 min 46 s on its 2-core EPYC,
# benchmarks/latency.md); a machine N times slower takes about N times as long.
CALIBRATION_MINUTES = 3.0


def load_table(device: str) -> LatencyTable:
    """The latency table of a device name (`host`, a shipped or user table) or of a table
    file path. Unknown names, corrupt and wrong-version files raise `UserInputError`."""
    if device.endswith(".json") or os.sep in device or Path(device).is_file():
        return read_table_file(device)
    if device == HOST:
        return load_host_table()
    return load_named_table(device)


def load_host_table() -> LatencyTable:
    """This machine's table (see the module docstring)."""
    machine = this_machine()
    own = own_table()
    shipped = shipped_cpu_tables()
    same = [
        table for table in shipped if machine.matches(Fingerprint.from_metadata(table.metadata))
    ]
    if same and compatible(same[0].metadata, own.metadata):
        table = same[0]
        extend(table, own)
        table.device, table.cache_path = HOST, own.cache_path
        return calibrating_at_sizes(table)
    if same or not shipped:  # own measurements win over another runtime's or threads'
        return calibrating_at_sizes(own)
    base = min(shipped, key=lambda table: _distance(machine, table))
    return calibrated_here(base, machine, calibrating_at_sizes(own, table_space(base)))


def own_table() -> LatencyTable:
    """The user table `host` when it was measured on this machine (`is_this_machine`), else a
    new empty one (a user table `host` of another machine is left alone, and on-demand entries
    stay in memory)."""
    path = user_dir() / f"{HOST}.json"
    if path.is_file():
        table = read_table_file(path)
        if is_this_machine(table.metadata):
            table.cache_path = path
            return table
        log.warning("not using %s: it was measured on another machine", path)
        path = None
    return LatencyTable(HOST, host_metadata(), cache_path=path)


def shipped_cpu_tables() -> list[LatencyTable]:
    """The shipped tables measured with LiteRT on a CPU (those `host` may stand for)."""
    return [
        table
        for table in shipped_tables()
        if table.metadata.get("runtime") == "ai-edge-litert"
        and Fingerprint.from_metadata(table.metadata) is not None
    ]


def calibrated_here(base: LatencyTable, machine: Fingerprint, own: LatencyTable) -> LatencyTable:
    """`base` (another machine's table) as `host`: `own`, this machine's table timed on demand,
    and `base` times this machine's factors against it (cached, or fitted on first use
    together with `own`'s) where measuring is off."""
    table = LatencyTable(
        HOST, {**base.metadata, "table": base.device}, base.entries, base.path, local=own
    )
    calibration = machine_calibration(base)
    if calibration is not None:
        table.metadata["calibration"] = calibration
        return table
    table.metadata.pop("calibration", None)

    def calibrate():
        other = Fingerprint.from_metadata(base.metadata)
        minutes = CALIBRATION_MINUTES * machine.speed_ratio(other)
        log.warning(
            "this machine (%s) does not match the %s table's machine (%s): timing "
            "networks and their blocks here to fit this machine's factors, once: about "
            "%.0f minutes, before a search's budget starts; then each new network's "
            "blocks are timed here",
            machine.describe(),
            base.device,
            other.describe(),
            max(1.0, minutes),
        )
        table.metadata["calibration"] = fit_machine_calibration(base, own)
        table.calibrate_here = None

    table.calibrate_here = calibrate
    return table


def calibrating_at_sizes(table: LatencyTable, space: SearchSpace | None = None) -> LatencyTable:
    """`table` (of this machine) with `calibrate_at` set: it fits the table's factors at an
    input size its calibration lacks, once, with networks of `space` (default: the table's;
    `calibration.calibrate_at`)."""

    def calibrate(input_size):
        table.calibrate_at = None  # the networks it times are predicted meanwhile
        try:
            calibrate_at(table, input_size, space)
        finally:
            table.calibrate_at = calibrate

    table.calibrate_at = calibrate
    return table


def _distance(machine: Fingerprint, table: LatencyTable) -> tuple:
    other = Fingerprint.from_metadata(table.metadata)
    return other.identity() != machine.identity(), abs(math.log(machine.speed_ratio(other)))
