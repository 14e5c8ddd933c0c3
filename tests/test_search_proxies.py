"""The proxy a search trains first: by name, resolved on the data's frames, and logged."""

import json

import pytest

from mobile_seg_nas import UserInputError
from dataset_trees import make_camvid
from nas.search.fidelity import Fidelity
from nas.search.options import SearchOptions, read_search_options
from results import read_trials
from searches import REPO, STARTS_RAY, TINY_SPACE, nas
from trainers import load_dataset

CPU_TABLE = "amd-epyc-2vcpu-2026-11-24"


def test_real_frames_of_one_size_get_whole_frames_at_a_quarter_of_their_size(tmp_path):
    camvid = load_dataset(f"camvid:{make_camvid(tmp_path, scale=120)}")  # 360x480 frames
    options, why = SearchOptions(data=camvid.spec).for_data(camvid)
    assert options.proxy == "frames" and "share one size, 360x480" in why
    assert options.proxy_fidelity == Fidelity((90, 120), 250, 16, 4e-3, frame_scale=0.25)
    assert options.ladder[0] == options.proxy_fidelity  # the staged search's first rung


def test_synthetic_scenes_keep_the_crops_proxy():
    options, why = SearchOptions().for_data(load_dataset("synthetic"))
    assert options.proxy == "crops" and "no one stored size" in why
    assert options.proxy_fidelity == Fidelity((64, 64), 200, 16, 1e-3)
    assert SearchOptions().proxy_fidelity == options.proxy_fidelity  # before the data is read


def test_flags_change_parts_of_the_chosen_proxy(tmp_path):
    camvid = load_dataset(f"camvid:{make_camvid(tmp_path, scale=120)}")
    options, _ = SearchOptions(steps_per_trial=100, frame_scale=0.5).for_data(camvid)
    assert options.proxy_fidelity == Fidelity((180, 240), 100, 16, 4e-3, frame_scale=0.5)
    crops, _ = SearchOptions(proxy="crops", input_size="96x96").for_data(camvid)
    assert crops.proxy_fidelity == Fidelity((96, 96), 200, 16, 1e-3)


def test_the_resolved_proxy_is_what_a_resumed_search_reads(tmp_path):
    camvid = load_dataset(f"camvid:{make_camvid(tmp_path, scale=120)}")
    options, _ = SearchOptions().for_data(camvid)
    again = SearchOptions.from_dict(options.to_dict())
    assert again == options and again.for_data(camvid)[0] == options
    before_proxies = {
        key: value
        for key, value in options.to_dict().items()
        if key not in ("proxy", "frame_scale")
    }
    assert SearchOptions.from_dict(before_proxies).proxy == "crops"  # what it trained then


def test_frames_need_frames_of_one_size():
    with pytest.raises(UserInputError, match="frames proxy needs data whose frames share one"):
        SearchOptions(proxy="frames").for_data(load_dataset("synthetic"))
    with pytest.raises(UserInputError, match="--proxy tiles: allowed: auto, crops, frames"):
        SearchOptions(proxy="tiles")


def test_latency_is_predicted_where_the_data_is_deployed(tmp_path):
    camvid = load_dataset(f"camvid:{make_camvid(tmp_path, scale=120)}")
    options, why = SearchOptions().for_data(camvid)
    assert options.latency_input_size == (360, 480) and "latency at 360x480" in why
    given, why = SearchOptions(latency_input_size="224x224").for_data(camvid)
    assert given.latency_input_size == (224, 224) and "(--latency-input-size)" in why
    scenes, _ = SearchOptions().for_data(load_dataset("synthetic"))
    assert scenes.latency_input_size == (224, 224)


def test_frames_too_large_for_a_phone_are_deployed_halved(tmp_path):
    from dataset_trees import make_cityscapes

    cityscapes = load_dataset(f"cityscapes:{make_cityscapes(tmp_path, scale=512)}")  # 1536x2048
    options, why = SearchOptions().for_data(cityscapes)
    assert options.latency_input_size == (768, 1024) and "1536x2048 halved 1x" in why


@pytest.mark.slow
@STARTS_RAY
def test_a_search_on_camvid_trains_and_evaluates_whole_downscaled_frames(tmp_path):
    root = make_camvid(tmp_path / "camvid", scale=24)  # 72x96 frames
    run = tmp_path / "run"
    shipped = json.loads((REPO / "latency_models" / "tables" / f"{CPU_TABLE}.json").read_text())
    shipped["entries"] = {  # stand-ins for 11 classes: the shipped table times 19
        key.replace("num_classes:19", "num_classes:11").replace("x19", "x11"): entry
        for key, entry in shipped["entries"].items()
    }
    (tmp_path / "table.json").write_text(json.dumps(shipped))
    finished = nas(
        "search",
        "--out",
        run,
        "--data",
        f"camvid:{root}",
        "--space",
        TINY_SPACE,
        "--algo",
        "asha-random",
        "--budget",
        "1",
        "--frame-scale",
        "0.5",
        "--steps-per-trial",
        "2",
        "--batch-size",
        "2",
        "--evaluations-per-trial",
        "1",
        "--device",
        tmp_path / "table.json",
        "--latency-input-size",
        "224x224",
        timeout=400,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "proxy frames (the data's frames share one size, 72x96)" in finished.stderr
    stored = read_search_options(run)
    assert (stored.proxy, stored.input_size, stored.frame_scale) == ("frames", (36, 48), 0.5)
    (trial,) = read_trials(run)["trial_id"]
    recipe = json.loads((run / "trials" / trial / "data.json").read_text())
    result = json.loads((run / "trials" / trial / "result.json").read_text())
    assert recipe["frame_scale"] == 0.5 and recipe["crop_size"] == [36, 48]  # evaluated there too
    assert 0 < result["miou"] <= 1
