"""ROC curves, AUC and the SVG plot of the jet tagger's evaluation."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from trigc.models.jet_tagger.metrics import accuracy, per_class_auc, roc_auc, roc_curve, roc_svg


def test_auc_of_perfect_random_and_tied_scores():
    signal = np.array([1, 1, 0, 0], bool)
    assert roc_auc(signal, np.array([0.9, 0.8, 0.2, 0.1])) == 1.0
    assert roc_auc(signal, np.array([0.1, 0.2, 0.8, 0.9])) == 0.0
    assert roc_auc(signal, np.ones(4)) == 0.5  # all tied: the diagonal


def test_auc_equals_the_mann_whitney_statistic():
    rng = np.random.default_rng(0)
    signal = rng.random(400) < 0.3
    score = np.round(rng.normal(signal * 0.7, 1.0), 1)  # rounding makes ties
    s, b = score[signal], score[~signal]
    pairs = (s[:, None] > b[None]).mean() + 0.5 * (s[:, None] == b[None]).mean()
    assert roc_auc(signal, score) == pytest.approx(pairs, abs=1e-12)


def test_roc_curve_runs_from_origin_to_one():
    fpr, tpr = roc_curve(np.array([1, 0, 1, 0], bool), np.array([0.3, 0.3, 0.9, 0.1]))
    assert fpr.tolist() == [0.0, 0.0, 0.5, 1.0]
    assert tpr.tolist() == [0.0, 0.5, 1.0, 1.0]


def test_accuracy_and_per_class_auc():
    labels = np.array([0, 1, 2])
    logits = np.array([[2.0, 0, 0], [0, 1.0, 0], [3.0, 0, 0]])
    assert accuracy(labels, logits) == pytest.approx(2 / 3)
    assert per_class_auc(labels, logits)[1] == 1.0


def test_roc_svg_is_well_formed(tmp_path):
    curve = roc_curve(np.array([1, 0, 1, 0], bool), np.array([0.3, 0.2, 0.9, 0.1]))
    path = roc_svg(tmp_path / "roc.svg", {"a": {"g": curve}, "b": {"g": curve}}, "title")
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 2
