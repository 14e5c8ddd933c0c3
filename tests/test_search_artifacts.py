"""Trial artifacts on their way through Ray Tune's storage (`nas.search.artifacts`,
`nas.search.ray_engine.checkpoints`): what a checkpoint holds, restoring a trial folder from
it, and copying files out of a store given as a folder or a URI."""

import json

import pytest
from ray import tune

from nas.search.artifacts import TrialStore
from nas.search.ray_engine.checkpoints import checkpoint_at, checkpoint_of, restore


def trial_folder(folder):
    """A trial's folder after two evaluations, and after the end of training."""
    for step in (2, 4):
        checkpoint = folder / "checkpoints" / f"step-{step:08d}"
        checkpoint.mkdir(parents=True)
        (checkpoint / "state.json").write_text(json.dumps({"step": step}))
    for name in ("config.json", "data.json", "metrics.csv"):
        (folder / name).write_text(name)
    return folder


def files(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_a_checkpoint_continues_training_until_the_final_one_holds_the_result(tmp_path):
    trial = trial_folder(tmp_path / "trial")
    with checkpoint_of(trial) as checkpoint:
        assert restore(checkpoint, tmp_path / "retry") is None  # training goes on from it
    assert files(tmp_path / "retry") == [
        "checkpoints/step-00000004/state.json",
        "config.json",
        "data.json",
        "metrics.csv",
    ]

    (trial / "model.weights.h5").write_bytes(b"weights")
    (trial / "result.json").write_text(json.dumps({"miou": 0.5, "final": True}))
    with checkpoint_of(trial, final=True) as checkpoint:
        assert restore(checkpoint, tmp_path / "again") == {"miou": 0.5, "final": True}
    assert files(tmp_path / "again") == [
        "config.json",
        "data.json",
        "metrics.csv",
        "model.weights.h5",
        "result.json",
    ]


@pytest.mark.parametrize("as_uri", [False, True])
def test_files_come_out_of_a_store_given_as_a_folder_or_a_uri(tmp_path, as_uri):
    storage = tmp_path / "storage"
    store = TrialStore.of_search(storage.as_uri() if as_uri else str(storage), tmp_path / "run")
    assert store.root.endswith("storage/run") and store.experiment == store.root + "/ray"
    stored = storage / "run" / "ray" / "trial_1" / "checkpoint_000003"
    stored.mkdir(parents=True)
    (stored / "result.json").write_text("{}")
    (stored / "model.weights.h5").write_bytes(b"weights")

    location = store.location(checkpoint_at(store, "ray/trial_1/checkpoint_000003"))
    assert location == "ray/trial_1/checkpoint_000003"
    copied = store.fetch(
        location, tmp_path / "trials" / "1", ["result.json", "config.json", "model.weights.h5"]
    )
    assert copied == ["result.json", "model.weights.h5"]  # what the checkpoint holds
    assert (tmp_path / "trials" / "1" / "model.weights.h5").read_bytes() == b"weights"
    assert isinstance(checkpoint_at(store, location), tune.Checkpoint)


def test_the_run_folder_is_the_default_store(tmp_path):
    assert TrialStore.of_search(None, tmp_path / "run").root == str(tmp_path / "run")
    assert TrialStore.of_search("s3://bucket/searches/", tmp_path / "run").root == (
        "s3://bucket/searches/run"
    )
