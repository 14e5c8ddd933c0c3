"""Pareto front, hypervolume, summary and score on hand-made trial tables."""

import math

import numpy as np
import pytest

from results import (
    best_under_target,
    compare_fronts,
    dominates,
    hypervolume,
    latency_score,
    pareto_front,
    reference_latency,
    summarize,
)
from results.pareto import crowding_distances, nondominated_ranks, pareto_order, ties_with_front
from results.table import as_table


def trial(
    trial_id,
    miou,
    latency_ms,
    status="completed",
    preset="",
    head="basic",
    backbone="shufflenet_v2",
):
    return {
        "trial_id": trial_id,
        "status": status,
        "preset": preset,
        "head": head,
        "backbone": backbone,
        "depth_multiplier": 1.0,
        "output_stride": 16,
        "decoder": "none",
        "config_id": f"c{trial_id}",
        "miou": miou,
        "latency_ms": latency_ms,
        "gflops": 0.5,
        "params": 1000,
    }


@pytest.fixture
def table():
    return as_table(
        [
            trial("a", 0.50, 10.0, preset="paper-dpc", head="dpc"),
            trial("b", 0.40, 5.0),  # front: fastest
            trial("c", 0.45, 12.0),  # dominated by a (worse and slower)
            trial("d", 0.60, 20.0, head="dpc"),  # front: most accurate
            trial("e", 0.50, 10.0),  # equal to a: neither dominates, both on the front
            trial("f", 0.90, 1.0, status="failed"),  # not completed: ignored
            trial("g", 0.95, 2.0, status="early_stopped"),  # stopped by ASHA: ignored
            trial("h", math.nan, 3.0),  # no mIOU: ignored
        ]
    )


def test_dominates():
    assert dominates((0.5, 10.0), (0.4, 10.0))
    assert dominates((0.5, 9.0), (0.5, 10.0))
    assert not dominates((0.5, 10.0), (0.5, 10.0))
    assert not dominates((0.6, 11.0), (0.5, 10.0))


def test_front_is_exactly_the_non_dominated_completed_trials(table):
    front = pareto_front(table)
    assert list(front["trial_id"]) == ["b", "a", "e", "d"]  # fastest first
    done = table[table["status"] == "completed"].dropna(subset=["miou"])
    for _, row in done.iterrows():
        dominated = any(
            dominates((other.miou, other.latency_ms), (row.miou, row.latency_ms))
            for other in done.itertuples()
        )
        assert dominated == (row.trial_id not in set(front["trial_id"]))


def test_hypervolume_by_hand(table):
    # Reference (mIOU 0, 30 ms): staircase 0.4 x (10-5) + 0.5 x (20-10) + 0.6 x (30-20).
    assert hypervolume(pareto_front(table), 30.0) == pytest.approx(2.0 + 5.0 + 6.0)
    # Points at or beyond the reference latency add nothing.
    assert hypervolume(pareto_front(table), 10.0) == pytest.approx(0.4 * 5.0)
    assert hypervolume(pareto_front(table).iloc[:0], 10.0) == 0.0


def test_hypervolume_of_plain_points_and_of_dominated_ones():
    assert hypervolume([(0.4, 5.0), (0.6, 20.0)], 30.0) == pytest.approx(0.4 * 15 + 0.6 * 10)
    # a dominated point adds nothing: the area is the union of the points' boxes
    assert hypervolume([(0.4, 5.0), (0.3, 10.0), (0.6, 20.0)], 30.0) == pytest.approx(12.0)


def test_nondominated_sorting_peels_fronts():
    points = [(0.6, 20.0), (0.4, 5.0), (0.45, 12.0), (0.5, 10.0), (0.3, 12.0)]
    assert list(nondominated_ranks(points)) == [0, 0, 1, 0, 2]


def test_crowding_distance_prefers_isolated_points_and_keeps_the_extremes():
    points = [(0.1, 1.0), (0.2, 2.0), (0.3, 3.0), (0.31, 3.1), (0.5, 5.0)]
    distances = crowding_distances(points)
    assert np.isinf(distances[0]) and np.isinf(distances[4])
    assert distances[1] == pytest.approx(1.0) and distances[3] == pytest.approx(1.0)
    assert distances[2] == pytest.approx(0.55)  # (0.3, 3) sits close to (0.31, 3.1)


def test_pareto_order_ranks_by_front_then_crowding():
    points = [(0.30, 12.0), (0.1, 1.0), (0.2, 2.0), (0.3, 3.0), (0.31, 3.1), (0.5, 5.0)]
    # rank 0: the five on the staircase, extremes first, the crowded (0.3, 3) last; then the
    # dominated (0.30, 12)
    assert list(pareto_order(points)) == [1, 5, 2, 4, 3, 0]


