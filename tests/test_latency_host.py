"""`host` is this machine: fingerprints tell machines apart; on a machine that matches no
shipped table, this machine's own blocks predict, timed on demand after its factors against
the shipped table are fitted once (real LiteRT runs, small table)."""

import json
from pathlib import Path

import pytest

from latency_models import MissingEntries, load_table, predict_latency
from latency_models import machine as machines
from latency_models import table as tables
from latency_models.fingerprint import TOLERANCE, Fingerprint
from latency_models.machine import host_metadata, measure_this_machine, this_machine
from latency_models.profiler import profile_device, select_blocks
from nas.cli import main
from space import get_preset, plan_network
from space.search_space import SearchSpace

SIZE = (48, 48)
# One network: ShuffleNet V2 x0.5 with a basic head at output stride 16.
SPACE = {
    "backbones": {"shufflenet_v2": [0.5]},
    "heads": ["basic"],
    "decoders": ["none"],
    "output_strides": [16],
    "num_classes": 19,
}
CONFIG = get_preset("paper-basic").replace(depth_multiplier=0.5, input_size=list(SIZE))


def test_fingerprints_match_within_the_tolerance_only():
    machine = Fingerprint(
        "AMD EPYC", 2, "6a93d771884c", "ai-edge-litert 2.3.0", "c382b32bd983", reference_ms=0.9
    )
    assert machine.matches(Fingerprint(**{**machine.to_dict(), "reference_ms": 0.9 * 1.04}))
    assert not machine.matches(
        Fingerprint(**{**machine.to_dict(), "reference_ms": 0.9 * (1 + 2 * TOLERANCE)})
    )
    assert not machine.matches(Fingerprint(**{**machine.to_dict(), "reference_ms": 0.45}))
    assert not machine.matches(Fingerprint(**{**machine.to_dict(), "cpu_flags": "0123456789ab"}))
    assert not machine.matches(None)
    assert machine.speed_ratio(Fingerprint(**{**machine.to_dict(), "reference_ms": 0.45})) == 2


def test_this_machine_is_timed_once_per_boot_and_recorded_by_tables(tmp_path, monkeypatch):
    monkeypatch.setenv(tables.USER_DIR_ENV, str(tmp_path))
    machine = measure_this_machine()
    assert machine.reference_ms > 0 and machine.cores >= 1 and machine.cpu
    assert machine.matches(machine) and machine.describe().startswith(machine.cpu)
    cached = json.loads((tmp_path / "machines" / "fingerprint.json").read_text())
    assert cached["boot"] == Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert cached["machine"] == machine.to_dict() and this_machine() == machine
    assert Fingerprint.from_metadata(host_metadata()) == machine
    assert Fingerprint.from_metadata({"cpu": "a phone"}) is None


