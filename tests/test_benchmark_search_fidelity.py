"""The staged-vs-single search benchmark's report: each front's hypervolume re-measured with
the reference-fidelity mIOUs of its configs, against one reference latency for all runs; only
configs faster than it need a reference training."""

import json

import pytest

from benchmarks import _runs as runs
from benchmarks import search_fidelity as bench
from latency_models import LatencyTable, predict_latency
from latency_models.machine import host_metadata
from latency_models.profiler import unique_blocks
from results import write_trials
from results.table import as_table
from space import get_preset


def search_run(folder, configs, reference_ms, table):
    """A finished search's run folder: its front, summary (mIOU 0.1, 0.11, ... at the proxy)
    and options (latency from `table`'s file)."""
    rows = []
    for index, (config, latency) in enumerate(configs):
        data = config.to_dict()
        rows.append({"trial_id": f"t{index}", "status": "completed", "preset": "", **data,
                     "dpc_branches": json.dumps(data["dpc_branches"]) if config.head == "dpc" else "",
                     "input_size": "64x64", "config_id": config.id, "miou": 0.1 + index / 100,
                     "latency_ms": latency})
    folder.mkdir(parents=True)
    write_trials(as_table(rows), folder)
    from results import write_run_report

    write_run_report(folder, as_table(rows))
    summary = json.loads((folder / "summary.json").read_text())
    summary["hypervolume_reference"]["latency_ms"] = reference_ms
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "search.json").write_text(json.dumps({"device": str(table.path),
                                                    "latency_input_size": [64, 64]}))


def test_fronts_are_scored_by_their_reference_mious(tmp_path):
    basic = get_preset("paper-basic").replace(input_size=(64, 64))
    small, large = (basic.replace(depth_multiplier=width) for width in (0.5, 2.0))
    entries = {block.signature: {"ms": 1.0} for block in unique_blocks([large])}
    entries.update({block.signature: {"ms": 0.01 * (index + 1)}
                    for index, block in enumerate(unique_blocks([small, basic]))})
    table = LatencyTable("test", host_metadata(1, 5, 50), entries)
    table.save(tmp_path / "table.json")
    # The searches' own latencies (2, 4 and 8 ms) are not used: both fronts are predicted anew
    # from one table.
    search_run(bench.search_folder(tmp_path, "single", 0, "1h"),
               [(small, 2.0), (basic, 4.0), (large, 8.0)], 10.0, table)
    search_run(bench.search_folder(tmp_path, "staged", 0, "1h"), [(basic, 4.0)], 8.0, table)
    small_ms, basic_ms, large_ms = (predict_latency(config, table)
                                    for config in (small, basic, large))
    assert small_ms < basic_ms < 10.0 < large_ms  # `large` adds nothing to a hypervolume
    cache = runs.RunCache(tmp_path / "cache.jsonl")
    version = runs.data_version("synthetic")
    pending = bench.report(tmp_path, cache, "synthetic", [0], "1h")
    assert pending["reference_hypervolume"]["single"]["mean"] is None  # not re-measured yet
    for config, miou in ((small, 0.3), (basic, 0.5)):  # `large` needs no reference run
        cache.add({"data": version, "config_id": config.id, "setting": bench.REFERENCE.key,
                   "seed": 0, "miou": miou})
    result = bench.report(tmp_path, cache, "synthetic", [0], "1h")
    assert result["reference_latency_ms"] == 10.0
    single, staged = (result["runs"][f"{mode}-seed0"] for mode in ("single", "staged"))
    assert single["reference_hypervolume"] == pytest.approx(
        0.3 * (basic_ms - small_ms) + 0.5 * (10.0 - basic_ms), abs=1e-4)
    assert staged["reference_hypervolume"] == pytest.approx(0.5 * (10.0 - basic_ms), abs=1e-4)
    assert result["reference_hypervolume"]["staged"]["mean"] == pytest.approx(
        0.5 * (10.0 - basic_ms), abs=1e-4)


def test_each_sitting_of_a_search_records_the_machine_it_ran_on(tmp_path):
    single, staged = (bench.search_folder(tmp_path, mode, 0, "1h") for mode in bench.MODES)
    bench.record_sitting(single)
    bench.record_sitting(staged)
    sittings = bench.read_sittings(tmp_path)
    assert [sitting["search"] for sitting in sittings] == [single.name, staged.name]
    assert bench.same_machine(sittings)
    assert bench.sittings_of(sittings, staged.name) == [
        {key: sittings[1][key] for key in ("started", "load_average")}
        | {"reference_ms": sittings[1]["machine"]["reference_ms"]}]
    # A machine 10% slower (another VM of the same kind) is another machine.
    slower = sittings[1] | {"machine": sittings[1]["machine"]
                            | {"reference_ms": sittings[1]["machine"]["reference_ms"] * 1.1}}
    assert not bench.same_machine([sittings[0], slower])


def test_a_finished_search_is_re_measured_before_the_other_mode_has_run(tmp_path):
    basic = get_preset("paper-basic").replace(input_size=(64, 64))
    table = LatencyTable("test", host_metadata(1, 5, 50),
                         {block.signature: {"ms": 0.01} for block in unique_blocks([basic])})
    table.save(tmp_path / "table.json")
    single = bench.search_folder(tmp_path, "single", 0, "1h")
    search_run(single, [(basic, 4.0)], 10.0, table)
    (single / "budget.json").write_text(json.dumps({"seconds": 3600.0, "spent": 3600.0}))
    cache = runs.RunCache(tmp_path / "cache.jsonl")
    cache.add({"data": runs.data_version("synthetic"), "config_id": basic.id,
               "setting": bench.REFERENCE.key, "seed": 0, "miou": 0.5})
    out = tmp_path / "report.json"
    bench.main(["--seeds", "0", "--modes", "single", "--work", str(tmp_path),
                "--cache", str(cache.path), "--out", str(out)])
    report = json.loads(out.read_text())
    assert list(report["runs"]) == ["single-seed0"]  # the staged search has not run yet
    assert report["runs"]["single-seed0"]["reference_hypervolume"] is not None
