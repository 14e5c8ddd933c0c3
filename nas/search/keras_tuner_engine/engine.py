"""`--engine keras-tuner` (`nas.search.engines`): the same space, trial function and run
folder, searched by keras-tuner's BayesianOptimization, Hyperband or RandomSearch on one scalar
score.

keras-tuner folds several objectives into a sum, so it optimises the MnasNet-style score
`miou * (latency / target) ** -0.07` (target: the first `--latency-target`, else the paper
preset's predicted latency). Trials run one at a time in this process; Hyperband's epochs are
evaluation intervals (each of its trials trains from scratch for that many intervals).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys

import keras_tuner

from mobile_seg_nas import UserInputError
from nas.search.budget import BUDGET_FILE, TimeBudget
from nas.search.engines import Search
from nas.search.options import SearchOptions
from nas.search.recorder import TrialRecorder
from nas.search.stopping import GracefulStop
from nas.search.trial import train_trial
from results.score import latency_score

log = logging.getLogger("nas.search")

PROJECT = "keras_tuner"
ORACLES = {
    "bayesian": keras_tuner.oracles.BayesianOptimizationOracle,
    "hyperband": keras_tuner.oracles.HyperbandOracle,
    "random": keras_tuner.oracles.RandomSearchOracle,
}


def check(search: Search, resume: bool) -> None:
    """Nothing this engine needs beyond what the driver checks (`--storage` is Ray's)."""


@contextlib.contextmanager
def session(options: SearchOptions):
    """Trials run in this process: Ctrl-C and SIGTERM stop the search as a KeyboardInterrupt."""
    with GracefulStop(ray_tune=False) as stop:
        yield stop


def trial_slots(options: SearchOptions) -> int:
    """One trial at a time."""
    return 1


def run(search: Search, resume: bool, stop: GracefulStop) -> TrialRecorder:
    """Runs (or, with `resume`, continues) a keras-tuner search to its budget, the failure
    limit or a signal (`stop`, a `GracefulStop`); returns the recorder of its trials."""
    options, settings = search.options, search.settings
    target = options.latency_target[0] if options.latency_target else _preset_latency(search)
    log.info(
        "keras-tuner %s on score = miou * (latency / %.2f ms) ** -0.07", options.algorithm, target
    )
    hyperparameters = keras_tuner.HyperParameters()
    keras_tuner_params(settings.space, hyperparameters)
    oracle_class = _first_values_oracle(ORACLES[options.algorithm])
    arguments = dict(
        objective=keras_tuner.Objective("score", "max"),
        seed=options.seed,
        hyperparameters=hyperparameters,
        max_consecutive_failed_trials=2**31,
    )
    if options.algorithm == "hyperband":
        arguments.update(max_epochs=options.evaluations_per_trial, hyperband_iterations=None)
    oracle = oracle_class(search.first_params, **arguments)
    oracle.max_trials = options.limit.trials
    with contextlib.redirect_stdout(sys.stderr):  # keras-tuner prints; stdout is for results
        tuner = SegmentationTuner(
            search,
            target,
            oracle=oracle,
            directory=str(search.run_dir),
            project_name=PROJECT,
            overwrite=not resume,
        )
        try:
            tuner.search(verbose=0)
        except KeyboardInterrupt:
            if stop.signal is None:
                raise
    return tuner.recorder


def _first_values_oracle(oracle_class):
    """`oracle_class` whose first trials use given values (the paper preset) instead of
    random ones; random values feed every keras-tuner oracle's first points."""

    class FirstValuesOracle(oracle_class):
        def __init__(self, first_values: list[dict], **kwargs):
            super().__init__(**kwargs)
            self.first_values = list(first_values)

        def _random_values(self):
            if len(self.trials) < len(self.first_values):
                return dict(self.first_values[len(self.trials)])
            return super()._random_values()

    return FirstValuesOracle


class SegmentationTuner(keras_tuner.Tuner):
    """Runs each trial with `train_trial`, records it in the run folder, and stops at the
    wall-clock budget (time spent before a restart included)."""

    def __init__(self, search, target_ms: float, **kwargs):
        self.search_setup = search
        self.target_ms = target_ms
        self.budget = TimeBudget(search.options.limit.seconds, search.run_dir / BUDGET_FILE)
        self.budget.stop_all()  # starts the clock
        self.recorder = TrialRecorder(
            search.run_dir,
            search.settings,
            search.presets,
            search.options.latency_target,
            budget=self.budget,
            score_target_ms=target_ms,
            failures=search.options.stop_after_failures,
            machine_speed=search.machine_speed,
        )
        self.recorder.load()
        super().__init__(**kwargs)

    def run_trial(self, trial, *args, **kwargs) -> dict:
        params = {
            name: value
            for name, value in trial.hyperparameters.values.items()
            if not name.startswith("tuner/")
        }
        settings = self.search_setup.settings
        epochs = trial.hyperparameters.values.get("tuner/epochs")
        if epochs:  # Hyperband: train for `epochs` evaluation intervals
            recipe = settings.recipe
            settings = dataclasses.replace(
                settings, recipe=dataclasses.replace(recipe, steps=int(epochs) * recipe.eval_every)
            )
        self.recorder.started(trial.trial_id, params)
        try:
            metrics = train_trial(params, settings, settings.trial_dir(trial.trial_id))
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM (GracefulStop)
            self.recorder.finished(trial.trial_id, params, "interrupted")
            raise
        except Exception as error:
            self.recorder.finished(
                trial.trial_id, params, "failed", error=f"{type(error).__name__}: {error}"
            )
            raise
        full = metrics["step"] >= self.search_setup.settings.recipe.steps
        status = "completed" if full else "early_stopped"
        self.recorder.finished(trial.trial_id, params, status, metrics)
        return {"score": latency_score(metrics["miou"], metrics["latency_ms"], self.target_ms)}

    def on_trial_end(self, trial):
        if self.budget.stop_all() or self.recorder.failures.tripped:
            self.oracle.max_trials = len(self.oracle.trials)  # the next create_trial stops
        super().on_trial_end(trial)


def _preset_latency(search) -> float:
    if not search.first_params:
        raise UserInputError(
            "--engine keras-tuner needs --latency-target MS when the paper "
            "preset is not in the search space"
        )
    return search.latency.predict(search.settings.config(search.first_params[0]))


def keras_tuner_params(space, hp) -> dict:
    """Declares every parameter as an `hp.Choice` and returns the chosen values (keras-tuner
    has no conditional parameters here: those a config does not use are ignored)."""
    return {name: hp.Choice(name, options) for name, options in space.choices().items()}
