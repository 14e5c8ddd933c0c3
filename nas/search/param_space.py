"""A `SearchSpace`'s flat parameters (`SearchSpace.choices()`) as each sampler wants them."""

from __future__ import annotations

from ray import tune


def ray_param_space(space) -> dict:
    """`tune.choice` per parameter (OptunaSearch turns these into categorical distributions)."""
    return {name: tune.choice(options) for name, options in space.choices().items()}


def keras_tuner_params(space, hp) -> dict:
    """Declares every parameter as an `hp.Choice` and returns the chosen values."""
    return {name: hp.Choice(name, options) for name, options in space.choices().items()}
