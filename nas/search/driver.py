"""`nas search`: validate a search, run it on Ray Tune (local or a cluster) or keras-tuner,
stop it cleanly, resume it."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import logging
import os
from pathlib import Path

import optuna
from ray import tune
from ray.tune.schedulers import ASHAScheduler
from ray.tune.search.optuna import OptunaSearch

from common import UserInputError
from latency_models import LatencyModel, latency_breakdown, measurable_here
from latency_models.speed import describe_speed, drift_notice, speed_report
from nas.search.artifacts import EXPERIMENT
from nas.search.budget import BUDGET_FILE, TimeBudget, TrialBudget
from nas.search.cluster import check_resources, ray_session, trial_slots
from nas.search.lock import check_unlocked, run_lock
from nas.search.options import (SECONDS_PER_PIXEL, SearchOptions, format_duration,
                                read_search_options, write_search_options)
from nas.search.param_space import OptunaSpace
from nas.search.fidelity import format_ladder
from nas.search.samplers import make_sampler
from nas.search.scheduler import RUNGS_FILE, StagedScheduler
from nas.search.recorder import RayRecorder, TrialRecorder
from nas.search.repeats import ReuseRepeats
from nas.search.stopping import GracefulStop, RunFolderError, SearchStopped
from nas.search.trainable import TrialSettings, cache_backbone_features, run_trial
from results.pareto import REFERENCE_FACTOR, SEED_NOISE
from space import PAPER_PRESET, SearchSpace, get_preset
from trainers import load_dataset
from trainers.cell_proxy import CellProxy
from trainers.runs import WEIGHTS_FILE, RunFolder

log = logging.getLogger("nas.search")

PRESET = PAPER_PRESET


@dataclasses.dataclass
class Search:
    """A validated search: its options, run folder and the objects every engine needs."""

    options: SearchOptions
    run_dir: Path
    settings: TrialSettings
    presets: dict  # config id -> preset name
    first_params: list  # flat parameters evaluated before sampling (the paper preset)
    latency: LatencyModel  # the deployment's latency (device, size) the driver predicts with
    latency_limit: float | None = None  # the slowest latency a staged search trains and promotes
    machine_speed: dict | None = None  # now and at the table's start (a table of this machine)


def default_run_dir() -> Path:
    return Path("runs") / datetime.datetime.now().strftime("search-%Y%m%d-%H%M%S")


def prepare(options: SearchOptions, run_dir: Path, resume: bool = False) -> Search:
    """Validates every input (UserInputError on the first bad one) and returns the search;
    writes nothing. With `resume`, the options are read back from the run folder."""
    run_dir = Path(run_dir)
    check_unlocked(run_dir)
    if resume:
        options = dataclasses.replace(read_search_options(run_dir), address=options.address)
    elif run_dir.exists() and any(run_dir.iterdir()):
        raise UserInputError(f"--out {run_dir}: the folder exists and is not empty; "
                             "pass --resume to continue that search, or choose another --out")
    search = _validate(options, run_dir)
    if options.engine == "ray":
        if options.storage is not None:
            search.settings.store.check(new=not resume)
        if resume and not tune.Tuner.can_restore(search.settings.store.experiment):
            raise UserInputError(f"--resume: {search.settings.store.root} holds no Ray Tune "
                                 f"experiment to restore ({EXPERIMENT}/ is missing or "
                                 "incomplete)")
    return search


def run_search(options: SearchOptions, run_dir: Path, resume: bool = False) -> dict:
    """Runs (or resumes) a search to its budget; returns the run's summary. Raises
    SearchStopped when it stops before (a signal, trials failing in a row, a run folder that
    cannot be written), after writing what it has."""
    search = prepare(options, run_dir, resume)
    options = search.options
    ray_engine = options.engine == "ray"
    with (ray_session(options.address) if ray_engine else contextlib.nullcontext()), \
            GracefulStop(ray_tune=ray_engine) as stop:
        if ray_engine:
            check_resources(options, local=not options.address)
        with run_lock(run_dir):
            if not resume:
                write_search_options(options, run_dir)
            log.info("search %s: %s, %s on %s, budget %s, fidelities %s (HxW/steps/batch), "
                     "latency on %s at %s", run_dir, options.engine, options.algorithm,
                     options.data, options.limit, _fidelities(options),
                     options.device, "x".join(map(str, options.latency_input_size)))
            if search.machine_speed:
                log.info("latency speed: %s", describe_speed(search.machine_speed))
                if notice := drift_notice(search.machine_speed):
                    log.warning(notice)
            _log_estimate(options)
            if len(options.ladder) > 1 and search.latency_limit:
                log.info("only configs up to %.2f ms are trained and promoted",
                         search.latency_limit)
            recorder, summary = _run_engine(search, resume, stop)
    stopped = stop.interrupted(run_dir) or (
        recorder.failures.stopped(run_dir) if recorder.failures.tripped else None)
    if stopped:
        raise stopped
    log.info("search done: %d trials, front of %d, hypervolume %s; results in %s",
             summary["trials"], len(summary["front"]), summary["hypervolume"], run_dir)
    return summary


def _run_engine(search: Search, resume: bool, stop: GracefulStop) -> tuple[TrialRecorder, dict]:
    """Runs the search's engine and writes the run's report; returns the recorder of the
    trials and the summary. A run folder that cannot be written stops the search
    (SearchStopped)."""
    try:
        if search.options.engine == "keras-tuner":
            from nas.search.keras_tuner_engine import run_keras_tuner  # only when used

            recorder = run_keras_tuner(search, resume, stop)
        else:
            recorder = run_ray_tune(search, resume, stop)
        return recorder, recorder.write()
    except RunFolderError as error:
        raise SearchStopped(f"{error}; free some space and continue with "
                            f"`nas search --resume --out {search.run_dir}`") from None


def run_ray_tune(search: Search, resume: bool, stop: GracefulStop) -> TrialRecorder:
    """Runs the trials with Ray Tune: a multi-objective Optuna sampler (`nas.search.samplers`),
    optionally ASHA on mIOU; `Tuner.restore` continues a stopped or killed search. Returns
    the recorder of the trials."""
    _quiet_ray()
    options, settings = search.options, search.settings
    time_budget = TimeBudget(options.limit.seconds, search.run_dir.resolve() / BUDGET_FILE)
    recorder = TrialRecorder(search.run_dir.resolve(), settings, search.presets,
                             options.latency_target, budget=time_budget,
                             failures=options.stop_after_failures,
                             machine_speed=search.machine_speed)
    if resume:  # trials that finished report their stored result instead of training again
        recorder.load()
        settings = dataclasses.replace(settings, finished={
            trial_id: row["checkpoint"] for trial_id, row in recorder.rows.items()
            if row["status"] == "completed" and row["checkpoint"]})
    trainable = tune.with_resources(tune.with_parameters(run_trial, settings=settings),
                                    {"cpu": options.cpus_per_trial, "gpu": options.gpus_per_trial})
    callback = RayRecorder(recorder, stop)
    if resume:
        tuner = tune.Tuner.restore(settings.store.experiment, trainable, resume_unfinished=True,
                                   resume_errored=False, restart_errored=False)
        _attach(tuner, callback, time_budget)
    else:
        tuner = _new_tuner(search, trainable, callback, time_budget)
    tuner.fit()
    return recorder


def _new_tuner(search: Search, trainable, callback, time_budget):
    options = search.options
    sampler = make_sampler(options.algorithm.removeprefix("asha-"), options.seed,
                           options.expected_trials)
    space = OptunaSpace(search.settings.space, search.latency,
                        (options.latency_target or (None,))[0])
    searcher = ReuseRepeats(
        OptunaSearch(space=space, metric=["miou", "latency_ms"], mode=["max", "min"],
                     sampler=sampler, points_to_evaluate=search.first_params),
        search.settings.space, search.run_dir.resolve())
    if options.limit.trials:
        searcher = TrialBudget(searcher, options.limit.trials,
                               functools.partial(_will_train, space, search.settings))
    scheduler = None
    if options.algorithm == "asha-random":
        scheduler = ASHAScheduler(metric="miou", mode="max", time_attr="step",
                                  max_t=options.proxy_fidelity.steps,
                                  grace_period=options.eval_every, reduction_factor=2)
    elif len(options.ladder) > 1:
        scheduler = StagedScheduler(len(options.ladder), options.reduction_factor, SEED_NOISE,
                                    state_file=search.run_dir.resolve() / RUNGS_FILE,
                                    rung_pixels=[rung.pixels for rung in options.ladder],
                                    budget=time_budget, latency_limit=search.latency_limit)
    store = search.settings.store
    return tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(search_alg=searcher, scheduler=scheduler,
                                    num_samples=-1,  # the budget ends the search
                                    max_concurrent_trials=trial_slots(options),
                                    reuse_actors=True),
        run_config=tune.RunConfig(
            name=EXPERIMENT, storage_path=store.root, verbose=0, stop=time_budget,
            callbacks=[callback],
            checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
            failure_config=tune.FailureConfig(max_failures=options.trial_retries)))


def _will_train(space: OptunaSpace, settings: TrialSettings, params: dict) -> bool:
    """Whether a trial of `params` trains (a staged search leaves configs slower than its
    latency limit untrained, but for the presets it always trains)."""
    limit = settings.latency_limit
    return (limit is None or settings.config(params).id in settings.always_trained
            or space.latency(params) <= limit)


def _log_estimate(options: SearchOptions) -> None:
    """For a budget in trials, what it should cost on this machine, before it starts."""
    if not options.limit.trials:
        return
    slots = trial_slots(options) if options.engine == "ray" else 1
    log.info("budget %d trained networks, %d at a time: about %s on this machine (%.1f us "
             "per pixel trained per CPU, from benchmarks/proxy_fidelity.md)", options.limit.trials,
             slots, format_duration(options.estimated_seconds(slots)), SECONDS_PER_PIXEL * 1e6)


def _attach(tuner, callback, time_budget) -> None:
    """A restored tuner runs the callbacks and stopper pickled with the experiment; the
    search's live ones replace them (Ray Tune has no public API for it, ray-project/ray#41364)."""
    run_config = tuner._local_tuner.get_run_config()
    run_config.callbacks, run_config.stop = [callback], time_budget


