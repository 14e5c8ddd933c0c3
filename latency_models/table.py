"""Latency lookup tables (LUTs): one JSON file per device, versioned, with its metadata.

A table maps a block signature (`space.Block.signature`, e.g.
`shuffle_unit-input:28x28x116-rate:1`) to the block's measured latency. The file is
human-readable: metadata first (device, runtime and version, delegate, threads, CPU/SoC, the
machine's fingerprint for CPU tables, method, date, runs, spread), then one entry per line,
sorted by signature. A table measured on this machine holds its blocks in milliseconds at its
reference speed, the metadata's "reference": the reference network's latency when the table was
started, and when (tables made before it: their fingerprint's; `latency_models.speed`):

    {"format": "mobile-seg-nas/latency-table", "version": 1, "device": "amd-epyc-2vcpu-2026-11-24",
     "metadata": {..., "reference": {"ms": 0.8812, "date": "2026-11-26T09:12:40Z"}, ...},
     "entries": {
      "argmax-input:224x224x19": {"ms": 0.3581, "p90_ms": 0.3702, "std_ms": 0.0113, "runs": 50},
      ...}}

Shipped tables live in `latency_models/tables/`, named for their machine; tables a user
profiles, imports or measures on demand live in the user table folder (`$NAS_LATENCY_DIR`,
default `~/.cache/mobile-seg-nas/latency/`; `host.json` is this machine's own table, and
`machines/` keeps this machine's fingerprint and its calibrations against other machines'
tables). A user table named like a shipped one extends it when measured the same way on the
same machine. `host` is resolved by `latency_models.devices`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from contextlib import nullcontext
from pathlib import Path
from typing import Callable

from filelock import FileLock

from mobile_seg_nas import UserInputError, check_format, read_json, write_text
from latency_models.fingerprint import Fingerprint

log = logging.getLogger(__name__)

FORMAT = "mobile-seg-nas/latency-table"
HOST = "host"  # this machine (`latency_models.devices`)
VERSION = 1
SHIPPED_DIR = Path(__file__).parent / "tables"
USER_DIR_ENV = "NAS_LATENCY_DIR"
# Metadata that must agree before user measurements may extend a shipped table.
COMPATIBILITY_KEYS = ("runtime", "runtime_version", "delegate", "threads", "cpu", "clock")
_DEVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclasses.dataclass
class LatencyTable:
    """A device's block latencies (milliseconds) keyed by block signature, plus metadata.

    `cache_path` is where new measurements of this table are kept (the user table file);
    None for tables read from an explicit file, whose new entries stay in memory.
    `host` on a machine that matches no shipped table is another machine's table with
    `local`, this machine's own table (for networks it lacks blocks of), and, until this
    machine's factors against it are fitted, `calibrate_here`, which fits them; and for a table
    of this machine that `host` predicts from, `calibrate_at(input_size)`, which fits its
    factors at a size its calibration lacks (`latency_models.devices`).
    """

    device: str
    metadata: dict
    entries: dict = dataclasses.field(default_factory=dict)
    path: Path | None = None
    cache_path: Path | None = None
    local: LatencyTable | None = None
    calibrate_here: Callable[[], None] | None = None
    calibrate_at: Callable[[tuple], None] | None = None

    def __contains__(self, signature: str) -> bool:
        return signature in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def ms(self, signature: str) -> float:
        return self.entries[signature]["ms"]

    @property
    def input_sizes(self) -> list[tuple[int, int]]:
        """The input sizes the table was profiled at (HxW)."""
        return [tuple(size) for size in self.metadata.get("input_sizes", [])]

    @property
    def invoke_overhead_ms(self) -> float:
        """The runtime's fixed cost per invoke, counted once per block but once per network."""
        return float(self.metadata.get("invoke_overhead_ms", 0.0))

    def calibration_factor(self, backbone: str, input_size=None) -> float:
        """End-to-end latency / sum of blocks for `backbone` (`nas latency calibrate`): its
        factor at `input_size` where the calibration has one ("sizes"), else its factor over
        all sizes, else the calibration's "default", else 1."""
        calibration = self.metadata.get("calibration", {})
        at_size = calibration.get("sizes", {}).get(size_key(input_size)) if input_size else None
        if at_size and backbone in at_size:
            return float(at_size[backbone])
        return float(calibration.get("factors", {}).get(backbone, calibration.get("default", 1.0)))

    def add_input_size(self, size) -> None:
        sizes = self.input_sizes
        if tuple(size) not in sizes:
            self.metadata["input_sizes"] = [list(item) for item in sorted({*sizes, tuple(size)})]

    def to_text(self) -> str:
        """The file content: metadata one item per line, then one entry per line by signature."""

        def lines(items):
            return ",\n".join(f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in items)

        return (
            f'{{\n "format": "{FORMAT}",\n "version": {VERSION},\n '
            f'"device": {json.dumps(self.device)},\n'
            f' "metadata": {{\n{lines(self.metadata.items())}\n }},\n'
            f' "entries": {{\n{lines(sorted(self.entries.items()))}\n }}\n}}\n'
        )

    def save(self, path: str | Path | None = None) -> Path:
        """Writes the table atomically (temp file + rename) to `path` (default: its own file)."""
        path = Path(path or self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, self.to_text())
        self.path = path
        return path


