"""One trial of a staged search, without Ray: it climbs its ladder rung by rung, each rung from
the weights of the one before, and a trial restored from a rung's end trains only what is left."""

import json
import shutil

import pytest

from nas.search.options import SearchOptions
from nas.search.trial import TrialSettings, train_trial
from space import SearchSpace, get_preset
from trainers import load_dataset

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    options, _ = SearchOptions(
        budget="2",
        input_size=(32, 32),
        fidelities="32x32/2/2,48x48/3/2",
        device="amd-epyc-2vcpu-2026-11-24",
        evaluations_per_trial=2,
    ).for_data(load_dataset("synthetic"))
    space = SearchSpace(num_classes=load_dataset("synthetic").num_classes)
    return TrialSettings.from_options(options, space, tmp_path_factory.mktemp("run"))


def params_of(settings):
    config = get_preset("paper-basic").replace(
        depth_multiplier=0.5, input_size=(32, 32), num_classes=settings.space.num_classes
    )
    return settings.space.params_from_config(config)


def test_a_trial_climbs_its_ladder_and_restored_at_a_rungs_end_trains_only_the_rest(
    settings, tmp_path
):
    trial, snapshot = tmp_path / "trial", tmp_path / "at-rung-end"

    def keep_rung_end(report):  # the trial's folder as the rung's end leaves it
        if report.get("rung_end"):
            shutil.copytree(trial, snapshot)

    reports = []
    first = train_trial(
        params_of(settings),
        settings,
        trial,
        report=lambda report: (keep_rung_end(report), reports.append(report)),
    )
    assert (first["rung"], first["step"], first["final"]) == (1, 3, True)
    rung_ends = [report for report in reports if report.get("rung_end")]
    assert [report["rung"] for report in rung_ends] == [0]  # the last rung ends the trial
    assert first["miou_rung0"] == rung_ends[0]["miou"] and first["miou_rung1"] == first["miou"]
    assert json.loads((trial / "config.json").read_text())["input_size"] == [48, 48]
    assert json.loads((trial / "data.json").read_text())["init_weights"].endswith(
        "previous-rung.weights.h5"
    )  # rung 1 started from rung 0's weights
    assert [row["rung"] for row in json.loads((trial / "rung_results.json").read_text())] == [0, 1]

    reports = []
    restored = train_trial(params_of(settings), settings, snapshot, report=reports.append)
    assert {report["rung"] for report in reports} == {1}  # rung 0 is not trained again
    assert restored["miou_rung0"] == first["miou_rung0"] and restored["step"] == 3
    again = train_trial(params_of(settings), settings, snapshot, report=reports.append)
    assert again == restored  # a finished trial trains nothing