def _quiet_ray() -> None:
    """Ray Tune's console tables and per-trial loggers off (our progress lines and trial table
    replace them); experiment state saved every few seconds, so a kill loses little; Ctrl-C
    left to the search (`GracefulStop`)."""
    settings = {"RAY_AIR_NEW_OUTPUT": "0", "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1",
                "TUNE_GLOBAL_CHECKPOINT_S": "5",
                "TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S": "1e9"}
    for name, value in settings.items():
        os.environ.setdefault(name, value)
    os.environ["TUNE_DISABLE_SIGINT_HANDLER"] = "1"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("ray.tune").setLevel(logging.CRITICAL)


def _validate(options: SearchOptions, run_dir: Path) -> Search:
    """The search of `options`: reads the space, dataset and latency table and checks that a
    trial can run with them (UserInputError on the first problem)."""
    space = SearchSpace() if options.space == "default" else SearchSpace.from_file(options.space)
    dataset = load_dataset(options.data)
    options, why = options.for_data(dataset)
    log.info("%s; proxy training %s (HxW[@scale]/steps/batch/lr)", why, options.proxy_fidelity)
    space = dataclasses.replace(space, num_classes=dataset.num_classes)
    if options.cell_proxy:
        space = _on_backbone_of(space, options.cell_proxy, dataset)
    latency = LatencyModel(options.device, options.latency_input_size)
    table = latency.table  # an unknown device fails here, before the space and data are checked
    deployed_space = space.at_size(options.latency_input_size, "--latency-input-size")
    settings = TrialSettings.from_options(options, space, run_dir)
    for split in (settings.recipe.train_split, settings.recipe.eval_split):
        dataset.check(split)
    preset = get_preset(PRESET).replace(input_size=list(settings.space.input_size),
                                        num_classes=space.num_classes)
    if preset in settings.space:
        params = settings.space.params_from_config(preset)
        presets, first_params = {settings.config(params).id: PRESET}, [params]
        # What the table lacks for it (blocks; for `host` on a new machine, its factors) is measured
        # here, once, rather than by trials running side by side.
        paper_ms = latency.predict(preset)
        log.info("%s: %.2f ms predicted on %s at %dx%d", PRESET, paper_ms, options.device,
                 *latency.input_size)
    else:
        log.warning("the %s preset is not in this search space: it will not be evaluated", PRESET)
        presets, first_params, paper_ms = {}, [], None
    _check_latency_table(table, deployed_space.config_from_params(first_params[0])
                         if first_params else deployed_space.sample(0))
    if settings.cell_proxy:  # once here, not by the first trials side by side
        cache_backbone_features(settings.cell_proxy, dataset)
    limit = _promotion_limit(options, paper_ms)
    if len(options.ladder) > 1:  # a staged search trains only what it could promote, and the
        # paper's network, which `nas export --pareto` always exports as the reference
        settings = dataclasses.replace(settings, latency_limit=limit,
                                       always_trained=frozenset(presets))
    return Search(options, run_dir, settings, presets, first_params, latency, limit,
                  speed_report(table))


