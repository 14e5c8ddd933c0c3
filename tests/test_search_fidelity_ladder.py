"""Fidelities and the ladder of a staged search: parsing, recipes per rung, budget fitting."""

import pytest

from mobile_seg_nas import UserInputError
from nas.search.fidelity import Fidelity, fit_ladder, format_ladder, parse_fidelity, parse_ladder
from trainers import TrainConfig


def test_a_ladder_is_written_as_crops_steps_and_batches():
    ladder = parse_ladder("128x128/200/16, 256x256/400/8,256/800/8/0.002")
    assert ladder[0] == Fidelity((128, 128), 200, 16)
    assert ladder[2] == Fidelity((256, 256), 800, 8, 0.002)
    assert format_ladder(ladder) == "128x128/200/16,256x256/400/8,256x256/800/8/0.002"


@pytest.mark.parametrize(
    "text, message",
    [
        ("128x128/200", r"expected HxW\[@SCALE\]/STEPS/BATCH"),
        ("axb/1/1", "expected HxW"),
        ("90x120@x/250/16", "expected HxW"),
        ("90x120@0/250/16", r"frame scale must be in \(0, 4\]"),
        ("16x16/10/1", "crop of at least 32x32"),
        ("", "at least one fidelity"),
        ("256x256/800/8,128x128/200/16", "a ladder climbs"),
    ],
)
def test_bad_ladders_say_what_is_wrong_in_one_line(text, message):
    with pytest.raises(UserInputError, match=message):
        parse_ladder(text)


def test_a_fidelity_may_train_frames_resized_first():
    quarter = parse_fidelity("90x120@0.25/250/16/0.004")
    assert quarter == Fidelity((90, 120), 250, 16, 0.004, frame_scale=0.25)
    assert str(quarter) == "90x120@0.25/250/16/0.004"
    assert quarter.recipe(TrainConfig()).frame_scale == 0.25


def test_a_rung_recipe_continues_from_weights_at_the_fine_tune_rate():
    base = TrainConfig(steps=200, batch_size=16, learning_rate=4e-3, eval_every=50)
    first = parse_fidelity("128x128/200/16").recipe(base)
    assert first.learning_rate == 4e-3 and first.init_weights is None
    second = parse_fidelity("256x256/400/8").recipe(base, init_weights="trials/a/rung0")
    assert second.crop_size == (256, 256) and second.steps == 400 and second.batch_size == 8
    assert second.learning_rate == 1e-3 and second.init_weights == "trials/a/rung0"
    assert second.eval_every == 100  # as many evaluations per rung as the proxy has


def test_fitting_a_ladder_to_a_budget_shrinks_the_later_rungs():
    ladder = parse_ladder("128x128/200/16,256x256/400/8,256x256/800/8")
    assert fit_ladder(ladder, last_rung_seconds=1e9, seconds_per_pixel=1e-6) == ladder
    # the last rung is 419M pixels; 100 s at 1e-6 s per pixel affords 100M: steps x 0.238
    fitted = fit_ladder(ladder, last_rung_seconds=100, seconds_per_pixel=1e-6)
    assert fitted[0] == ladder[0]
    assert [rung.steps for rung in fitted[1:]] == [100, 190]  # 95 would be below the proxy
    assert fitted[-1].pixels >= fitted[-2].pixels
