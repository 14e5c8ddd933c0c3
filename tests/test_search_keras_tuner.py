"""`nas search --engine keras-tuner`: same space, trial function and run folder."""

import pytest

from nas.cli import main
from results import read_trials
from searches import tiny

TINY = tiny()


@pytest.mark.slow
def test_keras_tuner_search_writes_the_same_run_folder(tmp_path):
    run = tmp_path / "run"
    argv = ["search", "--engine", "keras-tuner", "--budget", "2", "--out", str(run), *TINY]
    assert main(argv) == 0
    table = read_trials(run)
    assert list(table["status"]) == ["completed", "completed"]
    assert table.loc[0, "preset"] == "paper-dpc"  # the first trial is the paper's config
    assert table["score"].notna().all()  # the scalar keras-tuner optimised
    for name in (
        "trials.csv",
        "trials.parquet",
        "pareto.csv",
        "pareto.html",
        "pareto.png",
        "summary.json",
        "search.json",
    ):
        assert (run / name).is_file(), name
    for trial_id in table["trial_id"]:
        assert (run / "trials" / trial_id / "model.weights.h5").is_file()
    assert (run / "keras_tuner").is_dir()
