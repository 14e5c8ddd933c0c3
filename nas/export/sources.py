"""What to export: `--preset`, `--config`, `--run DIR [--trial ID | --pareto]` resolved to configs
and weights, checked before anything is built or written."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import keras

from common import UserInputError, first_line
from nas.search.options import SEARCH_FILE, SearchOptions, read_search_options
from results import pareto_front, read_trials, trials_path
from space import ArchConfig
from space.builders import build_inference_model, build_model
from trainers.runs import WEIGHTS_FILE, load_run

RANDOM_INIT_SEED = 0


@dataclasses.dataclass(frozen=True)
class ExportSource:
    """One model to export: the config to build, where its weights are and where it came from.

    `weights` is a Keras `.weights.h5` file of `space.build_model(config)`; None means random
    initialisation (seeded, so the same config always exports the same file).
    """

    name: str
    config: ArchConfig
    weights: Path | None = None
    data_spec: str | None = None
    device: str | None = None
    origin: dict = dataclasses.field(default_factory=dict)
    search_figures: dict = dataclasses.field(default_factory=dict)

    @property
    def trained(self) -> bool:
        return self.weights is not None

    @property
    def weights_sha256(self) -> str | None:
        if self.weights is None:
            return None
        return hashlib.sha256(self.weights.read_bytes()).hexdigest()

    def export_key(self) -> str:
        """What makes two exports the same model: the config and the weights' bytes."""
        weights = self.weights_sha256 or f"random-init-seed-{RANDOM_INIT_SEED}"
        return hashlib.sha1(f"{self.config.id}:{weights}".encode()).hexdigest()[:16]

    def build_inference_model(self):
        """The batch-1 inference model (pixels 0..255 -> class ids) with this source's weights."""
        if self.weights is None:
            keras.utils.set_random_seed(RANDOM_INIT_SEED)
            return build_inference_model(self.config)
        trained = build_model(self.config)
        try:
            trained.load_weights(self.weights)
        except (ValueError, KeyError, OSError) as error:
            raise UserInputError(f"weights {self.weights}: do not fit config {self.config.id} "
                                 f"({first_line(error)})") from None
        return build_inference_model(self.config, trained=trained)


def source_from_config(config: ArchConfig, name: str, origin: dict,
                       weights: str | None = None, data_spec: str | None = None) -> ExportSource:
    """A preset or config file, random init unless a weights checkpoint is given."""
    return ExportSource(name=name, config=config, weights=_weights_file(weights),
                        data_spec=data_spec, origin=origin)


def sources_from_run(run: str, edit_config, trial: str | None = None, pareto: bool = False,
                     weights: str | None = None) -> list[ExportSource]:
    """The models of a training run folder (`nas train --out`) or of a search run folder
    (`nas search --out`: one `trial` or every model of the Pareto front, at the size the search
    predicted latency for).

    `edit_config(config) -> config` applies the command line's --input-size / --set changes.
    """
    folder = Path(run)
    if not folder.is_dir():
        raise UserInputError(f"run folder {run}: not found")
    if trials_path(folder).is_file() or trials_path(folder, ".csv").is_file():
        return _sources_from_search(folder, edit_config, trial, pareto, weights)
    if not (folder / "config.json").is_file():
        raise UserInputError(f"run folder {run}: holds neither a training run (config.json) nor "
                             "a search (trials.csv)")
    if trial is not None or pareto:
        raise UserInputError(f"run folder {run}: a training run; --trial and --pareto need a "
                             "search run folder (nas search --out)")
    checkpoint = _weights_file(weights) or _required_weights(folder, f"run folder {run}")
    loaded = load_run(folder)
    return [ExportSource(name=folder.name, config=edit_config(loaded.config), weights=checkpoint,
                         data_spec=loaded.data_spec, origin={"run": str(folder)})]


def _sources_from_search(folder: Path, edit_config, trial, pareto, weights) -> list[ExportSource]:
    if trial is None and not pareto:
        raise UserInputError(f"run folder {folder}: a search run; choose a model with --trial ID "
                             "or export the front with --pareto")
    if pareto and weights:
        raise UserInputError("--weights names one checkpoint; it cannot be combined with --pareto")
    search = (read_search_options(folder) if (folder / SEARCH_FILE).is_file()
              else SearchOptions())
    table = read_trials(folder)
    if pareto:
        rows = list(pareto_front(table).to_dict("records"))
        if not rows:
            raise UserInputError(f"run folder {folder}: the Pareto front is empty (no completed "
                                 "trial yet)")
    else:
        rows = [row for row in table.to_dict("records") if row["trial_id"] == str(trial)]
        if not rows:
            known = ", ".join(table["trial_id"].head(10))
            raise UserInputError(f"trial {trial!r} is not in {folder}; trials: {known}"
                                 + (", ..." if len(table) > 10 else ""))
    sources = []
    for row in rows:
        trial_folder = folder / "trials" / row["trial_id"]
        where = f"trial {row['trial_id']} of {folder}"
        if not weights:
            _fetch_weights(search, folder, row, trial_folder)
        if not (trial_folder / "config.json").is_file():
            raise UserInputError(f"{where}: no config.json in {trial_folder}")
        checkpoint = _weights_file(weights) or _required_weights(trial_folder, where)
        # trials train at a proxy size; export at the size the search predicted latency for
        config = ArchConfig.from_file(trial_folder / "config.json").replace(
            input_size=search.latency_input_size)
        figures = {key: _plain(row[key]) for key in ("miou", "latency_ms") if key in row}
        sources.append(ExportSource(
            name=f"trial_{row['trial_id']}", config=edit_config(config), weights=checkpoint,
            data_spec=search.data, device=search.device,
            origin={"run": str(folder), "trial_id": row["trial_id"]}, search_figures=figures))
    return sources


def _fetch_weights(search: SearchOptions, folder: Path, row: dict, trial_folder: Path) -> None:
    """Copies a trial's files from the search's storage into the run folder when the run
    folder lacks its weights (the driver keeps only the Pareto front's)."""
    if (trial_folder / WEIGHTS_FILE).is_file() or not row.get("checkpoint"):
        return
    from nas.search.artifacts import RECORD_FILES, TrialStore  # Ray only when needed

    store = TrialStore.of_search(search.storage, folder)
    try:
        store.fetch(row["checkpoint"], trial_folder, [*RECORD_FILES, WEIGHTS_FILE])
    except OSError as error:
        raise UserInputError(f"trial {row['trial_id']} of {folder}: cannot read its files from "
                             f"the search's storage {store.root} ({first_line(error)})") from None


def _required_weights(folder: Path, where: str) -> Path:
    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise UserInputError(f"{where}: no trained weights ({path} is missing); train it first "
                             "or pass --weights CKPT")
    return path


def _weights_file(path: str | None) -> Path | None:
    if path is None:
        return None
    if not Path(path).is_file():
        raise UserInputError(f"--weights {path}: file not found")
    return Path(path)


def _plain(value):
    """A pandas cell as plain JSON (NaN -> None)."""
    return None if value != value else value.item() if hasattr(value, "item") else value
