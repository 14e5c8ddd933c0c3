"""Blocks: the units a network is planned in, built from, and timed by.

A block type is registered once with two functions: `output_shape` (pure Python) and `build`
(Keras). `plan_network` (see `space.network`) lists a config's blocks with their input shapes
without touching TensorFlow; `build_model` turns the same list into Keras layers; the latency
tables key their entries by `Block.signature`. So a lookup table always describes the network
that is trained and exported.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

Shape = tuple  # (height, width, channels) or (height, width) for class-id maps


@dataclasses.dataclass(frozen=True)
class BlockType:
    name: str
    output_shape: Callable[..., Shape]
    build: Callable  # build(inputs: list[KerasTensor], name: str, **params) -> KerasTensor


BLOCK_TYPES: dict[str, BlockType] = {}


def register_block(name: str, output_shape: Callable[..., Shape]):
    """Decorator registering a Keras block builder under `name`."""

    def decorate(build):
        BLOCK_TYPES[name] = BlockType(name, output_shape, build)
        return build

    return decorate


@dataclasses.dataclass(frozen=True)
class Block:
    """One block of a planned network: what it is, what it reads, and its shapes."""

    name: str
    type: str
    inputs: tuple  # names of the blocks it reads ("image" is the network input)
    input_shapes: tuple
    output_shape: Shape
    params: tuple  # sorted (key, value) pairs

    @property
    def kwargs(self) -> dict:
        return dict(self.params)

    @property
    def signature(self) -> str:
        """The latency-table key: block type, every input shape and every cost parameter."""
        shapes = "+".join("x".join(str(size) for size in shape) for shape in self.input_shapes)
        params = "-".join(f"{key}:{_format(value)}" for key, value in self.params)
        return f"{self.type}-input:{shapes}" + (f"-{params}" if params else "")


def _format(value) -> str:
    if isinstance(value, (list, tuple)):
        return "x".join(str(item) for item in value)
    return str(value)


class NetworkPlan:
    """An ordered list of blocks, built up by the backbone, head and decoder planners."""

    def __init__(self, input_shape: Shape, input_name: str = "image"):
        self.input_name = input_name
        self.input_shape = tuple(input_shape)
        self.blocks: list[Block] = []
        self._shapes = {input_name: self.input_shape}

    def add(self, type_name: str, name: str, inputs, **params) -> str:
        """Appends a block reading `inputs` (block names); returns its name."""
        inputs = (inputs,) if isinstance(inputs, str) else tuple(inputs)
        input_shapes = tuple(self._shapes[source] for source in inputs)
        params = {key: tuple(value) if isinstance(value, list) else value
                  for key, value in params.items()}
        output_shape = tuple(BLOCK_TYPES[type_name].output_shape(*input_shapes, **params))
        block = Block(name, type_name, inputs, input_shapes, output_shape,
                      tuple(sorted(params.items())))
        if name in self._shapes:
            raise ValueError(f"block name {name!r} used twice")
        self.blocks.append(block)
        self._shapes[name] = output_shape
        return name

    def shape(self, name: str) -> Shape:
        return self._shapes[name]

    @property
    def output(self) -> str:
        return self.blocks[-1].name

    def build(self, input_tensor):
        """Builds the planned blocks with Keras on `input_tensor`; returns the last output."""
        tensors = {self.input_name: input_tensor}
        for block in self.blocks:
            inputs = [tensors[source] for source in block.inputs]
            tensors[block.name] = BLOCK_TYPES[block.type].build(inputs, block.name, **block.kwargs)
        return tensors[self.output]


def build_block_model(block: Block):
    """A standalone Keras model of one block (batch size 1), for profiling its latency."""
    import keras

    inputs = [keras.Input(shape=shape, batch_size=1, name=f"input_{index}")
              for index, shape in enumerate(block.input_shapes)]
    output = BLOCK_TYPES[block.type].build(list(inputs), block.name, **block.kwargs)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], output, name=block.type)


def same_padding_size(size: int, stride: int) -> int:
    """Output length of a 'same'-padded conv or pool."""
    return math.ceil(size / stride)
