"""The Keras builder of each block type (`space.blocks`) and building a plan with them."""

from __future__ import annotations

from typing import Callable

import keras

from space.blocks import Block, NetworkPlan

# block type name -> build(inputs: list[KerasTensor], name: str, **params) -> KerasTensor
BUILDERS: dict[str, Callable] = {}


def builds(name: str):
    """Decorator registering the Keras builder of the block type `name`."""

    def register(build):
        BUILDERS[name] = build
        return build

    return register


def build_plan(plan: NetworkPlan, input_tensor):
    """Builds the planned blocks with Keras on `input_tensor`; returns the last output."""
    tensors = {plan.input_name: input_tensor}
    for block in plan.blocks:
        inputs = [tensors[source] for source in block.inputs]
        tensors[block.name] = BUILDERS[block.type](inputs, block.name, **block.kwargs)
    return tensors[plan.output]


def build_block_model(block: Block):
    """A standalone Keras model of one block (batch size 1), for profiling its latency."""
    inputs = [
        keras.Input(shape=shape, batch_size=1, name=f"input_{index}")
        for index, shape in enumerate(block.input_shapes)
    ]
    output = BUILDERS[block.type](list(inputs), block.name, **block.kwargs)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], output, name=block.type)
