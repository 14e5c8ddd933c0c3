"""What to export: `--preset`, `--config`, `--run DIR [--trial ID | --pareto]` resolved to configs
and weights, checked before anything is built or written."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

import keras

from mobile_seg_nas import UserInputError, first_line
from nas.search.run_folder import SearchRun, is_search_run, required_weights
from results import completed_trials, pareto_front
from space import PAPER_PRESET, ArchConfig
from space.builders import build_inference_model, build_model
from trainers.runs import load_run

log = logging.getLogger(__name__)

RANDOM_INIT_SEED = 0


@dataclasses.dataclass(frozen=True)
class ExportSource:
    """One model to export: the config to build, where its weights are and where it came from.

    `weights` is a Keras `.weights.h5` file of `space.builders.build_model(config)`; None means
    random initialisation (seeded, so the same config always exports the same file).
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
    def reference(self) -> bool:
        """Whether this is a search's trial of the paper's model (a Pareto export's reference)."""
        return "trial_id" in self.origin and self.origin.get("preset") == PAPER_PRESET

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
            raise UserInputError(
                f"weights {self.weights}: do not fit config {self.config.id} ({first_line(error)})"
            ) from None
        return build_inference_model(self.config, trained=trained)


def source_from_config(
    config: ArchConfig,
    name: str,
    origin: dict,
    weights: str | None = None,
    data_spec: str | None = None,
) -> ExportSource:
    """A preset or config file, random init unless a weights checkpoint is given."""
    return ExportSource(
        name=name, config=config, weights=_weights_file(weights), data_spec=data_spec, origin=origin
    )


def sources_from_run(
    run: str,
    edit_config,
    trial: str | None = None,
    pareto: bool = False,
    weights: str | None = None,
) -> list[ExportSource]:
    """The models of a training run folder (`nas train --out`) or of a search run folder
    (`nas search --out`: one `trial` or every model of the Pareto front and the search's trial
    of the paper's model, the reference, at the size the search predicted latency for).

    `edit_config(config) -> config` applies the command line's --input-size / --set changes.
    """
    folder = Path(run)
    if not folder.is_dir():
        raise UserInputError(f"run folder {run}: not found")
    if is_search_run(folder):
        return _sources_from_search(folder, edit_config, trial, pareto, weights)
    if not (folder / "config.json").is_file():
        raise UserInputError(
            f"run folder {run}: holds neither a training run (config.json) nor "
            "a search (trials.csv)"
        )
    if trial is not None or pareto:
        raise UserInputError(
            f"run folder {run}: a training run; --trial and --pareto need a "
            "search run folder (nas search --out)"
        )
    checkpoint = _weights_file(weights) or required_weights(
        folder, f"run folder {run}", "train it first or pass --weights CKPT"
    )
    loaded = load_run(folder)
    return [
        ExportSource(
            name=folder.name,
            config=edit_config(loaded.config),
            weights=checkpoint,
            data_spec=loaded.data_spec,
            origin={"run": str(folder)},
        )
    ]


def _sources_from_search(folder: Path, edit_config, trial, pareto, weights) -> list[ExportSource]:
    if trial is None and not pareto:
        raise UserInputError(
            f"run folder {folder}: a search run; choose a model with --trial ID "
            "or export the front with --pareto"
        )
    if pareto and weights:
        raise UserInputError("--weights names one checkpoint; it cannot be combined with --pareto")
    search = SearchRun.read(folder)
    front = pareto_front(search.table)
    if pareto and front.empty:
        raise UserInputError(
            f"run folder {folder}: the Pareto front is empty (no completed trial yet)"
        )
    rows = (
        [*front.to_dict("records"), *_dominated_reference(search.table, front)]
        if pareto
        else [search.row(trial)]
    )
    on_front = set(front["trial_id"])
    return [
        _trial_source(search, row, edit_config, weights, row["trial_id"] in on_front)
        for row in rows
    ]


def _dominated_reference(table, front) -> list[dict]:
    """The search's trial of the paper's model when the front leaves it out (a Pareto export
    always includes it); a warning when the search did not complete one."""
    done = completed_trials(table[table["preset"] == PAPER_PRESET])
    if done.empty:
        log.warning(
            "this search has no completed %s trial (its space lacks the preset, or the "
            "trial did not finish): exporting the Pareto front only",
            PAPER_PRESET,
        )
        return []
    return [
        row
        for row in done.head(1).to_dict("records")
        if row["trial_id"] not in set(front["trial_id"])
    ]


def _trial_source(search: SearchRun, row: dict, edit_config, weights, on_front: bool):
    """One trial at the size the search predicted latency for (trials train at a proxy size)."""
    trial_folder = search.trial_folder(row, fetch=not weights)
    checkpoint = _weights_file(weights) or required_weights(
        trial_folder, search.where(row), "train it first or pass --weights CKPT"
    )
    config = ArchConfig.from_file(trial_folder / "config.json").replace(
        input_size=search.options.latency_input_size
    )
    figures = {key: _plain(row[key]) for key in ("miou", "latency_ms") if key in row}
    origin = {"run": str(search.folder), "trial_id": row["trial_id"]}
    if row.get("preset"):
        origin["preset"] = row["preset"]
    return ExportSource(
        name=f"trial_{row['trial_id']}",
        config=edit_config(config),
        weights=checkpoint,
        data_spec=search.options.data,
        device=search.options.device,
        origin=origin,
        search_figures={**figures, "on_front": on_front},
    )


def _weights_file(path: str | None) -> Path | None:
    if path is None:
        return None
    if not Path(path).is_file():
        raise UserInputError(f"--weights {path}: file not found")
    return Path(path)


def _plain(value):
    """A pandas cell as plain JSON (NaN -> None)."""
    return None if value != value else value.item() if hasattr(value, "item") else value
