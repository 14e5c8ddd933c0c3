"""`nas search`: validate a search, run it on its engine (`nas.search.engines`: Ray Tune, local
or a cluster, or keras-tuner), stop it cleanly, resume it. Engine-free: the engine is loaded
when a search uses it."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from pathlib import Path

from mobile_seg_nas import UserInputError
from latency_models import LatencyModel, latency_breakdown, measurable_here
from latency_models.speed import describe_speed, drift_notice, speed_report
from nas.search.engines import Engine, Search, load_engine
from nas.search.fidelity import format_ladder
from nas.search.lock import check_unlocked, run_lock
from nas.search.options import (
    SECONDS_PER_PIXEL,
    SearchOptions,
    format_duration,
    read_search_options,
    write_search_options,
)
from nas.search.recorder import TrialRecorder
from nas.search.stopping import GracefulStop, RunFolderError, SearchStopped
from nas.search.trial import TrialSettings, cache_backbone_features
from results.pareto import REFERENCE_FACTOR
from space import PAPER_PRESET, SearchSpace, get_preset
from trainers import load_dataset
from trainers.cell_proxy import CellProxy
from trainers.runs import WEIGHTS_FILE, RunFolder

log = logging.getLogger("nas.search")

PRESET = PAPER_PRESET


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
        raise UserInputError(
            f"--out {run_dir}: the folder exists and is not empty; "
            "pass --resume to continue that search, or choose another --out"
        )
    search = _validate(options, run_dir)
    load_engine(options.engine).check(search, resume)
    return search


def run_search(options: SearchOptions, run_dir: Path, resume: bool = False) -> dict:
    """Runs (or resumes) a search to its budget; returns the run's summary. Raises
    SearchStopped when it stops before (a signal, trials failing in a row, a run folder that
    cannot be written), after writing what it has."""
    search = prepare(options, run_dir, resume)
    options = search.options
    engine = load_engine(options.engine)
    with engine.session(options) as stop:
        with run_lock(run_dir):
            if not resume:
                write_search_options(options, run_dir)
            log.info(
                "search %s: %s, %s on %s, budget %s, fidelities %s (HxW/steps/batch), "
                "latency on %s at %s",
                run_dir,
                options.engine,
                options.algorithm,
                options.data,
                options.limit,
                _fidelities(options),
                options.device,
                "x".join(map(str, options.latency_input_size)),
            )
            if search.machine_speed:
                log.info("latency speed: %s", describe_speed(search.machine_speed))
                if notice := drift_notice(search.machine_speed):
                    log.warning(notice)
            _log_estimate(options, engine)
            if len(options.ladder) > 1 and search.latency_limit:
                log.info(
                    "only configs up to %.2f ms are trained and promoted", search.latency_limit
                )
            recorder, summary = _run_engine(engine, search, resume, stop)
    stopped = stop.interrupted(run_dir) or (
        recorder.failures.stopped(run_dir) if recorder.failures.tripped else None
    )
    if stopped:
        raise stopped
    log.info(
        "search done: %d trials, front of %d, hypervolume %s; results in %s",
        summary["trials"],
        len(summary["front"]),
        summary["hypervolume"],
        run_dir,
    )
    return summary


def _run_engine(
    engine: Engine, search: Search, resume: bool, stop: GracefulStop
) -> tuple[TrialRecorder, dict]:
    """Runs the search's engine and writes the run's report; returns the recorder of the
    trials and the summary. A run folder that cannot be written stops the search
    (SearchStopped)."""
    try:
        recorder = engine.run(search, resume, stop)
        return recorder, recorder.write()
    except RunFolderError as error:
        raise SearchStopped(
            f"{error}; free some space and continue with "
            f"`nas search --resume --out {search.run_dir}`"
        ) from None


def _log_estimate(options: SearchOptions, engine: Engine) -> None:
    """For a budget in trials, what it should cost on this machine, before it starts."""
    if not options.limit.trials:
        return
    slots = engine.trial_slots(options)
    log.info(
        "budget %d trained networks, %d at a time: about %s on this machine (%.1f us "
        "per pixel trained per CPU, from benchmarks/proxy_fidelity.md)",
        options.limit.trials,
        slots,
        format_duration(options.estimated_seconds(slots)),
        SECONDS_PER_PIXEL * 1e6,
    )


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
    latency = latency.pinned()  # every trial's latency at this sitting's speed, not each one's
    deployed_space = space.at_size(options.latency_input_size, "--latency-input-size")
    settings = TrialSettings.from_options(options, space, run_dir, latency.speed)
    for split in (settings.recipe.train_split, settings.recipe.eval_split):
        dataset.check(split)
    preset = get_preset(PRESET).replace(
        input_size=list(settings.space.input_size), num_classes=space.num_classes
    )
    if preset in settings.space:
        params = settings.space.params_from_config(preset)
        presets, first_params = {settings.config(params).id: PRESET}, [params]
        # What the table lacks for it (blocks; for `host` on a new machine, its factors) is measured
        # here, once, rather than by trials running side by side.
        paper_ms = latency.predict(preset)
        log.info(
            "%s: %.2f ms predicted on %s at %dx%d",
            PRESET,
            paper_ms,
            options.device,
            *latency.input_size,
        )
    else:
        log.warning("the %s preset is not in this search space: it will not be evaluated", PRESET)
        presets, first_params, paper_ms = {}, [], None
    _check_latency_table(
        table,
        deployed_space.config_from_params(first_params[0])
        if first_params
        else deployed_space.sample(0),
    )
    if settings.cell_proxy:  # once here, not by the first trials side by side
        cache_backbone_features(settings.cell_proxy, dataset)
    limit = _promotion_limit(options, paper_ms)
    if len(options.ladder) > 1:  # a staged search trains only what it could promote, and the
        # paper's network, which `nas export --pareto` always exports as the reference
        settings = dataclasses.replace(
            settings, latency_limit=limit, always_trained=frozenset(presets)
        )
    speed = speed_report(table, latency.speed)
    return Search(options, run_dir, settings, presets, first_params, latency, limit, speed)


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
        raise UserInputError(
            f"--cell-proxy {run}: trained for {config.num_classes} classes, "
            f"the data has {dataset.num_classes}"
        )
    return dataclasses.replace(
        space,
        backbones={config.backbone: [config.depth_multiplier]},
        output_strides=(config.output_stride,),
        decoders=("none",),
    )


def _fidelities(options: SearchOptions) -> str:
    if options.cell_proxy:
        proxy = CellProxy()
        return (
            f"heads on the features of {options.cell_proxy} at "
            f"{'x'.join(map(str, proxy.input_size))}/{proxy.steps}/{proxy.batch_size}"
        )
    return format_ladder(options.ladder)


def _check_latency_table(table, config) -> None:
    """A table that cannot time missing blocks on this machine (a phone's) must hold the
    blocks of the deployment size: checked on one config (MissingEntries names them)."""
    if not measurable_here(table):
        latency_breakdown(config, table, measure_missing=False)
