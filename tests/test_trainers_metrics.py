"""Confusion matrix and mIOU against hand-computed values."""

import numpy as np
import pytest

from trainers.metrics import ConfusionMatrix


def test_iou_matches_hand_computed_values():
    labels = np.array([[0, 0, 1, 1], [2, 2, 2, 255]])
    predictions = np.array([[0, 1, 1, 1], [2, 0, 2, 1]])
    matrix = ConfusionMatrix(3)
    matrix.update(labels, predictions)
    # class 0: TP 1, FP 1 (a 2 predicted 0), FN 1 (a 0 predicted 1) -> 1/3
    # class 1: TP 2, FP 1, FN 0 -> 2/3 (the ignored pixel's prediction does not count)
    # class 2: TP 2, FP 0, FN 1 -> 2/3
    assert matrix.per_class_iou() == pytest.approx([1 / 3, 2 / 3, 2 / 3])
    assert matrix.miou() == pytest.approx(5 / 9)
    assert matrix.counts.sum() == 7
    assert matrix.pixel_accuracy() == pytest.approx(5 / 7)


def test_streaming_updates_equal_one_update():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, (6, 8, 8))
    labels[:, 0] = 255
    predictions = rng.integers(0, 4, (6, 8, 8))
    whole, streamed = ConfusionMatrix(4), ConfusionMatrix(4)
    whole.update(labels, predictions)
    for label, prediction in zip(labels, predictions):
        streamed.update(label, prediction)
    assert np.array_equal(whole.counts, streamed.counts)


def test_absent_classes_have_no_iou_and_do_not_count():
    matrix = ConfusionMatrix(4)
    matrix.update(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 0]))
    assert matrix.per_class_iou() == pytest.approx([2 / 3, 1 / 2, None, None])
    assert matrix.miou() == pytest.approx((2 / 3 + 1 / 2) / 2)
    # a class predicted but never labelled counts with IoU 0
    matrix.update(np.array([1]), np.array([3]))
    assert matrix.per_class_iou()[3] == 0.0


def test_labels_outside_the_classes_are_ignored():
    matrix = ConfusionMatrix(2)
    matrix.update(np.array([0, 1, 7, 255]), np.array([0, 1, 1, 0]))
    assert matrix.counts.sum() == 2
    assert matrix.miou() == 1.0


def test_merged_matrix_gives_category_iou():
    matrix = ConfusionMatrix(3)
    matrix.update(np.array([0, 1, 2, 2]), np.array([1, 0, 2, 0]))
    categories = matrix.merged([0, 0, 1], 2)  # classes 0 and 1 form one category
    # category 0: TP 2, FP 1 (a 2 predicted 0), FN 0 -> 2/3; category 1: TP 1, FN 1 -> 1/2
    assert categories.per_class_iou() == pytest.approx([2 / 3, 1 / 2])


def test_empty_matrix_has_zero_miou():
    assert ConfusionMatrix(3).miou() == 0.0
    assert ConfusionMatrix(3).per_class_iou() == [None, None, None]
