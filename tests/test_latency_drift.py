"""`host` latency stays true while this machine's speed drifts: blocks and end-to-end timings are
kept at their table's reference speed, predictions turned into milliseconds at the current
speed, a drift above 5% gets one line, and tables made before reference timings still read.

Real drift cannot be made on demand: a stand-in machine times the reference network, blocks and
networks at a speed that changes while a stand-in clock runs (no TensorFlow, no LiteRT)."""

import itertools
import json
import pickle
import zlib
from pathlib import Path

import pytest

from latency_models import LatencyModel, load_table, predict_latency, profiler, validate
from latency_models import machine as machines
from latency_models import table as tables
from latency_models.calibration import QUICK, calibrate_table
from latency_models.machine import REFERENCE_MAX_AGE_S, host_metadata, this_machine
from latency_models.table import save_calibration
from latency_models.speed import drift_notice, speed_report
from latency_models.validate import NetworkSample, validate_table
from nas.cli import main
from results import write_run_report
from results.table import as_table
from space import get_preset, plan_network
from space.search_space import SearchSpace

SIZE = (48, 48)
TINY_SPACE = Path(__file__).parent / "fixtures" / "tiny_space.json"
CONFIG = get_preset("paper-basic").replace(depth_multiplier=0.5, input_size=list(SIZE))
QUIET_REFERENCE_MS = 0.8  # the reference network on the quiet machine
QUIET_OVERHEAD_MS = 0.002
END_TO_END_FACTOR = 1.1  # a network takes this times its quiet sum of blocks
LATER = 2 * REFERENCE_MAX_AGE_S / 60  # minutes after which the reference is timed again


def quiet_block_ms(signature: str) -> float:
    """A block's latency on the quiet machine: 0.01-0.11 ms, fixed by its signature."""
    return 0.01 + zlib.crc32(signature.encode()) % 1000 / 1e4


def quiet_sum_ms(config) -> float:
    """`config`'s sum of blocks on the quiet machine, less the shared invoke overhead."""
    blocks = plan_network(config, inference=True).blocks
    return sum(quiet_block_ms(block.signature) for block in blocks) - QUIET_OVERHEAD_MS * (
        len(blocks) - 1
    )


class DriftingMachine:
    """This machine as a stand-in: everything takes `speed` times its quiet latency; `later`
    moves the clock and changes the speed."""

    def __init__(self):
        self.clock, self.speed = 0.0, 1.0
        self.network_speeds = itertools.repeat(1.0)  # the speed of each next network timed
        self.timed_at = {}  # config id -> the speed its network was timed at
        self.end_to_end = {}  # input size -> its networks' factor over the quiet sum of blocks

    def later(self, minutes: float, speed: float) -> None:
        self.clock += 60 * minutes
        self.speed = speed

    def reference_ms(self) -> float:
        return QUIET_REFERENCE_MS * self.speed

    def overhead_ms(self, threads: int = 1) -> float:
        return QUIET_OVERHEAD_MS * self.speed

    def block(self, block, *settings) -> dict:
        ms = round(quiet_block_ms(block.signature) * self.speed, 4)
        return {"ms": ms, "min_ms": ms, "p90_ms": ms, "std_ms": 0.0, "runs": 50}

    def network(self, config, *settings) -> dict:
        """Times `config` end to end, the machine at its next speed first (minutes later)."""
        self.later(LATER, next(self.network_speeds))
        self.timed_at[config.id] = self.speed
        factor = self.end_to_end.get(tuple(config.input_size), END_TO_END_FACTOR)
        ms = factor * quiet_sum_ms(config) * self.speed
        return {"latency_ms": ms, "p90_ms": ms, "wall_ms": ms, "min_ms": ms}


