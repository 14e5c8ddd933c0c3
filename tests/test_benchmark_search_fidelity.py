"""The staged-vs-single search benchmark's report: each front's hypervolume re-measured with
the reference-fidelity mIOUs of its configs, against the search's own reference latency; only
configs faster than it need a reference training. Finished searches are shipped with the
repository, so a report is rebuilt without their work folders."""

import json

import pytest

from benchmarks import _runs as runs
from benchmarks import search_fidelity as bench
from nas.search.budget import TimeBudget
from results import write_run_report, write_trials
from results.table import as_table
from space import get_preset

BASIC = get_preset("paper-basic").replace(input_size=(64, 64))
SMALL, LARGE = (BASIC.replace(depth_multiplier=width) for width in (0.5, 2.0))


def search_run(folder, configs, reference_ms, fidelity=0):
    """A finished search's run folder: its front (mIOU 0.1, 0.11, ... at rung `fidelity`, the
    given latencies, 10 s per trial), summary with `reference_ms` as its hypervolume's
    reference, and options."""
    rows = []
    for index, (config, latency) in enumerate(configs):
        data = config.to_dict()
        rows.append(
            {
                "trial_id": f"t{index}",
                "status": "completed",
                "preset": "",
                **data,
                "dpc_branches": json.dumps(data["dpc_branches"]) if config.head == "dpc" else "",
                "input_size": "64x64",
                "config_id": config.id,
                "miou": 0.1 + index / 100,
                "latency_ms": latency,
                "fidelity": fidelity,
                "trial_seconds": 10.0,
            }
        )
    folder.mkdir(parents=True)
    write_trials(as_table(rows), folder)
    (folder / "repeats.jsonl").write_text("{}\n{}\n")  # two suggestions answered from the table
    write_run_report(folder, as_table(rows))
    summary = json.loads((folder / "summary.json").read_text())
    summary["hypervolume_reference"]["latency_ms"] = reference_ms
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "search.json").write_text(json.dumps({"device": "host"}))
    (folder / "budget.json").write_text(json.dumps({"seconds": 3600.0, "spent": 3600.0}))


def measured(cache, config, miou):
    cache.add(
        {
            "data": runs.data_version("synthetic"),
            "config_id": config.id,
            "setting": bench.REFERENCE.key,
            "seed": 0,
            "miou": miou,
        }
    )