def test_this_boots_own_table_stays_host_when_the_reference_is_timed_again_under_load(
    tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(tables, "SHIPPED_DIR", tmp_path / "no-shipped-tables")
    monkeypatch.setenv(tables.USER_DIR_ENV, str(tmp_path / "user"))
    monkeypatch.setattr(machines, "_THIS_PROCESS", {})
    quiet = measure_this_machine()
    latency = predict_latency(CONFIG, load_table("host"))  # its blocks timed into host.json
    own_file = tmp_path / "user" / "host.json"

    # `nas latency calibrate` times the reference again, on a busy machine: past the tolerance.
    monkeypatch.setattr(
        machines, "reference_latency_ms", lambda: quiet.reference_ms * (1 + 3 * TOLERANCE)
    )
    assert not measure_this_machine().matches(quiet)
    table = load_table("host")
    assert table.cache_path == own_file and len(table) > 0
    assert predict_latency(CONFIG, table, measure_missing=False) == pytest.approx(
        latency * (1 + 3 * TOLERANCE), rel=1e-3
    )  # at the speed the reference now gives
    assert "another machine" not in caplog.text

    # A table of another boot is judged by its fingerprint alone.
    own = tables.read_table_file(own_file)
    own.metadata["machine"]["boot"] = "another boot"
    own.save()
    assert len(load_table("host")) == 0 and "measured on another machine" in caplog.text
    assert tables.read_table_file(own_file).entries == own.entries  # left alone


@pytest.fixture(scope="module")
def faster_machine_table(tmp_path_factory):
    """A small table as a machine twice as fast as this one would have measured it: this
    machine's blocks of SPACE at 48x48 (kept as `here.json`), its invoke overhead and its
    reference latency, halved, without this boot's id."""
    folder = tmp_path_factory.mktemp("shipped")
    here = folder.parent / "here.json"
    profile_device(
        "host",
        select_blocks([SIZE], SearchSpace(**SPACE)),
        [SIZE],
        runs=10,
        out=here,
        progress=False,
    )
    table = tables.read_table_file(here)
    table.device = "fast-box"
    table.entries = {
        signature: {**entry, "ms": entry["ms"] / 2} for signature, entry in table.entries.items()
    }
    table.metadata["machine"]["reference_ms"] /= 2
    table.metadata["reference"]["ms"] /= 2
    del table.metadata["machine"]["boot"]  # another machine's table: not of this boot
    table.metadata["invoke_overhead_ms"] /= 2
    table.metadata["space"] = SPACE
    table.save(folder / "fast-box.json")
    return folder


@pytest.fixture
def shipped(faster_machine_table, tmp_path, monkeypatch):
    """The faster machine's table as the only shipped table; an empty user table folder."""
    monkeypatch.setattr(tables, "SHIPPED_DIR", faster_machine_table)
    monkeypatch.setenv(tables.USER_DIR_ENV, str(tmp_path / "user"))
    return tmp_path / "user"


@pytest.mark.slow
def test_a_machine_matching_no_table_fits_its_factors_once_then_times_its_own_blocks(
    shipped, capsys, caplog
):
    shipped_file = tables.SHIPPED_DIR / "fast-box.json"
    before = shipped_file.read_text()
    predict = [
        "latency",
        "predict",
        "--preset",
        "paper-basic",
        "--set",
        "depth_multiplier=0.5",
        "--input-size",
        "48x48",
        "--json",
    ]
    assert main([*predict, "--no-measure"]) == 2
    assert "no calibration against it yet" in capsys.readouterr().err

    assert main(predict) == 0
    captured = capsys.readouterr()
    notices = [
        record.getMessage() for record in caplog.records if "does not match" in record.getMessage()
    ]
    assert len(notices) == 1 and "fast-box" in notices[0]
    # estimated before it starts: 3 minutes on the table's machine, which is twice as fast
    assert "about 6 minutes, before a search's budget starts" in notices[0]
    assert "\n" not in notices[0]
    assert "calibrating shufflenet_v2 on fast-box" in captured.err  # the progress bar
    predicted = json.loads(captured.out)["latency_ms"]

    # This machine's factor against the faster machine's table, cached per fingerprint ...
    cache = json.loads((shipped / "machines" / "calibrations.json").read_text())
    [calibration] = cache["calibrations"]
    assert calibration["table"] == "fast-box"
    assert Fingerprint.from_metadata(calibration).matches(this_machine())
    factor = calibration["factors"]["shufflenet_v2"]
    # this machine is about twice as slow as the table's (4.1 seen on a noisy shared VM)
    assert 1.4 < factor < 5.0
    # ... and this machine's own table: the network's blocks timed here, its own factor.
    own = tables.read_table_file(shipped / "host.json")
    assert Fingerprint.from_metadata(own.metadata).matches(this_machine())
    assert all(block.signature in own for block in plan_network(CONFIG, inference=True).blocks)
    own_factor = own.metadata["calibration"]["factors"]["shufflenet_v2"]
    assert 0.5 < own_factor < 2.0  # 0.75-1.74 seen for this tiny network on a shared 2-core VM
    at_size = own.calibration_factor("shufflenet_v2", SIZE)  # its factor at the size predicted
    assert predicted == pytest.approx(
        at_size * predict_latency(CONFIG, own, calibrated=False), rel=1e-3
    )
    assert "48x48" in own.metadata["calibration"]["sizes"]

    caplog.clear()
    assert main([*predict, "--no-measure"]) == 0  # cached: no notice, no timing
    assert "does not match" not in caplog.text
    assert json.loads(capsys.readouterr().out)["latency_ms"] == predicted

    other = CONFIG.replace(output_stride=8)  # blocks neither table has from stage 3 on
    latency = predict_latency(other, load_table("host"))
    assert latency > 0 and shipped_file.read_text() == before
    own = tables.read_table_file(shipped / "host.json")
    assert all(block.signature in own for block in plan_network(other, inference=True).blocks)
    assert predict_latency(other, load_table("host"), measure_missing=False) == latency
    with pytest.raises(MissingEntries):  # by its name: never measured here
        predict_latency(other, load_table("fast-box"))

    # Measuring off and a block this machine's table lacks: the faster machine's table times
    # this machine's factor.
    del own.entries[plan_network(CONFIG, inference=True).blocks[-1].signature]
    own.save()
    summed = predict_latency(CONFIG, tables.read_table_file(shipped_file), calibrated=False)
    assert predict_latency(CONFIG, load_table("host"), measure_missing=False) == pytest.approx(
        factor * summed, rel=1e-3
    )

    assert main(["latency", "devices", "--json"]) == 0
    devices = json.loads(capsys.readouterr().out)
    speed = devices["host"].pop("speed")  # of this machine's own table, whose blocks predict
    assert speed["table_reference_ms"] == own.metadata["reference"]["ms"]
    assert devices["host"] == {
        "table": "fast-box",
        "this_machine": False,
        "factors": calibration["factors"],
        "calibrated": calibration["date"],
        "measured_here": len(own),
    }
    [row] = devices["devices"]
    assert row["device"] == "fast-box" and row["this_machine"] is False
    assert row["speed_ratio"] == pytest.approx(2, rel=0.01)

    # A full re-measure re-fits both sets of factors.
    assert (
        main(
            ["latency", "calibrate", "--device", "host", "--samples", "2", "--runs", "5", "--json"]
        )
        == 0
    )
    refitted = json.loads(capsys.readouterr().out)
    assert refitted["table"] == "fast-box" and 1.4 < refitted["factors"]["shufflenet_v2"] < 5.0
    own = tables.read_table_file(shipped / "host.json")
    assert refitted["own_table"] == own.metadata["calibration"]["factors"]
    assert own.metadata["calibration"]["configs"] == {"shufflenet_v2": 2}


def test_a_table_of_this_machine_is_host_and_takes_measurements(shipped, tmp_path, monkeypatch):
    mine = tables.read_table_file(tables.SHIPPED_DIR / "fast-box.json")
    mine.metadata["machine"] = this_machine().to_dict()
    mine.save(tmp_path / "shipped-mine" / "mine.json")
    monkeypatch.setattr(tables, "SHIPPED_DIR", tmp_path / "shipped-mine")
    table = load_table("host")
    assert table.local is None and table.calibrate_here is None
    assert table.entries == mine.entries and table.cache_path == shipped / "host.json"
