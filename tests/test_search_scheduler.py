"""MO-ASHA promotion decisions: rank by non-dominated sorting and crowding at each rung, promote
the best third at once, keep decisions across a restart, promote ties within the seed noise,
never promote a trial over the latency limit, and under a time budget never book more seconds on
a rung than the rung below has spent."""

import dataclasses
import pickle

import pytest
from ray.tune.schedulers import TrialScheduler

from latency_models import load_table, predict_latency
from nas.search.budget import TimeBudget
from nas.search.driver import prepare
from nas.search.options import SearchOptions
from nas.search.ray_engine.scheduler import StagedScheduler
from nas.search.rungs import RungRecords
from space import get_preset


def test_a_result_is_promoted_when_it_ranks_in_the_best_third_so_far():
    records = RungRecords()
    assert records.decide("a", 0, 0.40, 10.0, 3) == "rank"  # alone: best of one
    assert records.decide("b", 0, 0.30, 12.0, 3) is None  # dominated by a
    assert records.decide("c", 0, 0.35, 5.0, 3) == "rank"  # 1 slot of 3; the fastest: an extreme
    assert records.decide("d", 0, 0.34, 6.0, 3) is None  # dominated by c
    assert records.decide("e", 0, 0.38, 8.0, 3) is None  # on the front, but crowded between
    assert records.promoted[0] == {"a": "rank", "c": "rank"}


def test_fast_weaker_networks_survive_that_accuracy_alone_would_drop():
    """ASHA on mIOU alone stops the fast network; MO-ASHA keeps the front."""
    records = RungRecords()
    for trial_id, miou, latency in (
        ("slow-1", 0.50, 20.0),
        ("slow-2", 0.49, 21.0),
        ("slow-3", 0.48, 22.0),
        ("slow-4", 0.47, 23.0),
        ("slow-5", 0.46, 24.0),
    ):
        records.decide(trial_id, 0, miou, latency, 3)
    assert records.decide("fast", 0, 0.35, 3.0, 3) == "rank"


def test_a_result_within_the_seed_noise_of_the_promoted_is_a_tie():
    records = RungRecords()
    records.decide("a", 0, 0.400, 10.0, 2)
    assert records.decide("b", 0, 0.396, 10.0, 2) is None
    assert records.decide("c", 0, 0.397, 10.0, 2, tie_margin=0.005) == "tie"


def test_a_trial_slower_than_the_latency_limit_is_never_promoted_and_takes_no_slot():
    """Past the limit (the latency target, or the hypervolume's reference latency) a network
    adds nothing to the front the search is scored by: no next-rung training is spent on it."""
    records = RungRecords()
    assert records.decide("slow", 0, 0.60, 30.0, 3, latency_limit=16.0) is None  # best mIOU
    assert records.decide("a", 0, 0.40, 10.0, 3, latency_limit=16.0) == "rank"  # best of one
    assert records.decide("b", 0, 0.30, 12.0, 3, latency_limit=16.0) is None
    assert records.decide("c", 0, 0.35, 5.0, 3, latency_limit=16.0) == "rank"  # 1 slot of 3
    assert records.promoted[0] == {"a": "rank", "c": "rank"}
    unlimited = RungRecords()
    assert unlimited.decide("slow", 0, 0.60, 30.0, 3) == "rank"  # an extreme of the front


def test_decisions_survive_a_restart(tmp_path):
    path = tmp_path / "rungs.json"
    records = RungRecords(path)
    records.decide("a", 0, 0.4, 10.0, 3)
    records.decide("b", 0, 0.3, 12.0, 3)
    again = RungRecords(path)
    assert again.decide("a", 0, 0.1, 99.0, 3) == "rank"  # re-reported: the stored decision
    assert again.decide("b", 0, 0.9, 1.0, 3) is None
    assert again.results[0]["a"] == [0.4, 10.0]


class FakeTrial:
    def __init__(self, trial_id):
        self.trial_id = trial_id


def test_the_scheduler_stops_unpromoted_trials_and_lets_the_last_rung_finish(tmp_path):
    scheduler = StagedScheduler(rungs=2, reduction_factor=3, state_file=tmp_path / "rungs.json")
    first, second = FakeTrial("a"), FakeTrial("b")
    result = {"rung": 0, "miou": 0.4, "latency_ms": 10.0, "rung_end": True}
    assert (
        scheduler.on_trial_result(None, first, {**result, "rung_end": False})
        == TrialScheduler.CONTINUE
    )  # an evaluation within the rung: no decision
    assert scheduler.on_trial_result(None, first, result) == TrialScheduler.CONTINUE
    assert scheduler.on_trial_result(None, second, {**result, "miou": 0.3}) == TrialScheduler.STOP
    last = {"rung": 1, "miou": 0.6, "latency_ms": 10.0, "rung_end": True}
    assert scheduler.on_trial_result(None, first, last) == TrialScheduler.CONTINUE
    restored = pickle.loads(pickle.dumps(scheduler))  # as Tuner.restore rebuilds it
    assert restored.records.promoted == {0: {"a": "rank"}}
    assert restored.on_trial_result(None, second, {**result, "miou": 0.3}) == TrialScheduler.STOP