def test_fronts_are_scored_by_their_reference_mious_and_own_latencies(tmp_path):
    work, record = tmp_path / "work", tmp_path / "record"
    # Seed 0 on one machine (reference latency 10 ms), seed 1 on one twice as fast (5 ms).
    for mode, seed, configs, reference_ms in (
        ("single", 0, [(SMALL, 2.0), (BASIC, 4.0), (LARGE, 12.0)], 10.0),
        ("staged", 0, [(BASIC, 4.0)], 10.0),
        ("single", 1, [(BASIC, 2.0), (SMALL, 4.0)], 5.0),
        ("staged", 1, [(SMALL, 1.0), (BASIC, 2.0)], 5.0),
    ):
        folder = bench.search_folder(work, mode, seed, "1h")
        search_run(folder, configs, reference_ms, fidelity=int(mode == "staged" and seed == 0))
        bench.ship(folder, bench.search_folder(record, mode, seed, "1h"))
    # The staged seed-0 search's rung records: of its two first-rung results one could count
    # (the other is slower than 10 ms), and it was promoted.
    (bench.search_folder(record, "staged", 0, "1h") / "rungs.json").write_text(
        json.dumps(
            {
                "results": {"0": {"t0": [0.1, 4.0], "slow": [0.2, 20.0]}},
                "promoted": {"0": {"t0": "rank"}},
            }
        )
    )
    other = bench.search_folder(work, "single", 2, "5m")  # another budget: another report
    search_run(other, [(BASIC, 2.0)], 5.0)
    bench.ship(other, bench.search_folder(record, "single", 2, "5m"))
    cache = runs.RunCache(tmp_path / "cache.jsonl")
    pending = bench.report(record, cache, "synthetic", "1h")
    assert pending["reference_share"]["single"]["mean"] is None  # not re-measured yet
    assert pending["runs"]["single-seed0"]["counted"] == 2  # LARGE, slower than 10 ms, adds nothing
    measured(cache, SMALL, 0.3)
    measured(cache, BASIC, 0.5)
    result = bench.report(record, cache, "synthetic", "1h")
    runs_ = result["runs"]
    assert result["seeds"] == [0, 1] and list(runs_) == [
        "single-seed0",
        "staged-seed0",
        "single-seed1",
        "staged-seed1",
    ]
    assert runs_["single-seed0"]["reference_hypervolume"] == pytest.approx(0.3 * 2 + 0.5 * 6)
    assert runs_["staged-seed0"]["reference_hypervolume"] == pytest.approx(0.5 * 6)
    assert runs_["staged-seed1"]["reference_share"] == pytest.approx((0.3 * 1 + 0.5 * 3) / 5)
    assert runs_["single-seed1"]["repeats_reused"] == 2
    # Where the trial time went: LARGE (12 ms) cannot count, a third of single seed 0's time.
    assert runs_["single-seed0"]["reached_rung"] == [3]
    assert runs_["single-seed0"]["slower_than_reference_seconds"] == pytest.approx(1 / 3, abs=1e-4)
    assert runs_["staged-seed0"]["reached_rung"] == [1, 1]
    assert runs_["staged-seed0"]["promoted_of_eligible"] == [1, 1]
    assert "promoted_of_eligible" not in runs_["single-seed0"]  # no rungs: nothing promoted
    # What the printed front is worth: single seed 1 printed SMALL (0.11) over BASIC (0.10),
    # the reverse of the reference, so the network it printed best is the worse one.
    assert runs_["single-seed1"]["printed_spearman"] == pytest.approx(-1.0)
    assert runs_["single-seed1"]["printed_best_at_reference"] == pytest.approx(0.3)
    assert runs_["single-seed1"]["front_best_at_reference"] == pytest.approx(0.5)
    assert runs_["staged-seed1"]["printed_spearman"] == pytest.approx(1.0)
    assert result["seeds_compared"]["seed1"]["staged_minus_single_printed_best"] == pytest.approx(
        0.5 - 0.3
    )
    assert result["seeds_compared"]["seed0"]["staged_minus_single"] == pytest.approx(0.3 - 0.36)
    assert result["seeds_compared"]["seed1"]["staged_minus_single"] == pytest.approx(0.36 - 0.3)
    assert result["reference_share"]["staged"]["mean"] == pytest.approx(0.33)
    # With as many networks as the staged front counts (1), the single search hands over one
    # of its front's extremes, as the staged search would promote: SMALL, 0.3 up to 10 ms.
    seed0 = result["seeds_compared"]["seed0"]
    assert seed0["networks"] == 1 and seed0["single_top_share"] == pytest.approx(0.24)
    assert seed0["staged_minus_single_top"] == pytest.approx(0.3 - 0.24)


def test_each_sitting_of_a_search_records_the_machine_it_ran_on(tmp_path):
    bench.record_sitting(tmp_path)
    bench.record_sitting(tmp_path)
    sittings = bench.read_sittings(tmp_path)
    assert len(sittings) == 2 and bench.same_machine(sittings)
    # A machine 10% slower (another VM of the same kind) is another machine.
    slower = sittings[1] | {
        "machine": sittings[1]["machine"]
        | {"reference_ms": sittings[1]["machine"]["reference_ms"] * 1.1}
    }
    assert not bench.same_machine([sittings[0], slower])


def test_a_finished_search_is_shipped_and_re_measured_before_the_other_mode_has_run(tmp_path):
    work, record = tmp_path / "work", tmp_path / "record"
    single = bench.search_folder(work, "single", 0, "1h")
    search_run(single, [(BASIC, 4.0)], 10.0)
    cache = runs.RunCache(tmp_path / "cache.jsonl")
    measured(cache, BASIC, 0.5)
    out = tmp_path / "report.json"
    bench.main(
        [
            "--seeds",
            "0",
            "--modes",
            "single",
            "--work",
            str(work),
            "--record",
            str(record),
            "--cache",
            str(cache.path),
            "--out",
            str(out),
        ]
    )
    shipped = bench.search_folder(record, "single", 0, "1h")
    assert {path.name for path in shipped.iterdir()} == {  # one fidelity: no rungs.json
        "search.json",
        "summary.json",
        "pareto.csv",
        "trials.csv",
        "repeats.jsonl",
    }
    report = json.loads(out.read_text())
    assert list(report["runs"]) == ["single-seed0"]  # the staged search has not run yet
    assert report["runs"]["single-seed0"]["reference_hypervolume"] == pytest.approx(0.5 * 6)
    assert report["seeds_compared"] == {}


def test_a_search_stopped_before_its_budget_has_not_spent_it(tmp_path):
    budget = TimeBudget(seconds=300, state_file=tmp_path / "budget.json")
    assert not bench.budget_spent(tmp_path)  # no file yet
    for spent, done in ((120.0, False), (299.0, True), (300.5, True)):  # saved every 2 s
        budget.spent = spent
        budget.save()
        assert bench.budget_spent(tmp_path) is done