@pytest.fixture
def drifting(tmp_path, monkeypatch):
    """The stand-in machine, no shipped table and an empty user table folder."""
    machine = DriftingMachine()
    monkeypatch.setattr(tables, "SHIPPED_DIR", tmp_path / "no-shipped-tables")
    monkeypatch.setenv(tables.USER_DIR_ENV, str(tmp_path / "user"))
    monkeypatch.setattr(machines, "_THIS_PROCESS", {})
    monkeypatch.setattr(machines, "monotonic", lambda: machine.clock)
    monkeypatch.setattr(machines, "reference_latency_ms", machine.reference_ms)
    monkeypatch.setattr(profiler, "measure_block", machine.block)
    monkeypatch.setattr(profiler, "invoke_overhead_ms", machine.overhead_ms)
    monkeypatch.setattr(validate, "measure_config", machine.network)
    return machine


def test_blocks_timed_while_the_machine_slows_are_kept_at_the_tables_speed(drifting, tmp_path):
    table = load_table("host")  # this machine's own table, started now
    assert table.metadata["reference"]["ms"] == QUIET_REFERENCE_MS
    first, second = CONFIG, CONFIG.replace(output_stride=8)  # second: new blocks from stage 3
    assert predict_latency(first, table) == pytest.approx(quiet_sum_ms(first), rel=1e-3)

    drifting.later(LATER, speed=1.25)  # the reference is timed again with the next blocks
    assert predict_latency(second, table) == pytest.approx(1.25 * quiet_sum_ms(second), rel=1e-3)
    assert predict_latency(first, table) == pytest.approx(1.25 * quiet_sum_ms(first), rel=1e-3)
    stored = tables.read_table_file(tmp_path / "user" / "host.json")
    assert stored.metadata["reference"]["ms"] == QUIET_REFERENCE_MS
    assert stored.metadata["invoke_overhead_ms"] == pytest.approx(QUIET_OVERHEAD_MS)
    assert len(stored) > len(
        {block.signature for block in plan_network(first, inference=True).blocks}
    )
    for signature, entry in stored.entries.items():  # both batches at the table's speed
        assert entry["ms"] == pytest.approx(quiet_block_ms(signature), abs=1e-4), signature

    drifting.later(1, speed=0.9)  # the last timing is still fresh: predictions keep it
    assert predict_latency(first, table) == pytest.approx(1.25 * quiet_sum_ms(first), rel=1e-3)
    drifting.later(LATER, speed=0.9)
    assert predict_latency(second, load_table("host")) == pytest.approx(
        0.9 * quiet_sum_ms(second), rel=1e-3
    )


def test_one_slow_reference_reading_is_timed_again_before_it_starts_a_table(drifting, monkeypatch):
    this_machine()  # this boot's fingerprint, at the quiet speed
    drifting.later(LATER, speed=1.0)
    readings = [1.6 * QUIET_REFERENCE_MS]  # one slow second of a shared VM, then as it is
    monkeypatch.setattr(
        machines,
        "reference_latency_ms",
        lambda: readings.pop() if readings else drifting.reference_ms(),
    )
    table = load_table("host")
    assert table.metadata["reference"]["ms"] == QUIET_REFERENCE_MS  # the median of three
    assert predict_latency(CONFIG, table) == pytest.approx(quiet_sum_ms(CONFIG), rel=1e-3)

    drifting.later(LATER, speed=1.3)  # a real drift: three readings agree
    assert machines.reference_now()["ms"] == pytest.approx(1.3 * QUIET_REFERENCE_MS)


def test_a_calibration_from_networks_timed_at_changing_speeds_finds_the_quiet_factor(drifting):
    space = SearchSpace(
        backbones={"shufflenet_v2": [0.5, 1.0]},
        heads=("basic",),
        decoders=("none",),
        output_strides=(16, 8),
        num_classes=19,
    )
    table = load_table("host")
    drifting.network_speeds = itertools.cycle([1.2, 1.35, 1.1, 1.25])
    calibration = calibrate_table(
        table, NetworkSample(4, input_sizes=[SIZE], space=space), progress=False
    )
    assert calibration["factors"]["shufflenet_v2"] == pytest.approx(END_TO_END_FACTOR, rel=2e-3)

    drifting.network_speeds = itertools.cycle([1.15, 0.9, 1.25])
    report = validate_table(table, NetworkSample(4, 3, [SIZE], space), progress=False)
    assert len(set(drifting.timed_at.values())) > 2
    assert report["within_5pct"] == 1.0 and abs(report["mean_error_pct"]) < 0.5
    for row in report["configs"]:  # each network with the reference timed beside it
        assert row["reference_ms"] == pytest.approx(
            QUIET_REFERENCE_MS * drifting.timed_at[row["config_id"]]
        )


