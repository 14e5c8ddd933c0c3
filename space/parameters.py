"""A search space's flat parameters (one categorical choice each, the form samplers take) and
their translation to and from `ArchConfig`: the one place where a DPC branch changes
vocabulary.

A config's branch is DeepLab's JSON: `{"op": "conv", "kernel": 3, "rate": [rh, rw], "input": i}`
(a 3x3 separable conv), `kernel: 1` (a 1x1 conv) or `{"op": "pyramid_pooling", "grid_size":
[g, g], "input": i}`. In a space, branch `i` is the parameters `dpc{i}_op` (one of
`BRANCH_OPS`), `dpc{i}_rate_h`, `dpc{i}_rate_w`, `dpc{i}_grid` and `dpc{i}_input`; a backbone
and its depth multiplier are one parameter, `backbone`, e.g. `shufflenet_v2-1.0`.
"""

from __future__ import annotations

from space.config import PAPER_DPC_BRANCHES, ArchConfig

BRANCH_OPS = ("sep3x3", "conv1x1", "pyramid_pooling")


def branch_op(branch: dict) -> str:
    """The space's name for the op of a config branch."""
    if branch["op"] == "pyramid_pooling":
        return "pyramid_pooling"
    return "sep3x3" if branch["kernel"] == 3 else "conv1x1"


def make_branch(op: str, rate=(1, 1), grid: int = 1) -> dict:
    """The config branch (without its input) of a space's branch op."""
    if op == "pyramid_pooling":
        return {"op": "pyramid_pooling", "grid_size": [grid, grid]}
    if op == "sep3x3":
        return {"op": "conv", "kernel": 3, "rate": list(rate)}
    return {"op": "conv", "kernel": 1, "rate": [1, 1]}


def branch_options(space) -> list[dict]:
    """Every branch (without its input) a space allows, as config branches."""
    options = []
    for op in space.dpc_ops:
        if op == "sep3x3":
            options += [make_branch(op, (rate_h, rate_w))
                        for rate_h in space.dpc_rates for rate_w in space.dpc_rates]
        elif op == "pyramid_pooling":
            options += [make_branch(op, grid=grid) for grid in space.dpc_grids]
        else:
            options.append(make_branch(op))
    return options


def choices(space) -> dict[str, list]:
    """Every flat parameter of `space` with its options."""
    params = {
        "backbone": [_backbone_choice(name, multiplier)
                     for name, multiplier in space.backbone_widths],
        "output_stride": list(space.output_strides),
        "head": list(space.heads),
        "decoder": list(space.decoders),
    }
    if "dpc" in space.heads:
        for index in range(space.dpc_num_branches):
            params.update({f"dpc{index}_op": list(space.dpc_ops),
                           f"dpc{index}_rate_h": list(space.dpc_rates),
                           f"dpc{index}_rate_w": list(space.dpc_rates),
                           f"dpc{index}_grid": list(space.dpc_grids),
                           f"dpc{index}_input": list(range(-1, index))})
    return params


def config_from_params(space, params: dict) -> ArchConfig:
    """The `ArchConfig` a set of flat parameters (one option per parameter) describes."""
    backbone, _, multiplier = str(params["backbone"]).rpartition("-")
    branches = []
    if params["head"] == "dpc":
        for index in range(space.dpc_num_branches):
            rate = (int(params[f"dpc{index}_rate_h"]), int(params[f"dpc{index}_rate_w"]))
            branch = make_branch(params[f"dpc{index}_op"], rate, int(params[f"dpc{index}_grid"]))
            branches.append({**branch, "input": int(params[f"dpc{index}_input"])})
    return ArchConfig(backbone=backbone, depth_multiplier=float(multiplier),
                      output_stride=int(params["output_stride"]), head=params["head"],
                      dpc_branches=branches, decoder=params["decoder"],
                      num_classes=space.num_classes, input_size=space.input_size)


def params_from_config(space, config: ArchConfig) -> dict:
    """The flat parameters of a config of `space`; DPC parameters a basic head leaves free are
    those of the paper's cell (or the space's first options)."""
    params = {"backbone": _backbone_choice(config.backbone, config.depth_multiplier),
              "output_stride": config.output_stride, "head": config.head,
              "decoder": config.decoder}
    if "dpc" not in space.heads:
        return params
    branches = config.dpc_branches if config.head == "dpc" else PAPER_DPC_BRANCHES
    for index, branch in enumerate(branches[:space.dpc_num_branches]):
        rate = branch.get("rate", [space.dpc_rates[0]] * 2)
        grid = branch.get("grid_size", [space.dpc_grids[0]])[0]
        params.update({
            f"dpc{index}_op": _in(branch_op(branch), space.dpc_ops),
            f"dpc{index}_rate_h": _in(rate[0], space.dpc_rates),
            f"dpc{index}_rate_w": _in(rate[1], space.dpc_rates),
            f"dpc{index}_grid": _in(grid, space.dpc_grids),
            f"dpc{index}_input": branch["input"],
        })
    return params


def _in(value, options):
    """`value` when it is one of `options`, else the first option."""
    return value if value in options else options[0]


def _backbone_choice(backbone: str, depth_multiplier: float) -> str:
    return f"{backbone}-{depth_multiplier}"
