"""`nas search`: set up a run folder, run the search on Ray Tune (or keras-tuner), resume it."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import logging
import os
from pathlib import Path

import optuna
import ray
from ray import tune
from ray.tune.schedulers import ASHAScheduler
from ray.tune.search.optuna import OptunaSearch

from common import UserInputError
from latency_models import load_table, predict_latency
from nas.search.budget import BUDGET_FILE, TimeBudget
from nas.search.options import SearchOptions, read_search_options, write_search_options
from nas.search.param_space import OptunaSpace
from nas.search.recorder import RayRecorder, TrialRecorder
from nas.search.trainable import TrialSettings, run_trial
from results import read_trials, write_run_report
from space import SearchSpace, get_preset
from trainers import load_dataset

log = logging.getLogger("nas.search")

RAY_EXPERIMENT = "ray"
PRESET = "paper-dpc"


@dataclasses.dataclass
class Search:
    """A validated search: its options, run folder and the objects every engine needs."""

    options: SearchOptions
    run_dir: Path
    settings: TrialSettings
    presets: dict  # config id -> preset name
    first_params: list  # flat parameters evaluated before sampling (the paper preset)


def default_run_dir() -> Path:
    return Path("runs") / datetime.datetime.now().strftime("search-%Y%m%d-%H%M%S")


def prepare(options: SearchOptions, run_dir: Path, resume: bool = False) -> Search:
    """Validates every input (UserInputError on the first bad one) before anything is written;
    creates the run folder and `search.json`, or reads them back with `resume`."""
    run_dir = Path(run_dir)
    if resume:
        options = dataclasses.replace(read_search_options(run_dir), address=options.address)
    elif run_dir.exists() and any(run_dir.iterdir()):
        raise UserInputError(f"--out {run_dir}: the folder exists and is not empty; "
                             "pass --resume to continue that search, or choose another --out")
    search = _validate(options, run_dir)
    if not resume:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_search_options(options, run_dir)
    return search


def run_search(options: SearchOptions, run_dir: Path, resume: bool = False) -> dict:
    """Runs (or resumes) a search to its budget; returns the run's summary."""
    search = prepare(options, run_dir, resume)
    log.info("search %s: %s, %s on %s, budget %s, proxy %s for %d steps, latency on %s at %s",
             run_dir, search.options.engine, search.options.algorithm, search.options.data,
             search.options.limit, search.options.input_size, search.options.steps_per_trial,
             search.options.device, search.options.latency_input_size)
    if search.options.engine == "keras-tuner":
        from nas.search.keras_tuner_engine import run_keras_tuner  # keras-tuner only when used

        run_keras_tuner(search, resume)
    else:
        run_ray_tune(search, resume)
    summary = write_run_report(run_dir, read_trials(run_dir), list(search.options.latency_target))
    log.info("search done: %d trials, front of %d, hypervolume %s; results in %s",
             summary["trials"], len(summary["front"]), summary["hypervolume"], run_dir)
    return summary


def run_ray_tune(search: Search, resume: bool) -> None:
    """Runs the trials with Ray Tune: multi-objective Optuna (NSGA-II or random sampling),
    optionally ASHA on mIOU; `Tuner.restore` continues a killed search."""
    _quiet_ray()
    options = search.options
    trainable = tune.with_resources(tune.with_parameters(run_trial, settings=search.settings),
                                    {"cpu": options.cpus_per_trial, "gpu": options.gpus_per_trial})
    experiment = str((search.run_dir / RAY_EXPERIMENT).resolve())
    with ray_session(options.address):
        if resume:
            if not tune.Tuner.can_restore(experiment):
                raise UserInputError(f"--resume: {search.run_dir} holds no Ray Tune experiment "
                                     f"to restore ({RAY_EXPERIMENT}/ is missing or incomplete)")
            tuner = tune.Tuner.restore(experiment, trainable, resume_unfinished=True,
                                       resume_errored=False, restart_errored=False)
        else:
            tuner = _new_tuner(search, trainable)
        tuner.fit()


