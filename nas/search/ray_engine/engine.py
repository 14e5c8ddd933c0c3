"""The Ray Tune engine of a search (`nas.search.engines`): a local Ray or a cluster
(`cluster`), a multi-objective Optuna sampler (`nas.search.samplers`) behind the searcher
wrappers (`searchers`, `budget`), the staged scheduler (`scheduler`) or ASHA, the trainable
(`trainable`) and the callback that records the trials (`recorder`)."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import pickle

import optuna
from ray import tune
from ray.tune.schedulers import ASHAScheduler
from ray.tune.search.optuna import OptunaSearch

from mobile_seg_nas import UserInputError
from nas.search.artifacts import EXPERIMENT, TrialStore
from nas.search.budget import BUDGET_FILE
from nas.search.engines import Search
from nas.search.options import SearchOptions
from nas.search.param_space import OptunaSpace
from nas.search.ray_engine.budget import TimeStopper, TrialBudget
from nas.search.ray_engine.cluster import check_resources, ray_session, trial_slots
from nas.search.ray_engine.recorder import RayRecorder
from nas.search.ray_engine.scheduler import StagedScheduler
from nas.search.ray_engine.searchers import ReuseRepeats
from nas.search.ray_engine.trainable import run_trial
from nas.search.recorder import TrialRecorder
from nas.search.rungs import RUNGS_FILE
from nas.search.samplers import make_sampler
from nas.search.stopping import GracefulStop
from nas.search.trial import TrialSettings
from results.pareto import SEED_NOISE

__all__ = ["check", "run", "session", "trial_slots"]  # the engine interface
TUNER_STATE = "tuner.pkl"  # Ray Tune's pickled searcher, scheduler and run config


def check(search: Search, resume: bool) -> None:
    """The search's storage reachable and writable (for a new search, empty); with `resume`,
    a Ray Tune experiment there to restore."""
    store = _store(search)
    if search.options.storage is not None:
        store.check(new=not resume)
    if resume and not tune.Tuner.can_restore(store.experiment):
        raise UserInputError(
            f"--resume: {store.root} holds no Ray Tune experiment to restore "
            f"({EXPERIMENT}/ is missing or incomplete)"
        )
    if resume:
        _check_loadable(store)


def _check_loadable(store) -> None:
    """The experiment's pickled searcher, scheduler and callbacks load in this version (a
    search started before their modules moved cannot be restored by Ray Tune)."""
    filesystem, base = store.resolve(f"{EXPERIMENT}/{TUNER_STATE}")
    with filesystem.open_input_file(base) as file:
        state = file.readall()
    try:
        pickle.loads(state)
    except (ModuleNotFoundError, AttributeError) as error:
        raise UserInputError(
            f"--resume: {store.root} was started by an earlier version of this toolkit and its "
            f"Ray Tune state does not load here ({error}); its finished trials stay in "
            "trials.csv: start a new search with another --out"
        ) from None


@contextlib.contextmanager
def session(options: SearchOptions):
    """Ray, local or the cluster at `--address`, for the search's time, with its resources
    checked; Ctrl-C and SIGTERM end the experiment as Ray Tune's own Ctrl-C does."""
    with ray_session(options.address), GracefulStop(ray_tune=True) as stop:
        check_resources(options, local=not options.address)
        yield stop


def run(search: Search, resume: bool, stop: GracefulStop) -> TrialRecorder:
    """Runs the trials with Ray Tune: a multi-objective Optuna sampler (`nas.search.samplers`),
    optionally ASHA on mIOU; `Tuner.restore` continues a stopped or killed search. Returns
    the recorder of the trials."""
    _quiet_ray()
    options, settings = search.options, search.settings
    time_budget = TimeStopper(options.limit.seconds, search.run_dir.resolve() / BUDGET_FILE)
    recorder = TrialRecorder(
        search.run_dir.resolve(),
        settings,
        search.presets,
        options.latency_target,
        budget=time_budget,
        failures=options.stop_after_failures,
        machine_speed=search.machine_speed,
    )
    store = _store(search)
    trainable = tune.with_resources(
        tune.with_parameters(
            run_trial, settings=settings, store=store, finished=_finished(recorder, resume)
        ),
        {"cpu": options.cpus_per_trial, "gpu": options.gpus_per_trial},
    )
    callback = RayRecorder(recorder, stop, store)
    if resume:
        tuner = tune.Tuner.restore(
            store.experiment,
            trainable,
            resume_unfinished=True,
            resume_errored=False,
            restart_errored=False,
        )
        _attach(tuner, callback, time_budget)
    else:
        tuner = _new_tuner(search, store, trainable, callback, time_budget)
    tuner.fit()
    return recorder


