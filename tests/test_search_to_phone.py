"""From search to phone: `nas train --run RUN --trial ID` trains a search trial's architecture
from its weights into a run folder `nas export --run` takes, and `nas export --pareto` always
includes the search's paper-dpc trial, marked as the reference."""

import json
import logging

import numpy as np
import pandas as pd
import pytest

from nas.cli import main
from searches import search_folder, train_tiny
from space import ArchConfig

TINY = ArchConfig(
    backbone="shufflenet_v2",
    depth_multiplier=0.5,
    head="basic",
    dpc_branches=[],
    num_classes=19,
    input_size=[32, 32],
)
TABLE = "amd-epyc-2vcpu-2026-11-24"  # the shipped latency table by name: no calibration
FAST = ["--verify-images", "2", "--calibration-images", "2", "--device", TABLE]
# (trial, preset, mIOU, latency): the paper's trial t0000 is dominated by t0001. The table's
# preset column marks it, as the driver writes it; its network here is the tiny one.
TRIALS = [("t0000", "paper-dpc", 0.05, 9.0), ("t0001", "", 0.1, 5.0), ("t0002", "", 0.2, 6.0)]


@pytest.fixture(scope="module")
def search_run(tmp_path_factory):
    """A search run folder with three trials trained at 32x32, the paper's one dominated."""
    root = tmp_path_factory.mktemp("search")
    trained = train_tiny(
        root / "trained", TINY, steps=2, batch_size=2, learning_rate=2e-2, eval_images=2, threads=1
    )
    rows = [
        {
            "trial_id": trial_id,
            "status": "completed",
            "preset": preset,
            "miou": miou,
            "latency_ms": latency,
            "config_id": TINY.id,
        }
        for trial_id, preset, miou, latency in TRIALS
    ]
    return search_folder(
        root / "search",
        trained,
        rows,
        {"data": "synthetic", "device": TABLE, "latency_input_size": "32x32"},
    )


def nas(capsys, *argv) -> tuple[int, str]:
    """Runs `nas ARGV`: exit code and stderr."""
    code = main([str(arg) for arg in argv])
    return code, capsys.readouterr().err.strip()


@pytest.mark.slow
def test_a_trial_trains_from_its_weights_into_an_exportable_run(search_run, tmp_path, capsys):
    out = tmp_path / "full"
    code, error = nas(
        capsys,
        "train",
        "--run",
        search_run,
        "--trial",
        "t0001",
        "--input-size",
        "48x48",
        "--steps",
        "2",
        "--batch-size",
        "2",
        "--lr",
        "1e-9",
        "--eval-images",
        "2",
        "--threads",
        "1",
        "--out",
        out,
    )

    assert code == 0, error
    trial = search_run / "trials" / "t0001"
    data = json.loads((out / "data.json").read_text())
    assert data["init_weights"] == str(trial.resolve())
    assert data["data"] == "synthetic" and data["input_size"] == [48, 48]
    # At lr 1e-9 the weights stay the trial's, trained at 32x32; a fresh init (seeded as the
    # trial's was) is two steps at lr 2e-2 away from them.
    from trainers.runs import load_run

    before, after = load_run(trial).model, load_run(out).model
    for old, new in zip(before.trainable_weights, after.trainable_weights):
        np.testing.assert_allclose(new.numpy(), old.numpy(), atol=1e-6)

    code, error = nas(capsys, "export", "--run", out, "--out", tmp_path / "phone", *FAST)
    assert code == 0, error
    metadata = json.loads((tmp_path / "phone" / "metadata.json").read_text())
    assert metadata["trained"] is True and metadata["config"]["input_size"] == [48, 48]
    assert metadata["source"] == {"run": str(out)} and metadata["reference"] is False


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--run", "no-such-run", "--trial", "t1"], "run folder no-such-run: not found"),
        (["--run", "{search}", "--trial", "t9"], "trial 't9' is not in"),
        (["--run", "{search}", "--trial", "t1"], "trial t1 of {search}: no trained weights"),
        (["--run", "{search}"], "--run DIR and --trial ID go together"),
        (["--preset", "paper-dpc", "--trial", "t1"], "--run DIR and --trial ID go together"),
        (["--run", "{search}", "--trial", "t1", "--init", "x.h5"], "--init: a trial's training"),
        (["--run", "{search}", "--trial", "t1", "--preset", "paper-dpc"], "choose exactly one"),
    ],
)
def test_bad_trials_exit_2_with_one_line_before_writing(argv, message, tmp_path, capsys):
    search = tmp_path / "search"
    (search / "trials" / "t1").mkdir(parents=True)
    (search / "trials" / "t1" / "config.json").write_text(TINY.to_json())
    (search / "trials.csv").write_text("trial_id,status\nt1,failed\n")  # no weights

    code, error = nas(
        capsys, "train", *[arg.format(search=search) for arg in argv], "--out", tmp_path / "out"
    )

    assert code == 2 and message.format(search=search) in error and "\n" not in error
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_pareto_export_includes_the_dominated_paper_trial_as_reference(
    search_run, tmp_path, capsys
):
    out = tmp_path / "front"
    code, error = nas(capsys, "export", "--run", search_run, "--pareto", "--out", out, *FAST)

    assert code == 0, error
    index = pd.read_csv(out / "index.csv", dtype={"trial_id": str}).set_index("trial_id")
    assert list(index.index) == ["t0001", "t0002", "t0000"]
    assert list(index["reference"]) == [False, False, True]
    assert list(index["search_on_front"]) == [True, True, False]
    assert index.loc["t0000", "preset"] == "paper-dpc"
    reference = json.loads((out / "trial_t0000" / "metadata.json").read_text())
    assert reference["reference"] is True and reference["preset"] == "paper-dpc"
    assert reference["trained"] is True and reference["search"]["on_front"] is False
    other = json.loads((out / "trial_t0002" / "metadata.json").read_text())
    assert other["reference"] is False and other["preset"] is None


@pytest.mark.slow
def test_a_search_without_the_paper_trial_exports_the_front_with_a_warning(search_run, caplog):
    from nas.export import sources_from_run
    from results import read_trials, write_trials

    table = read_trials(search_run)
    write_trials(table.assign(preset=""), search_run)
    try:
        with caplog.at_level(logging.WARNING):
            sources = sources_from_run(str(search_run), lambda config: config, pareto=True)
    finally:
        write_trials(table, search_run)

    assert [source.name for source in sources] == ["trial_t0001", "trial_t0002"]
    warnings = [
        record.getMessage() for record in caplog.records if record.levelno == logging.WARNING
    ]
    assert len(warnings) == 1 and "no completed paper-dpc trial" in warnings[0]