def test_a_drift_above_5_percent_since_the_table_was_started_gets_one_line(
    drifting, capsys, caplog
):
    predict_latency(CONFIG, load_table("host"))  # the table started at the quiet speed
    drifting.later(LATER, speed=1.04)
    report = speed_report(load_table("host"))
    assert report["reference_ms"] == pytest.approx(0.832) and report["drift_pct"] == 4.0
    assert report["table_reference_ms"] == QUIET_REFERENCE_MS and drift_notice(report) is None
    assert main(["latency", "devices"]) == 0
    text = capsys.readouterr().out
    assert "speed: reference network 0.832 ms now" in text
    assert "0.800 ms at the table's start" in text and "slower than" not in text

    drifting.later(LATER, speed=1.15)
    assert main(["latency", "devices", "--json"]) == 0
    speed = json.loads(capsys.readouterr().out)["host"]["speed"]
    assert speed["drift_pct"] == 15.0 and speed["table_started"] == report["table_started"]
    assert main(["latency", "devices"]) == 0
    notices = [line for line in capsys.readouterr().out.splitlines() if "slower than" in line]
    assert len(notices) == 1 and "15.0% slower" in notices[0]
    assert "0.920 ms now against 0.800 ms" in notices[0]

    caplog.clear()
    assert (
        main(
            [
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
        )
        == 0
    )
    assert [
        record.getMessage() for record in caplog.records if "slower than" in record.getMessage()
    ] == [notices[0]]
    assert json.loads(capsys.readouterr().out)["latency_ms"] == pytest.approx(
        1.15 * quiet_sum_ms(CONFIG), rel=1e-3
    )


def test_a_table_made_before_reference_timings_is_read_at_its_fingerprints_reference(
    drifting, tmp_path, caplog
):
    # host.json as this toolkit wrote it before: blocks timed at the fingerprint's speed.
    machine = {
        **this_machine().to_dict(),
        "boot": machines.machine_record()["boot"],
        "reference_ms": 0.88,
    }
    metadata = {key: value for key, value in host_metadata().items() if key != "reference"}
    blocks = plan_network(CONFIG, inference=True).blocks
    entries = {
        block.signature: {"ms": round(quiet_block_ms(block.signature) * 1.1, 4), "runs": 50}
        for block in blocks
    }
    old = {
        "format": tables.FORMAT,
        "version": 1,
        "device": "host",
        "metadata": {**metadata, "machine": machine, "invoke_overhead_ms": QUIET_OVERHEAD_MS * 1.1},
        "entries": entries,
    }
    (tmp_path / "user" / "host.json").write_text(json.dumps(old))

    table = load_table("host")
    assert len(table) == len(entries)  # still this machine's table
    report = speed_report(table)
    assert report["table_reference_ms"] == 0.88 and report["drift_pct"] == -9.1
    assert report["table_started"] == metadata["date"] and not report["blocks_scaled"]
    assert "timed before reference timings were kept" in drift_notice(report)
    # now at the quiet speed (0.8 ms), 1/1.1 of the table's
    assert predict_latency(CONFIG, table) == pytest.approx(quiet_sum_ms(CONFIG), rel=1e-3)

    other = CONFIG.replace(output_stride=8)  # new blocks, kept at the table's 0.88 ms
    drifting.later(LATER, speed=1.2)
    assert predict_latency(other, table) == pytest.approx(1.2 * quiet_sum_ms(other), rel=1e-3)
    stored = tables.read_table_file(tmp_path / "user" / "host.json")
    assert "reference" not in stored.metadata
    assert all(
        stored.entries[block.signature]["ms"]
        == pytest.approx(1.1 * quiet_block_ms(block.signature), abs=1e-4)
        for block in plan_network(other, inference=True).blocks
    )


@pytest.mark.slow  # imports Ray, Optuna and TensorFlow
def test_a_search_records_the_speed_now_and_at_its_tables_start_in_its_summary(drifting, tmp_path):
    from nas.search.driver import prepare  # Ray and Optuna: only here
    from nas.search.options import SearchOptions
    from nas.search.recorder import TrialRecorder

    predict_latency(CONFIG, load_table("host"))  # the table started at the quiet speed
    drifting.later(LATER, speed=1.15)
    run = tmp_path / "run"
    search = prepare(SearchOptions(budget="1", device="host", space=str(TINY_SPACE)), run)
    speed = search.machine_speed
    assert speed["reference_ms"] == pytest.approx(0.92) and speed["drift_pct"] == 15.0
    assert speed["table_reference_ms"] == QUIET_REFERENCE_MS

    run.mkdir()
    TrialRecorder(run, search.settings, search.presets, machine_speed=speed).write()
    assert json.loads((run / "summary.json").read_text())["machine_speed"] == speed
    assert write_run_report(run, as_table([]))["machine_speed"] == speed  # drawn again


def test_a_calibrated_host_fits_its_factors_at_each_new_size_once(drifting, caplog):
    drifting.end_to_end = {SIZE: 1.1, (64, 64): 1.3}  # a larger size misses more of its sum
    table = load_table("host")
    calibration = calibrate_table(table, NetworkSample(4, input_sizes=[SIZE]), progress=False)
    assert calibration["sizes"] == {"48x48": calibration["factors"]}  # 4 networks a backbone
    save_calibration(table)
    calibrating = len(drifting.timed_at)

    larger = CONFIG.replace(input_size=[64, 64])
    assert predict_latency(larger, load_table("host")) == pytest.approx(
        1.3 * quiet_sum_ms(larger), rel=1e-3
    )
    assert "fitting this machine's latency factors at 64x64" in caplog.text
    fitted = len(drifting.timed_at)
    assert calibrating < fitted <= calibrating + QUICK.samples * len(SearchSpace().backbones)
    stored = tables.read_table_file(table.cache_path).metadata["calibration"]
    assert set(stored["sizes"]) == {"48x48", "64x64"}
    assert stored["factors"] == calibration["factors"]  # the factors over all sizes stay

    caplog.clear()  # once: each size keeps its own factors, timed no more
    assert predict_latency(larger, load_table("host")) == pytest.approx(
        1.3 * quiet_sum_ms(larger), rel=1e-3
    )
    assert predict_latency(CONFIG, load_table("host")) == pytest.approx(
        1.1 * quiet_sum_ms(CONFIG), rel=1e-3
    )
    assert len(drifting.timed_at) == fitted and "fitting" not in caplog.text


def test_an_uncalibrated_table_is_not_calibrated_by_a_prediction(drifting):
    assert predict_latency(CONFIG, load_table("host")) == pytest.approx(
        quiet_sum_ms(CONFIG), rel=1e-3
    )
    assert drifting.timed_at == {}


def test_a_pinned_model_predicts_at_one_speed_while_the_machine_drifts(drifting):
    model = LatencyModel("host", SIZE).pinned()  # as a search pins its start's speed
    first = model.predict(CONFIG)
    assert first == pytest.approx(quiet_sum_ms(CONFIG), rel=1e-3)

    drifting.later(LATER, speed=1.3)
    assert model.predict(CONFIG) == first
    assert pickle.loads(pickle.dumps(model)).predict(CONFIG) == first  # in a trial's process
    assert LatencyModel("host", SIZE).predict(CONFIG) == pytest.approx(1.3 * first, rel=1e-3)
