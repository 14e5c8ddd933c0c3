"""A `SearchSpace` as an Optuna sampler asks it: define-by-run, with the latency target as a
constraint (the Ray engine passes it to Ray Tune's `OptunaSearch`; keras-tuner declares its
flat choices itself, `nas.search.keras_tuner_engine`). Imports neither engine."""

from __future__ import annotations

from latency_models import LatencyModel

CONSTRAINT = "latency_ms"  # Optuna constraint: predicted latency - target (feasible when <= 0)


class OptunaSpace:
    """The define-by-run space of a search: asks an Optuna trial for the parameters a config
    uses (`SearchSpace.suggest`) and, with a latency target, sets the constraint
    `latency - target`, so that the sampler prefers configs under the target (Optuna 5's
    `Trial.set_constraint`). Picklable, as Ray Tune saves the searcher with the experiment
    (the latency model leaves its table behind)."""

    def __init__(self, space, latency_model: LatencyModel, latency_target: float | None):
        self.space, self.latency_model, self.latency_target = space, latency_model, latency_target

    def __call__(self, trial) -> None:
        params = self.space.suggest(trial.suggest_categorical)
        if self.latency_target:
            trial.set_constraint(CONSTRAINT, self.latency(params) - self.latency_target)

    def latency(self, params: dict) -> float:
        """Predicted latency (ms) of the config of `params` at the deployment size."""
        return self.latency_model.predict(self.space.config_from_params(params))
