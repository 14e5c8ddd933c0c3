"""Simulated searches against a surrogate (`Replay`): a sampler asks the search's own
define-by-run space and the surrogate answers with its mIOU plus seed noise; single-fidelity
(`simulate`), drawn inside the latency box, or staged (`staged`: the staged search's MO-ASHA
replayed at equal cost, or its peer, Syne Tune's, `benchmarks._syne_tune`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import optuna

from nas.search.param_space import CONSTRAINT
from nas.search.samplers import make_sampler
from nas.search.rungs import RungRecords
from results.pareto import hypervolume, nondominated_ranks
from space import SearchSpace

BUDGET_SIZED = ("nsga2",)  # samplers whose settings depend on the budget


BOXED = "+box"  # a sampler name with this suffix: constrained to the hypervolume's box


BOX_DRAW = "+box-draw"  # configs over the hypervolume's reference latency drawn again


STAGED = "+staged"  # the staged search (`staged`) with this sampler


SYNE_TUNE_MOASHA = "syne-tune-moasha"  # the staged search's peer (`benchmarks._syne_tune`)


REDUCTION_FACTOR = 3.0  # the staged search's default: the best third is promoted


MAX_DRAWS = 100  # configs over the reference latency in a row before a box draw gives up

REFERENCE_COST = 3.5  # a reference training in proxy trainings, where the table has no seconds


@dataclasses.dataclass(frozen=True)
class Replay:
    """What a simulated search runs against: `evaluate(params) -> (mIOU, latency)` on `space`
    (the proxy's mIOU), the hypervolume's reference latency and the seed noise added to each
    observed mIOU. With two fidelities, `reference(params) -> mIOU` at the reference (the truth
    a search is scored by; without it the proxy's mIOU is), its seed noise and the cost of one
    reference training in proxy trainings."""

    evaluate: Callable[[dict], tuple[float, float]]
    space: SearchSpace
    reference_ms: float
    noise_std: float
    reference: Callable[[dict], float] | None = None
    reference_noise_std: float = 0.0
    reference_cost: float = REFERENCE_COST

    def truth(self, params: dict, miou: float) -> float:
        """The mIOU a search's front is scored by, of a config of proxy mIOU `miou`."""
        return miou if self.reference is None else self.reference(params)


def sampler_of(method: str) -> str:
    """The Optuna sampler of a method (`tpe`, `random+box-draw`, `tpe-multivariate+staged`)."""
    return method.split("+")[0]


def _study(sampler_name: str, seed: int, budget: int) -> optuna.Study:
    return optuna.create_study(
        directions=["maximize", "minimize"], sampler=make_sampler(sampler_name, seed, budget)
    )


def draw(study: optuna.Study, replay: Replay, box: bool):
    """(trial, params, proxy mIOU, latency) of the next trial `study` asks for. With `box`, a
    config over the reference latency is not trained: the sampler is told mIOU 0, as a staged
    search's trial does (`nas.search.trial`), and the next one is asked."""
    for _ in range(MAX_DRAWS):
        trial = study.ask()
        params = replay.space.suggest(trial.suggest_categorical)
        miou, latency = replay.evaluate(params)
        if not box or latency <= replay.reference_ms:
            return trial, params, miou, latency
        study.tell(trial, [0.0, latency])
    raise RuntimeError(f"{MAX_DRAWS} configs in a row over {replay.reference_ms:.2f} ms")


def scored(observed: list, true: list, replay: Replay, **extra) -> dict:
    """The hypervolume of the front chosen on the `observed` (mIOU, latency) of the trials,
    computed with their `true` ones; that front's true points (`front`), and `extra`."""
    front = [true[i] for i in np.flatnonzero(nondominated_ranks(observed) == 0)]
    return {"hypervolume": hypervolume(front, replay.reference_ms), "front": front, **extra}


def simulate(sampler_name: str, replay: Replay, budgets, seed: int) -> dict:
    """One simulated single-fidelity search of max(budgets) trials; after each budget, `scored`
    on the noisy proxy mIOU observed and `Replay.truth`, with the share of the trials within
    the reference latency (`in_box`). A name ending in `BOXED` sets the latency constraint
    `latency - reference` on every trial, as `nas search --latency-target` does, at the
    hypervolume's reference latency; one ending in `BOX_DRAW` draws again a config over it
    before training (`draw`)."""
    rng = np.random.default_rng(seed)
    study = _study(sampler_of(sampler_name), seed, max(budgets))
    observed, true, in_box = [], [], 0
    result = {}
    for number in range(1, max(budgets) + 1):
        trial, params, miou, latency = draw(study, replay, sampler_name.endswith(BOX_DRAW))
        if sampler_name.endswith(BOXED):
            trial.set_constraint(CONSTRAINT, latency - replay.reference_ms)
        in_box += latency <= replay.reference_ms
        noisy = miou + rng.normal(0, replay.noise_std)
        study.tell(trial, [noisy, latency])
        observed.append((noisy, latency))
        true.append((replay.truth(params, miou), latency))
        if number in budgets:
            result[number] = scored(observed, true, replay, in_box=in_box / number)
    return result


class OptunaStages:
    """The staged search's own promotions, with an Optuna sampler: `next()` draws a config
    under the reference latency (`draw`), `promote(miou, latency)` tells the sampler its proxy
    result and ranks it among the proxy results so far (`RungRecords.decide`: the best
    1 / REDUCTION_FACTOR by non-dominated sorting, then crowding distance; no tie margin)."""

    def __init__(self, method: str, replay: Replay, budget: int, seed: int):
        self.replay, self.rungs = replay, RungRecords()
        self.study = _study(sampler_of(method), seed, budget)

    def next(self) -> tuple[dict, float, float]:
        """(params, proxy mIOU, latency) of the next config to train."""
        self.trial, params, miou, latency = draw(self.study, self.replay, box=True)
        return params, miou, latency

    def promote(self, miou: float, latency: float) -> bool:
        """Whether the last config drawn, of proxy result `miou`, `latency`, is promoted."""
        self.study.tell(self.trial, [miou, latency])
        return self.rungs.decide(
            str(self.trial.number),
            0,
            miou,
            latency,
            REDUCTION_FACTOR,
            0.0,
            self.replay.reference_ms,
        )


def stages_of(method: str, replay: Replay, budget: int, seed: int):
    """What decides a staged method's promotions: Syne Tune's MO-ASHA for its peer (drawing
    again over the box with `BOX_DRAW`), else the staged search's own (`OptunaStages`)."""
    if method.startswith(SYNE_TUNE_MOASHA):
        from benchmarks._syne_tune import SyneTuneStages  # which imports this module

        return SyneTuneStages(replay, seed, box=method.endswith(BOX_DRAW))
    return OptunaStages(method, replay, budget, seed)


def is_staged(method: str) -> bool:
    """Whether a method promotes to the reference (the staged search or its peer)."""
    return method.endswith(STAGED) or method.startswith(SYNE_TUNE_MOASHA)


def staged(method: str, replay: Replay, budget: int, seed: int) -> dict:
    """One simulated staged search costing at most `budget` proxy trainings, as `nas search`'s
    `StagedScheduler` runs it, simplified: each config drawn (`stages_of(method)`) is trained at
    the proxy and its noisy mIOU told; a promoted trial trains at the reference, for
    `Replay.reference_cost`, when the budget pays: it fits in what is left and the reference
    never spends more than the proxy has (`StagedScheduler._affordable`'s rule). `scored` on
    the promoted trials' noisy reference mIOU; `trained` and `promoted` count the trainings at
    each fidelity, `in_box` the share of the trained configs under the reference latency; the
    sampler is told the proxy results only."""
    rng = np.random.default_rng(seed)
    stages = stages_of(method, replay, budget, seed)
    observed, true, trained, in_box, cost = [], [], 0, 0, replay.reference_cost
    while trained + cost * len(true) + 1 <= budget:
        params, miou, latency = stages.next()
        noisy = miou + rng.normal(0, replay.noise_std)
        trained += 1
        in_box += latency <= replay.reference_ms
        promoted = stages.promote(noisy, latency)
        spent = cost * (len(true) + 1)
        if promoted and trained + spent <= budget and spent <= trained:
            truth = replay.truth(params, miou)
            observed.append((truth + rng.normal(0, replay.reference_noise_std), latency))
            true.append((truth, latency))
    return scored(
        observed, true, replay, in_box=in_box / trained, trained=trained, promoted=len(true)
    )


def sampler_curve(sampler_name: str, replay: Replay, budgets, seed: int) -> dict:
    """`simulate`'s results after each budget: one search of the largest budget, or, for a
    sampler sized to its budget (NSGA-II's population) and a staged search (whose promotions
    must fit in the budget), one search per budget, as `nas search` runs."""
    if is_staged(sampler_name):
        return {budget: staged(sampler_name, replay, budget, seed) for budget in budgets}
    if sampler_of(sampler_name) in BUDGET_SIZED:
        return {
            budget: simulate(sampler_name, replay, [budget], seed)[budget] for budget in budgets
        }
    return simulate(sampler_name, replay, budgets, seed)