def test_trials_dominated_by_less_than_the_seed_noise_tie_with_the_front(table):
    # c (0.45, 12 ms) is dominated by a and e (0.50, 10 ms): by 0.05 in mIOU
    assert ties_with_front(table, noise=0.01) == []
    (tie,) = ties_with_front(table, noise=0.06)
    assert tie["trial_id"] == "c" and tie["tied_with"] in ("a", "e")
    assert tie["miou_difference"] == pytest.approx(0.05)
    assert summarize(table, seed_noise=0.06)["ties"] == [tie]


def staged(trial_id, latency_ms, *rung_mious):
    """A trial of a staged search that trained the given rungs."""
    return {
        **trial(trial_id, rung_mious[-1], latency_ms),
        "fidelity": len(rung_mious) - 1,
        **{f"miou_rung{rung}": miou for rung, miou in enumerate(rung_mious)},
    }


def test_a_staged_front_compares_each_trial_with_the_others_at_its_own_highest_rung():
    # A finalist's mIOU after the longer training says nothing against a trial that never
    # climbed: "fast" keeps its place although the finalist's 0.55 would dominate its 0.30.
    # Nor does a first-rung result unseat a trial that climbed: "late" beats the finalist's
    # first rung, but the finalist stays.
    table = as_table(
        [
            staged("fast", 5.0, 0.30),
            staged("finalist", 4.0, 0.25, 0.55),
            staged("slow", 6.0, 0.20),  # beaten at the first rung by all three above
            staged("rival", 4.5, 0.28, 0.50),  # beaten at the second rung by the finalist
            staged("late", 3.9, 0.26),
        ]
    )
    assert list(pareto_front(table)["trial_id"]) == ["late", "finalist", "fast"]
    ties = ties_with_front(table, noise=0.06)  # each tie named by its closest front member
    assert [(tie["trial_id"], tie["tied_with"]) for tie in ties] == [
        ("slow", "finalist"),
        ("rival", "finalist"),
    ]
    assert [tie["miou_difference"] for tie in ties] == pytest.approx([0.05, 0.05])


def test_a_trial_beaten_only_off_the_front_ties_with_the_trial_that_beat_it():
    table = as_table(
        [
            staged("first", 6.0, 0.30),
            staged("second", 5.0, 0.32, 0.50),  # beats "first" at the first rung
            staged("third", 4.0, 0.29, 0.55),  # beats "second" at the second rung, not "first"
        ]
    )
    assert list(pareto_front(table)["trial_id"]) == ["third"]
    (tie,) = ties_with_front(table, noise=0.03)  # "second" is 0.05 behind "third": no tie
    assert (tie["trial_id"], tie["tied_with"]) == ("first", "second")
    assert tie["miou_difference"] == pytest.approx(0.02)


def test_reference_point_is_twice_the_paper_latency(table):
    assert reference_latency(table) == pytest.approx(20.0)
    without_preset = table.assign(preset="")
    assert reference_latency(without_preset) == pytest.approx(40.0)  # 2 x slowest completed


def test_summary(table):
    summary = summarize(table, latency_targets=[6.0, 15.0, 1.0])
    assert summary["trials"] == 8
    assert summary["by_status"]["completed"] == 6
    assert summary["by_status"]["failed"] == 1
    assert summary["best"]["trial_id"] == "d"
    assert summary["paper"]["trial_id"] == "a"
    assert [trial["trial_id"] for trial in summary["front"]] == ["b", "a", "e", "d"]
    assert summary["hypervolume_reference"]["latency_ms"] == pytest.approx(20.0)
    assert summary["hypervolume"] == pytest.approx(0.4 * 5 + 0.5 * 10)
    assert summary["best_under_target"]["6"]["trial_id"] == "b"
    assert summary["best_under_target"]["15"]["miou"] == pytest.approx(0.5)
    assert summary["best_under_target"]["1"] is None
    assert best_under_target(table, 100.0)["trial_id"] == "d"


def test_mnasnet_score():
    assert latency_score(0.5, 10.0, 10.0) == pytest.approx(0.5)
    assert latency_score(0.5, 20.0, 10.0) == pytest.approx(0.5 * 2**-0.07)
    assert latency_score(0.5, 5.0, 10.0, weight=None) == pytest.approx(0.5)  # hard: free under
    assert latency_score(0.5, 20.0, 10.0, weight=None) == pytest.approx(0.25)


def test_compare_fronts_uses_one_reference(table):
    faster = table.assign(latency_ms=table["latency_ms"] / 2)
    comparison = compare_fronts({"slow": table, "fast": faster})
    assert comparison["reference_latency_ms"] == pytest.approx(20.0)  # the larger of 20 and 10
    slow, fast = comparison["runs"]
    assert slow["front"] == fast["front"] == 4
    assert fast["hypervolume"] > slow["hypervolume"]
