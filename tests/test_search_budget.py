"""Search budget: parsing, and time spent surviving a restore."""

import pickle

import pytest

from mobile_seg_nas import UserInputError
from nas.search.budget import TimeBudget
from nas.search.options import Budget, SearchOptions, format_duration, parse_budget


@pytest.mark.parametrize(
    "text, budget",
    [
        ("40", Budget(trials=40)),
        ("90s", Budget(seconds=90)),
        ("30m", Budget(seconds=1800)),
        ("2h", Budget(seconds=7200)),
        ("1h30m", Budget(seconds=5400)),
        ("1.5m", Budget(seconds=90)),
        (" 5M ", Budget(seconds=300)),
    ],
)
def test_parse_budget(text, budget):
    assert parse_budget(text) == budget


@pytest.mark.parametrize("text", ["banana", "", "0", "-5", "10x", "m", "0s", "3 m"])
def test_bad_budget_is_one_clear_line(text):
    with pytest.raises(UserInputError, match="--budget") as error:
        parse_budget(text)
    assert "\n" not in str(error.value)


def test_time_budget_counts_time_across_a_restore(tmp_path):
    state_file = tmp_path / "budget.json"
    budget = TimeBudget(seconds=100, state_file=state_file)
    pickled = pickle.dumps(budget)  # as Ray stores it in tuner.pkl, before any time is spent
    assert not budget.stop_all()  # starts the clock
    budget.spent = 60.0
    budget.save()
    restored = pickle.loads(pickled)  # as `Tuner.restore` reads it back after a kill
    assert restored.remaining == pytest.approx(40.0)
    assert not restored.stop_all()
    restored.spent = 100.0
    assert restored.stop_all()
    restored.save()
    assert TimeBudget(seconds=100, state_file=state_file).spent == pytest.approx(100.0, abs=1)
    assert not TimeBudget(seconds=None, state_file=tmp_path / "none.json").stop_all()


def test_format_duration():
    assert [format_duration(s) for s in (5, 90, 3725)] == ["5s", "1m30s", "1h02m"]


def test_a_budget_in_trials_sizes_its_last_rung_as_a_time_budget_would():
    few = SearchOptions(budget="3")  # 3 x 52 s of 64x64 crops: a last rung of at most 52 s
    assert few.last_rung_seconds == pytest.approx(3 * 64 * 64 * 200 * 16 * 4e-6 / 3)
    assert few.ladder[-1].steps < 800 and few.ladder[-1].pixels >= few.ladder[0].pixels
    many = SearchOptions(budget="400")
    assert many.ladder[-1].steps == 800  # the whole reference fits
    estimate = few.estimated_seconds(slots=1)
    first_rungs = 3 * few.ladder[0].pixels * 4e-6
    assert estimate == pytest.approx(first_rungs + few.ladder[1].pixels * 4e-6)  # 1 of 3 climbs
    assert few.estimated_seconds(slots=2) == pytest.approx(estimate / 2)
