"""A search's trials as an Optuna study (`study.db`): both objectives, conditional parameters,
the latency constraint, and staying in step with the trial table."""

import json

import optuna
import pytest

from nas.search.study import STUDY_NAME, study_url, write_study
from results.table import as_table
from space import SearchSpace, get_preset

SPACE = SearchSpace(input_size=(64, 64), num_classes=19)


def row(trial_id, config, status, miou=None, latency_ms=None, error=""):
    data = config.to_dict()
    return {
        "trial_id": trial_id,
        "status": status,
        "preset": "",
        **data,
        "dpc_branches": json.dumps(data["dpc_branches"]) if config.head == "dpc" else "",
        "input_size": "64x64",
        "config_id": config.id,
        "miou": miou,
        "latency_ms": latency_ms,
        "error": error,
    }


def configs():
    basic = get_preset("paper-basic").replace(input_size=(64, 64))
    return (
        basic,
        get_preset("paper-dpc").replace(input_size=(64, 64)),
        basic.replace(depth_multiplier=0.5),
    )


def test_finished_trials_become_a_study_with_both_objectives_and_the_constraint(tmp_path):
    basic, dpc, small = configs()
    table = as_table(
        [
            row("a", basic, "completed", 0.50, 4.0),
            row("b", dpc, "completed", 0.55, 6.0),
            row("c", small, "failed", error="FloatingPointError: diverged"),
            row("d", small, "running"),
        ]
    )
    assert write_study(table, tmp_path, SPACE, latency_target=5.0) == 3

    study = optuna.load_study(study_name=STUDY_NAME, storage=study_url(tmp_path))
    assert study.directions == [
        optuna.study.StudyDirection.MAXIMIZE,
        optuna.study.StudyDirection.MINIMIZE,
    ]
    assert study.metric_names == ["miou", "latency_ms"]
    first, second, failed = study.trials
    assert first.values == [0.50, 4.0] and second.values == [0.55, 6.0]
    assert first.constraints == {"latency_ms": -1.0} and second.constraints == {"latency_ms": 1.0}
    assert "dpc0_op" not in first.params and second.params["dpc1_rate_h"] == 18
    assert failed.state == optuna.trial.TrialState.FAIL and "diverged" in failed.user_attrs["error"]
    assert [trial.number for trial in study.best_trials] == [0]  # b is over the target
    optuna.visualization.plot_pareto_front(study, target_names=["mIOU", "latency (ms)"])


def test_the_study_stays_in_step_with_the_table(tmp_path):
    basic, dpc, small = configs()
    table = as_table([row("a", basic, "completed", 0.5, 4.0), row("b", dpc, "running")])
    assert write_study(table, tmp_path, SPACE) == 1
    assert write_study(table, tmp_path, SPACE) == 0  # nothing twice
    table = as_table(
        [row("a", basic, "completed", 0.5, 4.0), row("b", dpc, "completed", 0.6, 6.0)]
    )  # after a restart
    assert write_study(table, tmp_path, SPACE) == 1
    trials = optuna.load_study(study_name=STUDY_NAME, storage=study_url(tmp_path)).trials
    assert [trial.user_attrs["trial_id"] for trial in trials] == ["a", "b"]
    assert all(not trial.constraints for trial in trials)  # no latency target, no constraint


def test_the_define_by_run_space_constrains_latency_for_the_sampler():
    import pickle

    from latency_models import LatencyModel
    from nas.search.param_space import OptunaSpace

    space = SearchSpace(input_size=(64, 64))  # the shipped table covers it at 224x224
    # the shipped table by name: `host` would first fit this machine's factors against it
    latency = LatencyModel("amd-epyc-2vcpu-2026-11-24", (224, 224))
    define = OptunaSpace(space, latency, latency_target=5.0)
    study = optuna.create_study(
        directions=["maximize", "minimize"], sampler=optuna.samplers.TPESampler(seed=0)
    )
    for _ in range(6):
        trial = study.ask()
        define(trial)
        latency = define.latency(trial.params)
        assert trial.constraints == {"latency_ms": pytest.approx(latency - 5.0)}
        study.tell(trial, [0.5, latency])
    again = pickle.loads(pickle.dumps(define))  # Ray Tune saves the searcher with it
    assert again.latency(trial.params) == pytest.approx(latency)