def size_key(size) -> str:
    """An input size (height, width) as tables key it: "HxW"."""
    return "x".join(str(int(side)) for side in size)


def user_dir() -> Path:
    """Where user tables (profiled, imported, measured on demand) are kept."""
    if os.environ.get(USER_DIR_ENV):
        return Path(os.environ[USER_DIR_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "mobile-seg-nas" / "latency"


def read_table_file(path: str | Path) -> LatencyTable:
    """Reads and checks one table file; corrupt or wrong-version files raise one clear line."""
    data = read_json(path, "latency table")
    where = f"latency table {path}"
    check_format(data, where, "latency table", FORMAT, VERSION, "re-profile or re-import it")
    entries, metadata = data.get("entries"), data.get("metadata")
    if not isinstance(entries, dict) or not isinstance(metadata, dict):
        raise UserInputError(f'{where}: "entries" and "metadata" must be JSON objects')
    for signature, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("ms"), (int, float)):
            raise UserInputError(f'{where}: entry {signature!r} has no number "ms"')
    reference = metadata.get("reference")
    if reference is not None and not (
        isinstance(reference, dict)
        and isinstance(reference.get("ms"), (int, float))
        and reference["ms"] > 0
    ):
        raise UserInputError(f'{where}: metadata "reference" has no positive number "ms"')
    return LatencyTable(str(data.get("device", Path(path).stem)), metadata, entries, Path(path))


def shipped_devices() -> list[str]:
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.json"))


def shipped_tables() -> list[LatencyTable]:
    return [read_table_file(SHIPPED_DIR / f"{name}.json") for name in shipped_devices()]


def user_devices() -> list[str]:
    return sorted(path.stem for path in user_dir().glob("*.json"))


def known_devices() -> list[str]:
    return sorted({HOST, *shipped_devices(), *user_devices()})


def check_device_name(name: str) -> str:
    if not _DEVICE_NAME.match(name):
        raise UserInputError(
            f"device name {name!r}: use letters, digits, '.', '_' or '-', e.g. oneplus-a6-cpu4"
        )
    return name


def load_named_table(device: str) -> LatencyTable:
    """The table of a device name: the shipped table, the user table, or the shipped table
    extended by the user table of the same name when both were measured the same way on the
    same machine (on-demand measurements, more sizes, a calibration); new measurements go to
    the user table. Unknown names raise `UserInputError`."""
    check_device_name(device)
    shipped, user = SHIPPED_DIR / f"{device}.json", user_dir() / f"{device}.json"
    if not shipped.is_file() and not user.is_file():
        raise UserInputError(
            f"unknown latency device {device!r}; known: {', '.join(known_devices())} "
            "(profile one with `nas latency profile --device NAME` or import phone outputs with "
            "`nas latency import`)"
        )
    table = read_table_file(shipped if shipped.is_file() else user)
    if shipped.is_file() and user.is_file():
        mine = read_table_file(user)
        if compatible(table.metadata, mine.metadata):
            extend(table, mine)
        else:  # the user's own measurements win over a table from another machine or runtime
            log.warning(
                "using %s alone: it differs from the shipped %s table in %s",
                user,
                device,
                ", ".join(_differences(table.metadata, mine.metadata)),
            )
            table = mine
    table.cache_path = user
    return table


def _differences(first: dict, second: dict) -> list[str]:
    differences = [key for key in COMPATIBILITY_KEYS if first.get(key) != second.get(key)]
    machines = Fingerprint.from_metadata(first), Fingerprint.from_metadata(second)
    if machines != (None, None) and not (machines[0] and machines[0].matches(machines[1])):
        differences.append("machine")
    return differences


def compatible(first: dict, second: dict) -> bool:
    """Whether two tables' metadata describe the same runtime, delegate, threads, CPU and
    machine (fingerprints that match, or none on either side)."""
    return not _differences(first, second)


def table_reference(metadata: dict) -> dict | None:
    """The reference timing ({"ms", "date"}) a table's (or a calibration's) timings of this
    machine are scaled to: its "reference", else (made before reference timings were kept)
    its machine fingerprint's, dated by its "date"; None without either (phone tables)."""
    if "reference" in metadata:
        return metadata["reference"]
    fingerprint = Fingerprint.from_metadata(metadata)
    return (
        None
        if fingerprint is None
        else {"ms": fingerprint.reference_ms, "date": metadata.get("date")}
    )


SCALED_FIELDS = ("ms", "min_ms", "p90_ms", "std_ms")  # the timings of an entry


def scaled_entry(entry: dict, factor: float) -> dict:
    """`entry` with its timings times `factor` (rounded to 0.1 microsecond)."""
    return {
        key: round(value * factor, 4) if key in SCALED_FIELDS else value
        for key, value in entry.items()
    }


def converted_entries(entries: dict, source: dict, target: dict) -> dict:
    """`entries` of a table with metadata `source` in the units of one with metadata `target`:
    scaled from the one's reference speed to the other's where both record one."""
    references = table_reference(source), table_reference(target)
    if None in references or references[0]["ms"] == references[1]["ms"]:
        return entries
    factor = references[1]["ms"] / references[0]["ms"]
    return {signature: scaled_entry(entry, factor) for signature, entry in entries.items()}


def extend(table: LatencyTable, extra: LatencyTable) -> None:
    """Adds `extra`'s entries (at `table`'s reference speed) and input sizes to `table` (same
    runtime, threads and CPU); a calibration in `extra` replaces the table's."""
    for signature, entry in converted_entries(
        extra.entries, extra.metadata, table.metadata
    ).items():
        table.entries.setdefault(signature, entry)
    for size in extra.input_sizes:
        table.add_input_size(size)
    if "calibration" in extra.metadata:
        table.metadata["calibration"] = extra.metadata["calibration"]


def save_measurements(table: LatencyTable, signatures) -> None:
    """Keeps new entries of a loaded table in its user table file, merging what other
    processes wrote meanwhile; where another process stored a block first, its entry stays and
    replaces this one, so that every process predicts a block alike. No-op for tables read
    from an explicit file."""
    with _locked(table):
        stored = _user_table(table)
        if stored is None:
            return
        new = {signature: table.entries[signature] for signature in signatures}
        for signature, entry in converted_entries(new, table.metadata, stored.metadata).items():
            stored.entries.setdefault(signature, entry)
        stored.save()
    table.entries.update(converted_entries(stored.entries, stored.metadata, table.metadata))


def refresh_measurements(table: LatencyTable) -> None:
    """Adds to a loaded table the entries other processes stored in its user table file
    since it was read (blocks timed by a concurrent search trial)."""
    stored = _stored_now(table)
    if stored is not None:
        for signature, entry in converted_entries(
            stored.entries, stored.metadata, table.metadata
        ).items():
            table.entries.setdefault(signature, entry)


def refresh_calibration(table: LatencyTable) -> None:
    """Adds to a loaded table's calibration the sizes another process fitted and stored in its
    user table file since it was read."""
    stored = _stored_now(table)
    sizes = (stored.metadata.get("calibration") or {}).get("sizes") if stored else None
    if sizes:
        calibration = table.metadata.setdefault("calibration", {})
        calibration["sizes"] = {**sizes, **calibration.get("sizes", {})}


def _stored_now(table: LatencyTable) -> LatencyTable | None:
    """A loaded table's user table file as other processes left it (None where there is none)."""
    with _locked(table):
        return _user_table(table) if table.cache_path and table.cache_path.is_file() else None


def _locked(table: LatencyTable):
    """A lock on the table's user file, held while it is read and written back."""
    path = table.cache_path
    return FileLock(f"{path}.lock") if path is not None else nullcontext()


def save_calibration(table: LatencyTable) -> Path:
    """Writes `table`'s calibration to its own file when it was read from one, otherwise to
    its user table file (which overrides the shipped table's calibration)."""
    if table.cache_path is None:
        return table.save()
    with _locked(table):
        stored = _user_table(table)
        if stored is None:
            raise UserInputError(
                f"{table.cache_path} holds timings measured differently from "
                f"the {table.device!r} table; calibrate into a file with "
                "--lut FILE"
            )
        stored.metadata["calibration"] = table.metadata["calibration"]
        return stored.save()


def _user_table(table: LatencyTable) -> LatencyTable | None:
    """The user table file of a loaded table as stored now (new if absent); None when there
    is none or it was measured differently."""
    path = table.cache_path
    if path is None:
        return None
    stored = (
        read_table_file(path)
        if path.is_file()
        else LatencyTable(
            table.device,
            {
                key: value
                for key, value in table.metadata.items()
                if key not in ("input_sizes", "calibration")
            },
            path=path,
        )
    )
    if not compatible(stored.metadata, table.metadata):
        log.warning("not writing to %s: it was measured differently", path)
        return None
    return stored
