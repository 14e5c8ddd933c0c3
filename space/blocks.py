"""Blocks: the units a network is planned in, built from, and timed by.

A block type is registered twice under one name: here with its `output_shape` (pure Python,
by the planners next to each architecture), and with its Keras builder in `space.builders`.
`plan_network` (see `space.network`) lists a config's blocks with their input shapes without
touching TensorFlow; `space.builders.build_model` turns the same list into Keras layers; the
latency tables key their entries by `Block.signature`. So a lookup table always describes the
network that is trained and exported.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

Shape = tuple  # (height, width, channels) or (height, width) for class-id maps

# block type name -> output_shape(*input_shapes, **params)
BLOCK_TYPES: dict[str, Callable[..., Shape]] = {}


def register_block(name: str, output_shape: Callable[..., Shape]) -> None:
    """Declares the block type `name` with the shape of its output."""
    BLOCK_TYPES[name] = output_shape


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
        params = {
            key: tuple(value) if isinstance(value, list) else value for key, value in params.items()
        }
        output_shape = tuple(BLOCK_TYPES[type_name](*input_shapes, **params))
        block = Block(
            name, type_name, inputs, input_shapes, output_shape, tuple(sorted(params.items()))
        )
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


def same_padding_size(size: int, stride: int) -> int:
    """Output length of a 'same'-padded conv or pool."""
    return math.ceil(size / stride)
