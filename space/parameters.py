"""A search space's parameters (one categorical choice each, the form samplers take) and their
translation to and from `ArchConfig`: the one place where a DPC branch changes vocabulary.

A config's branch is DeepLab's JSON: `{"op": "conv", "kernel": 3, "rate": [rh, rw], "input": i}`
(a 3x3 separable conv), `kernel: 1` (a 1x1 conv) or `{"op": "pyramid_pooling", "grid_size":
[g, g], "input": i}`. In a space, branch `i` is the parameters `dpc{i}_op` (one of
`BRANCH_OPS`), `dpc{i}_rate_h`, `dpc{i}_rate_w`, `dpc{i}_grid` and `dpc{i}_input`; a backbone
and its depth multiplier are one parameter, `backbone`, e.g. `shufflenet_v2-1.0`.

The space is conditional (`suggest`, define-by-run): DPC parameters exist only when the head is
DPC, a branch's rates only when it is a separable conv and its grid only when it pools.
"""

from __future__ import annotations

from space.config import ArchConfig

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
            options += [
                make_branch(op, (rate_h, rate_w))
                for rate_h in space.dpc_rates
                for rate_w in space.dpc_rates
            ]
        elif op == "pyramid_pooling":
            options += [make_branch(op, grid=grid) for grid in space.dpc_grids]
        else:
            options.append(make_branch(op))
    return options


def input_options(space, index: int) -> list[int]:
    """What DPC branch `index` may read: the backbone (-1), or also any earlier branch."""
    return [-1] if space.dpc_inputs == "backbone" else list(range(-1, index))


def suggest(space, ask) -> dict:
    """The parameters of one config of `space`, each asked as `ask(name, options)` in order,
    only those the earlier answers make exist: `ask` is e.g. an Optuna trial's
    `suggest_categorical` (define-by-run) or a random choice."""
    params = {name: ask(name, options) for name, options in _architecture_choices(space).items()}
    if params["head"] == "dpc":
        for index in range(space.dpc_num_branches):
            op = params[f"dpc{index}_op"] = ask(f"dpc{index}_op", list(space.dpc_ops))
            if op == "sep3x3":
                for axis in ("h", "w"):
                    name = f"dpc{index}_rate_{axis}"
                    params[name] = ask(name, list(space.dpc_rates))
            elif op == "pyramid_pooling":
                params[f"dpc{index}_grid"] = ask(f"dpc{index}_grid", list(space.dpc_grids))
            name = f"dpc{index}_input"
            params[name] = ask(name, input_options(space, index))
    return params


def _architecture_choices(space) -> dict[str, list]:
    return {
        "backbone": [
            _backbone_choice(name, multiplier) for name, multiplier in space.backbone_widths
        ],
        "output_stride": list(space.output_strides),
        "head": list(space.heads),
        "decoder": list(space.decoders),
    }


def choices(space) -> dict[str, list]:
    """Every parameter that may occur in `space`, with its options (the flat form, for samplers
    without conditional parameters: they ignore those a config does not use)."""
    params = _architecture_choices(space)
    if "dpc" in space.heads:
        for index in range(space.dpc_num_branches):
            params.update(
                {
                    f"dpc{index}_op": list(space.dpc_ops),
                    f"dpc{index}_rate_h": list(space.dpc_rates),
                    f"dpc{index}_rate_w": list(space.dpc_rates),
                    f"dpc{index}_grid": list(space.dpc_grids),
                    f"dpc{index}_input": input_options(space, index),
                }
            )
    return params


def config_from_params(space, params: dict) -> ArchConfig:
    """The `ArchConfig` a set of parameters describes (parameters it does not use, such as
    the rates of a pooling branch, may be present or not)."""
    backbone, _, multiplier = str(params["backbone"]).rpartition("-")
    branches = []
    if params["head"] == "dpc":
        for index in range(space.dpc_num_branches):
            rate = (
                int(params.get(f"dpc{index}_rate_h", 1)),
                int(params.get(f"dpc{index}_rate_w", 1)),
            )
            branch = make_branch(
                params[f"dpc{index}_op"], rate, int(params.get(f"dpc{index}_grid", 1))
            )
            branches.append({**branch, "input": int(params[f"dpc{index}_input"])})
    return ArchConfig(
        backbone=backbone,
        depth_multiplier=float(multiplier),
        output_stride=int(params["output_stride"]),
        head=params["head"],
        dpc_branches=branches,
        decoder=params["decoder"],
        num_classes=space.num_classes,
        input_size=space.input_size,
    )


def params_from_config(space, config: ArchConfig) -> dict:
    """The parameters of a config of `space`: those `suggest` would ask for it."""
    answers = {
        "backbone": _backbone_choice(config.backbone, config.depth_multiplier),
        "output_stride": config.output_stride,
        "head": config.head,
        "decoder": config.decoder,
    }
    for index, branch in enumerate(config.dpc_branches if config.head == "dpc" else ()):
        rate = branch.get("rate", [1, 1])
        answers.update(
            {
                f"dpc{index}_op": branch_op(branch),
                f"dpc{index}_rate_h": rate[0],
                f"dpc{index}_rate_w": rate[1],
                f"dpc{index}_grid": branch.get("grid_size", [1])[0],
                f"dpc{index}_input": branch["input"],
            }
        )
    return suggest(space, lambda name, options: answers[name])


def _backbone_choice(backbone: str, depth_multiplier: float) -> str:
    return f"{backbone}-{depth_multiplier}"
