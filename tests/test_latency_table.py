"""Latency tables: file format, versioning, device lookup, user tables extending shipped ones."""

import json

import pytest

from mobile_seg_nas import UserInputError
from latency_models import LatencyTable, load_table
from latency_models import table as tables
from latency_models.machine import host_metadata

SHIPPED = "amd-epyc-2vcpu-2026-11-24"  # the shipped table, named for its machine


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """Empty shipped and user table folders."""
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    shipped.mkdir()
    monkeypatch.setattr(tables, "SHIPPED_DIR", shipped)
    monkeypatch.setenv(tables.USER_DIR_ENV, str(user))
    return shipped, user


def _table(device="host", entries=None, **metadata):
    return LatencyTable(
        device,
        {**host_metadata(1, 5, 50), **metadata},
        entries or {"argmax-input:8x8x3": {"ms": 0.01, "runs": 50}},
    )


def test_round_trip_is_human_readable_one_entry_per_line(tmp_path):
    table = _table(
        entries={"b-input:1x1x1": {"ms": 2.0, "runs": 3}, "a-input:2x2x2": {"ms": 1.5, "runs": 3}}
    )
    table.add_input_size((224, 224))
    path = table.save(tmp_path / "t.json")
    text = path.read_text()
    data = json.loads(text)
    assert data["format"] == tables.FORMAT and data["version"] == tables.VERSION
    assert data["metadata"]["delegate"] == "XNNPACK" and data["metadata"]["threads"] == 1
    lines = text.splitlines()
    assert '  "a-input:2x2x2": {"ms": 1.5, "runs": 3},' in lines  # sorted, one per line
    assert '  "input_sizes": [[224, 224]]' in lines
    again = load_table(str(path))
    assert again.entries == table.entries and again.device == "host"
    assert again.input_sizes == [(224, 224)] and again.cache_path is None


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"format": "something else"}', "not a latency table"),
        (
            json.dumps({"format": tables.FORMAT, "version": 99, "metadata": {}, "entries": {}}),
            "version 99 is not supported",
        ),
        (
            json.dumps(
                {"format": tables.FORMAT, "version": 1, "metadata": {}, "entries": {"x": {}}}
            ),
            "entry 'x' has no number",
        ),
        (
            json.dumps(
                {
                    "format": tables.FORMAT,
                    "version": 1,
                    "metadata": {"reference": {"ms": 0}},
                    "entries": {},
                }
            ),
            'metadata "reference" has no positive number',
        ),
    ],
)
def test_corrupt_or_wrong_version_tables_raise_one_line(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(UserInputError, match=message) as error:
        load_table(str(path))
    assert "\n" not in str(error.value)


def test_unknown_device_lists_known_ones(folders):
    shipped, _ = folders
    _table("pixel-7").save(shipped / "pixel-7.json")
    with pytest.raises(
        UserInputError, match="unknown latency device 'pixl-7'; known: host, pixel-7"
    ):
        load_table("pixl-7")
    with pytest.raises(UserInputError, match="device name"):
        load_table("bad name!")


def test_user_table_extends_the_shipped_one_and_receives_measurements(folders):
    shipped, user = folders
    _table("box", entries={"a": {"ms": 1.0}}, input_sizes=[[224, 224]]).save(shipped / "box.json")
    _table("box", entries={"a": {"ms": 9.0}, "b": {"ms": 2.0}}, input_sizes=[[64, 64]]).save(
        user / "box.json"
    )
    table = load_table("box")
    assert table.entries == {"a": {"ms": 1.0}, "b": {"ms": 2.0}}  # shipped entries win
    assert table.input_sizes == [(64, 64), (224, 224)]
    assert table.cache_path == user / "box.json"

    table.entries["c"] = {"ms": 3.0}
    tables.save_measurements(table, ["c"])
    stored = json.loads((user / "box.json").read_text())["entries"]
    assert stored == {"a": {"ms": 9.0}, "b": {"ms": 2.0}, "c": {"ms": 3.0}}


def test_entries_move_between_tables_at_each_ones_reference_speed(folders):
    shipped, user = folders
    _table("box", entries={"a": {"ms": 1.0}}, reference={"ms": 0.8, "date": "then"}).save(
        shipped / "box.json"
    )
    _table(
        "box",
        entries={"b": {"ms": 0.9, "min_ms": 0.45, "runs": 5}},
        reference={"ms": 0.9, "date": "later"},
    ).save(user / "box.json")
    table = load_table("box")  # the user's blocks at the shipped table's speed
    assert table.entries == {"a": {"ms": 1.0}, "b": {"ms": 0.8, "min_ms": 0.4, "runs": 5}}

    table.entries["c"] = {"ms": 1.6}
    tables.save_measurements(table, ["c"])  # stored at the user table's speed
    stored = json.loads((user / "box.json").read_text())
    assert stored["entries"]["c"] == {"ms": 1.8} and stored["metadata"]["reference"]["ms"] == 0.9
    assert table.entries["c"] == {"ms": 1.6}


@pytest.mark.parametrize("difference", ["cpu", "machine"])
def test_user_table_from_another_machine_replaces_the_shipped_one(folders, caplog, difference):
    shipped, user = folders
    other = _table("box", entries={"a": {"ms": 1.0}})
    if difference == "cpu":
        other.metadata["cpu"] = "Some Other CPU"
    else:  # the same CPU string, flags and cores, but twice as fast
        other.metadata["machine"]["reference_ms"] /= 2
    other.save(shipped / "box.json")
    _table("box", entries={"b": {"ms": 2.0}}).save(user / "box.json")
    table = load_table("box")
    assert table.entries == {"b": {"ms": 2.0}}
    assert f"differs from the shipped box table in {difference}" in caplog.text


def test_shipped_table_is_valid_records_its_machine_and_covers_the_presets_at_224():
    from latency_models.fingerprint import Fingerprint
    from space import get_preset, list_presets, plan_network

    table = tables.read_table_file(tables.SHIPPED_DIR / f"{SHIPPED}.json")
    meta = table.metadata
    for key in (
        "runtime",
        "runtime_version",
        "delegate",
        "threads",
        "cpu",
        "date",
        "method",
        "runs",
        "warmup_runs",
        "invoke_overhead_ms",
        "max_load_average",
        "machine",
        "machine_note",
    ):
        assert key in meta, key
    assert table.device == SHIPPED and Fingerprint.from_metadata(meta).cpu == "AMD EPYC"
    assert meta["delegate"] == "XNNPACK" and meta["threads"] == 1
    assert [224, 224] in meta["input_sizes"]
    for name in list_presets():
        config = get_preset(name).replace(input_size=[224, 224])
        for block in plan_network(config, inference=True).blocks:
            assert block.signature in table, block.signature
