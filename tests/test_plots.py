"""Figures (baseline_recsys.plots): drawn from the data, thinned for large inputs."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from baseline_recsys import plots


def _lines(fig: Figure) -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        (np.asarray(x), np.asarray(y))
        for x, y in (line.get_data() for line in fig.axes[0].lines)
    ]


def test_thin_keeps_small_curves_whole_and_both_ends_of_large_ones() -> None:
    np.testing.assert_array_equal(plots._thin(5, 10), np.arange(5))
    kept = plots._thin(1_000_001, 1000)
    assert len(kept) <= 1000
    assert kept[0] == 0 and kept[-1] == 1_000_000
    assert np.all(np.diff(kept) > 0)


def test_precision_recall_of_a_perfect_ranking() -> None:
    labels = np.array([0, 0, 1, 1])
    fig = plots.plot_precision_recall(labels, np.array([0.1, 0.2, 0.8, 0.9]), "v")
    (thr_p, precision), (thr_r, recall) = _lines(fig)
    np.testing.assert_array_equal(thr_p, thr_r)
    # at the threshold 0.8 both positives and no negative are above it
    at = int(np.flatnonzero(thr_p == 0.8)[0])
    assert precision[at] == 1.0 and recall[at] == 1.0
    assert "v" in fig.axes[0].get_title()


def test_large_inputs_draw_at_most_max_curve_points() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    labels = rng.integers(0, 2, n)
    scores = rng.random(n) + 0.5 * labels
    for fig in (
        plots.plot_precision_recall(labels, scores / scores.max(), "big"),
        plots.plot_roc({"big": (labels, scores)}, "ROC"),
    ):
        for x, y in _lines(fig)[:2]:
            if len(x) == 2:  # the chance diagonal
                continue
            assert len(x) <= plots.MAX_CURVE_POINTS
            assert np.all(np.diff(x) >= 0) or np.all(np.diff(x) <= 0)
    (fpr, tpr), _ = _lines(plots.plot_roc({"big": (labels, scores)}, "ROC"))
    assert (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    # thinned, the curve still gives the AUC to three decimals
    from sklearn.metrics import roc_auc_score

    assert np.trapezoid(tpr, fpr) == pytest.approx(
        roc_auc_score(labels, scores), abs=1e-3
    )