def test_the_scheduler_promotes_no_trial_over_its_latency_limit(tmp_path):
    scheduler = StagedScheduler(
        rungs=2, reduction_factor=3, latency_limit=15.6, state_file=tmp_path / "rungs.json"
    )
    result = {"rung": 0, "miou": 0.4, "latency_ms": 10.0, "rung_end": True}
    assert (
        scheduler.on_trial_result(None, FakeTrial("slow"), {**result, "latency_ms": 40.0})
        == TrialScheduler.STOP
    )
    assert scheduler.on_trial_result(None, FakeTrial("a"), result) == TrialScheduler.CONTINUE
    restored = pickle.loads(pickle.dumps(scheduler))  # as Tuner.restore rebuilds it
    assert restored.latency_limit == 15.6
    saved_before_the_limit = scheduler.__getstate__()
    del saved_before_the_limit["latency_limit"]
    older = StagedScheduler.__new__(StagedScheduler)
    older.__setstate__(saved_before_the_limit)
    assert older.latency_limit is None  # a search saved before the limit resumes without one


def test_a_trial_is_not_promoted_to_a_rung_the_budget_cannot_pay_for(tmp_path):
    budget = TimeBudget(100.0, tmp_path / "budget.json")
    budget.spent = 62.0
    budget.save()  # 38 s left
    scheduler = StagedScheduler(
        rungs=2,
        reduction_factor=1,
        rung_pixels=[1, 4],
        budget=budget,
        state_file=tmp_path / "rungs.json",
    )
    result = {"rung": 0, "miou": 0.4, "latency_ms": 10.0, "rung_end": True}
    for index in range(4):  # 40 s of first-rung trials, which a promotion may spend again
        scheduler.on_trial_result(
            None, FakeTrial(f"weak-{index}"), {**result, "miou": 0.1, "fit_seconds": 10.0}
        )
    assert (
        scheduler.on_trial_result(
            None, FakeTrial("b"), {**result, "miou": 0.5, "fit_seconds": 11.0}
        )
        == TrialScheduler.STOP
    )  # ranked to climb, but 44 s would not fit in the 38 s left
    assert (
        scheduler.on_trial_result(None, FakeTrial("a"), {**result, "fit_seconds": 9.0})
        == TrialScheduler.CONTINUE
    )  # 36 s at the next rung
    assert scheduler.records.promoted[0] == {"a": "rank"}  # b's promotion taken back
    assert scheduler.records.estimates[1] == {"a": 36.0}


def test_a_rung_never_holds_more_seconds_than_the_rung_below_has_spent(tmp_path):
    """Successive halving's equal budget per rung, kept as an asynchronous search goes: the
    time a promotion would take is left to the first rung (more configs) until the first rung
    has spent as much."""
    budget = TimeBudget(10_000.0, tmp_path / "budget.json")
    scheduler = StagedScheduler(
        rungs=2,
        reduction_factor=1,
        rung_pixels=[1, 4],
        budget=budget,
        state_file=tmp_path / "rungs.json",
    )
    result = {"rung": 0, "latency_ms": 10.0, "rung_end": True, "fit_seconds": 10.0}
    decisions = [
        scheduler.on_trial_result(None, FakeTrial(f"t{index}"), {**result, "miou": 0.1 * index})
        for index in range(1, 9)
    ]  # each better than the one before: all ranked to climb
    assert decisions == [TrialScheduler.STOP] * 3 + [TrialScheduler.CONTINUE] + [
        TrialScheduler.STOP
    ] * 3 + [TrialScheduler.CONTINUE]  # 40 s at rung 1 per 40 s at rung 0
    assert scheduler.records.booked(1) == scheduler.records.booked(0) == 80.0
    finished = {"rung": 1, "miou": 0.9, "latency_ms": 10.0, "rung_end": True, "final": True}
    scheduler.on_trial_result(None, FakeTrial("t4"), {**finished, "fit_seconds": 20.0})
    assert scheduler.records.estimate_scale(1) == 0.5  # it took half what was expected
    assert scheduler.records.booked(1) == 60.0  # 20 s taken, 40 s expected of t8
    assert (
        scheduler.on_trial_result(None, FakeTrial("t9"), {**result, "miou": 0.95})
        == TrialScheduler.CONTINUE
    )  # 10 s at rung 0 and 20 s expected at rung 1: 80 <= 90
    restored = pickle.loads(pickle.dumps(scheduler))  # as Tuner.restore rebuilds it
    assert restored.records.booked(1) == 80.0
    assert (
        restored.on_trial_result(None, FakeTrial("t9"), {**result, "miou": 0.95})
        == TrialScheduler.CONTINUE
    )  # re-reported after a restart: the decision it had


def test_a_search_by_number_of_trials_promotes_without_counting_seconds(tmp_path):
    scheduler = StagedScheduler(
        rungs=2,
        reduction_factor=1,
        rung_pixels=[1, 4],
        budget=TimeBudget(None, tmp_path / "budget.json"),
        state_file=tmp_path / "rungs.json",
    )
    result = {"rung": 0, "miou": 0.4, "latency_ms": 10.0, "rung_end": True, "fit_seconds": 10.0}
    assert scheduler.on_trial_result(None, FakeTrial("a"), result) == TrialScheduler.CONTINUE


def test_a_search_promotes_up_to_its_latency_target_or_else_its_hypervolume_reference(tmp_path):
    options = SearchOptions(device="amd-epyc-2vcpu-2026-11-24")
    paper_ms = predict_latency(
        get_preset("paper-dpc").replace(input_size=(224, 224)), load_table(options.device)
    )
    assert prepare(options, tmp_path / "run").latency_limit == pytest.approx(2 * paper_ms)
    targeted = dataclasses.replace(options, latency_target=(5.0,))
    assert prepare(targeted, tmp_path / "run").latency_limit == 5.0