def _new_tuner(search: Search, trainable):
    options = search.options
    sampler = (optuna.samplers.NSGAIISampler(seed=options.seed) if options.algorithm == "nsga2"
               else optuna.samplers.RandomSampler(seed=options.seed))
    space = OptunaSpace(search.settings.space, options.device, options.latency_input_size,
                        (options.latency_target or (None,))[0])
    searcher = OptunaSearch(space=space, metric=["miou", "latency_ms"], mode=["max", "min"],
                            sampler=sampler, points_to_evaluate=search.first_params)
    scheduler = None
    if options.algorithm == "asha-random":
        scheduler = ASHAScheduler(metric="miou", mode="max", time_attr="step",
                                  max_t=options.steps_per_trial,
                                  grace_period=options.eval_every, reduction_factor=2)
    slots = max(1, int(ray.cluster_resources().get("CPU", 1) // options.cpus_per_trial))
    time_budget = TimeBudget(options.limit.seconds, search.run_dir.resolve() / BUDGET_FILE)
    recorder = TrialRecorder(search.run_dir.resolve(), search.settings, search.presets,
                             options.latency_target, budget=time_budget)
    return tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(search_alg=searcher, scheduler=scheduler,
                                    num_samples=options.limit.trials or -1,
                                    max_concurrent_trials=slots, reuse_actors=True),
        run_config=tune.RunConfig(name=RAY_EXPERIMENT, storage_path=str(search.run_dir.resolve()),
                                  verbose=0, stop=time_budget, callbacks=[RayRecorder(recorder)],
                                  failure_config=tune.FailureConfig(max_failures=0)))


def _quiet_ray() -> None:
    """Ray Tune's console tables and per-trial loggers off (our progress lines and trial table
    replace them); experiment state saved every few seconds, so a kill loses little."""
    settings = {"RAY_AIR_NEW_OUTPUT": "0", "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1",
                "TUNE_GLOBAL_CHECKPOINT_S": "5",
                "TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S": "1e9"}
    for name, value in settings.items():
        os.environ.setdefault(name, value)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("ray.tune").setLevel(logging.CRITICAL)


@contextlib.contextmanager
def ray_session(address: str | None):
    """Connects to the cluster at `address`, or starts a quiet local Ray of its own with this
    machine's cores (never a cluster that `ray start` left running); a Ray already initialised
    in this process (e.g. by tests) is used as it is."""
    if ray.is_initialized():
        yield
        return
    local = {} if address else {"num_cpus": os.cpu_count(), "object_store_memory": 200 * 2**20}
    try:
        ray.init(address=address or "local", include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR, **local)
    except ConnectionError as error:
        raise UserInputError(f"--address {address}: cannot connect to Ray ({error})") from None
    try:
        yield
    finally:
        ray.shutdown()


def _validate(options: SearchOptions, run_dir: Path) -> Search:
    """The search of `options`: reads the space, dataset and latency table (each may raise)."""
    space = SearchSpace() if options.space == "default" else SearchSpace.from_file(options.space)
    space = dataclasses.replace(space, num_classes=load_dataset(options.data).num_classes)
    table = load_table(options.device)
    settings = TrialSettings.from_options(options, space, run_dir)
    preset = get_preset(PRESET).replace(input_size=list(settings.space.input_size),
                                        num_classes=space.num_classes)
    if preset in settings.space:
        params = settings.space.params_from_config(preset)
        presets, first_params = {settings.config(params).id: PRESET}, [params]
        # What the table lacks for it (blocks; for `host`, this machine's factors) is measured
        # here, once, rather than by trials running side by side.
        deployed = preset.replace(input_size=list(settings.latency_input_size))
        log.info("%s: %.2f ms predicted on %s at %dx%d", PRESET,
                 predict_latency(deployed, table), options.device, *deployed.input_size)
    else:
        log.warning("the %s preset is not in this search space: it will not be evaluated", PRESET)
        presets, first_params = {}, []
    return Search(options, run_dir, settings, presets, first_params)
