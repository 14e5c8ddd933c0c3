"""Search budget: parsing, and time spent surviving a restore."""

import pickle

import pytest

from common import UserInputError
from nas.search.budget import TimeBudget, budget_spent
from nas.search.options import Budget, format_duration, parse_budget


@pytest.mark.parametrize("text, budget", [
    ("40", Budget(trials=40)), ("90s", Budget(seconds=90)), ("30m", Budget(seconds=1800)),
    ("2h", Budget(seconds=7200)), ("1h30m", Budget(seconds=5400)), ("1.5m", Budget(seconds=90)),
    (" 5M ", Budget(seconds=300)),
])
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


def test_a_search_stopped_before_its_budget_has_not_spent_it(tmp_path):
    budget = TimeBudget(seconds=300, state_file=tmp_path / "budget.json")
    assert not budget_spent(tmp_path)  # no file yet
    for spent, done in ((120.0, False), (299.0, True), (300.5, True)):  # saved every 2 s
        budget.spent = spent
        budget.save()
        assert budget_spent(tmp_path) is done


def test_format_duration():
    assert [format_duration(s) for s in (5, 90, 3725)] == ["5s", "1m30s", "1h02m"]
