"""`nas latency ...` end to end on tiny inputs: profile, predict, measure, calibrate, validate,
devices."""

import json

import pytest

from latency_models import machine as machines
from latency_models import table as tables
from nas.cli import main
from space import get_preset, plan_network


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(tables.USER_DIR_ENV, str(tmp_path / "user"))
    return tmp_path / "user"


def _json(capsys):
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_profile_predict_validate_on_a_tiny_size(tmp_path, user_dir, capsys, monkeypatch):
    # One reading of the machine's speed for the whole test: on a loaded machine its steps
    # can be minutes apart, and a second reading would rescale the later predictions.
    monkeypatch.setattr(machines, "REFERENCE_MAX_AGE_S", float("inf"))
    lut = tmp_path / "tiny.json"
    profile = [
        "latency",
        "profile",
        "--preset",
        "paper-basic",
        "--input-size",
        "48x48",
        "--runs",
        "5",
        "--out",
        str(lut),
        "--json",
    ]
    assert main(profile) == 0
    first = _json(capsys)
    assert first["needed"] == first["measured"] == first["entries"] > 10
    assert main(profile) == 0  # resumable: nothing left to measure
    assert _json(capsys)["measured"] == 0

    meta = json.loads(lut.read_text())["metadata"]
    assert meta["input_sizes"] == [[48, 48]] and meta["runs"] == 5 and meta["threads"] == 1
    assert "invoke_overhead_ms" in meta and "max_load_average" in meta

    assert (
        main(
            [
                "latency",
                "predict",
                "--preset",
                "paper-basic",
                "--input-size",
                "48x48",
                "--lut",
                str(lut),
                "--no-measure",
                "--json",
            ]
        )
        == 0
    )
    predicted = _json(capsys)
    assert predicted["latency_ms"] > 0 and predicted["device"] == "host"
    config = get_preset("paper-basic").replace(input_size=[48, 48])
    assert list(predicted["blocks"]) == [
        block.name for block in plan_network(config, inference=True).blocks
    ]

    assert (
        main(
            [
                "latency",
                "measure",
                "--preset",
                "paper-basic",
                "--input-size",
                "48x48",
                "--runs",
                "5",
                "--json",
            ]
        )
        == 0
    )
    measured = _json(capsys)
    assert measured["latency_ms"] > 0 and measured["p90_ms"] >= measured["latency_ms"]

    space = tmp_path / "space.json"  # small: the test times two networks, not a search space
    space.write_text(
        json.dumps(
            {
                "backbones": {"shufflenet_v2": [0.5, 1.0]},
                "heads": ["basic"],
                "output_strides": [16],
                "decoders": ["none"],
            }
        )
    )
    assert (
        main(
            [
                "latency",
                "calibrate",
                "--lut",
                str(lut),
                "--samples",
                "2",
                "--runs",
                "5",
                "--space",
                str(space),
                "--json",
            ]
        )
        == 0
    )
    calibration = _json(capsys)
    assert list(calibration["factors"]) == ["shufflenet_v2"]  # the space's only backbone
    assert calibration["configs"] == {"shufflenet_v2": 2} and calibration["path"] == str(lut)
    factor = calibration["factors"]["shufflenet_v2"]
    assert 0.5 < factor < 2
    assert json.loads(lut.read_text())["metadata"]["calibration"]["factors"] == {
        "shufflenet_v2": factor
    }
    assert (
        main(
            [
                "latency",
                "predict",
                "--preset",
                "paper-basic",
                "--input-size",
                "48x48",
                "--lut",
                str(lut),
                "--no-measure",
                "--json",
            ]
        )
        == 0
    )
    assert _json(capsys)["latency_ms"] == pytest.approx(factor * predicted["latency_ms"], abs=2e-4)

    assert (
        main(
            [
                "latency",
                "validate",
                "--lut",
                str(lut),
                "--samples",
                "2",
                "--runs",
                "5",
                "--space",
                str(space),
                "--seed",
                "1",
                "--json",
            ]
        )
        == 0
    )
    report = _json(capsys)
    assert set(report) >= {"within_5pct", "within_10pct", "rmse_pct", "spearman", "configs"}
    assert [row["input_size"] for row in report["configs"]] == [[48, 48], [48, 48]]
    for row in report["configs"]:
        assert row["measured_ms"] > 0
        assert row["predicted_ms"] == pytest.approx(factor * row["summed_ms"], abs=2e-4)


def test_profile_default_goes_to_the_user_table_and_devices_lists_it(user_dir, capsys):
    assert (
        main(
            [
                "latency",
                "profile",
                "--device",
                "mine",
                "--input-size",
                "32x32",
                "--dry-run",
                "--json",
            ]
        )
        == 0
    )
    dry = _json(capsys)
    assert dry["needed"] > 1000 and dry["path"] == str(user_dir / "mine.json")
    assert not (user_dir / "mine.json").exists()

    assert (
        main(
            [
                "latency",
                "profile",
                "--device",
                "mine",
                "--preset",
                "paper-basic",
                "--input-size",
                "32x32",
                "--runs",
                "5",
            ]
        )
        == 0
    )
    assert "blocks needed" in capsys.readouterr().out
    assert main(["latency", "devices", "--json"]) == 0
    devices = {row["device"]: row for row in _json(capsys)["devices"]}
    assert devices["mine"]["source"] == "user" and devices["mine"]["entries"] > 10
    assert devices["mine"]["metadata"]["delegate"] == "XNNPACK"


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["latency", "predict", "--preset", "paper-dpc", "--device", "no-such-phone"],
            "unknown latency device 'no-such-phone'",
        ),
        (["latency", "validate", "--device", "no-such-phone"], "unknown latency device"),
        (["latency", "profile", "--threads", "0"], "--threads 0: must be at least 1"),
        (["latency", "import", "--device", "phone", "."], "no probes.json"),
    ],
)
def test_bad_input_exits_2_with_one_line(user_dir, capsys, argv, message):
    assert main(argv) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert message in error[-1]


def test_corrupt_table_exits_2(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "mobile-seg-nas/latency-table", "version": 0}')
    assert main(["latency", "predict", "--preset", "paper-dpc", "--lut", str(path)]) == 2
    assert "version 0 is not supported" in capsys.readouterr().err