def _store(search: Search) -> TrialStore:
    """Where Ray Tune keeps the search's experiment and the trials' checkpoints."""
    return TrialStore.of_search(search.options.storage, search.run_dir)


def _finished(recorder: TrialRecorder, resume: bool) -> dict[str, str]:
    """On resume, the trials that had finished, by id, with their final checkpoint: they
    report their stored result instead of training again."""
    if not resume:
        return {}
    recorder.load()
    return {
        trial_id: row["checkpoint"]
        for trial_id, row in recorder.rows.items()
        if row["status"] == "completed" and row["checkpoint"]
    }


def _new_tuner(search: Search, store: TrialStore, trainable, callback, time_budget):
    """A Ray Tune tuner for a new search: the searcher, the scheduler and the run settings."""
    options = search.options
    searcher = _searcher(search)
    scheduler = _scheduler(search, time_budget)
    return tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            search_alg=searcher,
            scheduler=scheduler,
            num_samples=-1,  # the budget ends the search
            max_concurrent_trials=trial_slots(options),
            reuse_actors=True,
        ),
        run_config=tune.RunConfig(
            name=EXPERIMENT,
            storage_path=store.root,
            verbose=0,
            stop=time_budget,
            callbacks=[callback],
            checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
            failure_config=tune.FailureConfig(max_failures=options.trial_retries),
        ),
    )


def _searcher(search: Search):
    """The Optuna searcher on mIOU and latency behind `ReuseRepeats`, and `TrialBudget` when
    the search has a trial limit."""
    options = search.options
    sampler = make_sampler(
        options.algorithm.removeprefix("asha-"), options.seed, options.expected_trials
    )
    space = OptunaSpace(
        search.settings.space, search.latency, (options.latency_target or (None,))[0]
    )
    searcher = ReuseRepeats(
        OptunaSearch(
            space=space,
            metric=["miou", "latency_ms"],
            mode=["max", "min"],
            sampler=sampler,
            points_to_evaluate=search.first_params,
        ),
        search.settings.space,
        search.run_dir.resolve(),
    )
    if options.limit.trials:
        searcher = TrialBudget(
            searcher, options.limit.trials, functools.partial(_will_train, space, search.settings)
        )
    return searcher


def _scheduler(search: Search, time_budget):
    """ASHA on mIOU (`asha-random`), the staged scheduler (a ladder of several rungs), or None."""
    options = search.options
    if options.algorithm == "asha-random":
        return ASHAScheduler(
            metric="miou",
            mode="max",
            time_attr="step",
            max_t=options.proxy_fidelity.steps,
            grace_period=options.eval_every,
            reduction_factor=2,
        )
    if len(options.ladder) > 1:
        return StagedScheduler(
            len(options.ladder),
            options.reduction_factor,
            SEED_NOISE,
            state_file=search.run_dir.resolve() / RUNGS_FILE,
            rung_pixels=[rung.pixels for rung in options.ladder],
            budget=time_budget,
            latency_limit=search.latency_limit,
        )
    return None


def _will_train(space: OptunaSpace, settings: TrialSettings, params: dict) -> bool:
    """Whether a trial of `params` trains (a staged search leaves configs slower than its
    latency limit untrained, but for the presets it always trains)."""
    limit = settings.latency_limit
    return (
        limit is None
        or settings.config(params).id in settings.always_trained
        or space.latency(params) <= limit
    )


def _attach(tuner, callback, time_budget) -> None:
    """A restored tuner runs the callbacks and stopper pickled with the experiment; the
    search's live ones replace them (Ray Tune has no public API for it, ray-project/ray#41364)."""
    run_config = tuner._local_tuner.get_run_config()
    run_config.callbacks, run_config.stop = [callback], time_budget


def _quiet_ray() -> None:
    """Ray Tune's console tables and per-trial loggers off (our progress lines and trial table
    replace them); experiment state saved every few seconds, so a kill loses little; Ctrl-C
    left to the search (`GracefulStop`)."""
    settings = {
        "RAY_AIR_NEW_OUTPUT": "0",
        "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1",
        "TUNE_GLOBAL_CHECKPOINT_S": "5",
        "TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S": "1e9",
    }
    for name, value in settings.items():
        os.environ.setdefault(name, value)
    os.environ["TUNE_DISABLE_SIGINT_HANDLER"] = "1"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("ray.tune").setLevel(logging.CRITICAL)