def _promotion_limit(options: SearchOptions, paper_ms: float | None) -> float | None:
    """The slowest latency a staged search promotes: the latency target, else the
    hypervolume's reference latency (REFERENCE_FACTOR x the paper preset's); none without
    either."""
    if options.latency_target:
        return options.latency_target[0]
    return None if paper_ms is None else REFERENCE_FACTOR * paper_ms


def _on_backbone_of(space: SearchSpace, run: str, dataset) -> SearchSpace:
    """`space` with the backbone, output stride and (no) decoder of the trained `run`, whose
    backbone features a cell search trains heads on."""
    folder = RunFolder(run)
    try:
        config = folder.read_config()
    except UserInputError as error:
        raise UserInputError(f"--cell-proxy {error}") from None
    if not (folder.path / WEIGHTS_FILE).is_file():
        raise UserInputError(f"--cell-proxy {run}: no {WEIGHTS_FILE} (training not finished?)")
    if config.num_classes != dataset.num_classes:
        raise UserInputError(f"--cell-proxy {run}: trained for {config.num_classes} classes, "
                             f"the data has {dataset.num_classes}")
    return dataclasses.replace(space, backbones={config.backbone: [config.depth_multiplier]},
                               output_strides=(config.output_stride,), decoders=("none",))


def _fidelities(options: SearchOptions) -> str:
    if options.cell_proxy:
        proxy = CellProxy()
        return (f"heads on the features of {options.cell_proxy} at "
                f"{'x'.join(map(str, proxy.input_size))}/{proxy.steps}/{proxy.batch_size}")
    return format_ladder(options.ladder)


def _check_latency_table(table, config) -> None:
    """A table that cannot time missing blocks on this machine (a phone's) must hold the
    blocks of the deployment size: checked on one config (MissingEntries names them)."""
    if not measurable_here(table):
        latency_breakdown(config, table, measure_missing=False)
