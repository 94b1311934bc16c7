"""Figures of the seed post, drawn on :class:`matplotlib.figure.Figure` objects.

No pyplot state and no backend switching: each function builds a standalone
``Figure`` that Kedro's ``matplotlib.MatplotlibDataset`` saves as PNG.

* :func:`plot_precision_recall` — precision and recall against the threshold
  (the post's Figs 4–7);
* :func:`plot_roc` — ROC curves, one or several overlaid (Fig 8);
* :func:`plot_learning_curve` — validation AUC during training, with a vertical
  line at each learning-rate restart (Fig 3);
* :func:`plot_lr_schedule` — the learning rate as actually logged (Fig 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve, roc_curve

FIGSIZE = (7.0, 4.5)
#: Points drawn per curve: far more than a 770-pixel-wide PNG can show, and the
#: curves of millions of validation pairs draw in milliseconds, not minutes.
MAX_CURVE_POINTS = 4000


def _thin(n: int, max_points: int = MAX_CURVE_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` of ``n`` curve points, both ends kept.

    Args:
        n: Number of points.
        max_points: Most points to keep.

    Returns:
        Sorted, distinct indices (all of them when ``n <= max_points``).
    """
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))


def plot_precision_recall(
    labels: np.ndarray, probabilities: np.ndarray, variant: str
) -> Figure:
    """Precision and recall of the validation pairs against the threshold.

    Args:
        labels: 1/0 labels.
        probabilities: Predicted probabilities in [0, 1].
        variant: Model variant, named in the title.

    Returns:
        The figure.
    """
    precision, recall, thresholds = precision_recall_curve(labels, probabilities)
    keep = _thin(len(thresholds))
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(thresholds[keep], precision[keep], label="precision")
    ax.plot(thresholds[keep], recall[keep], label="recall")
    ax.set_xlabel("threshold on predicted probability")
    ax.set_ylabel("precision / recall")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    ax.set_title(f"{variant}: precision and recall vs threshold (validation)")
    return fig


def plot_roc(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], title: str) -> Figure:
    """ROC curves of one or several variants on the same axes.

    Args:
        curves: Label (e.g. ``"mf_bias (AUC 0.991)"``) → (labels, scores).
        title: Figure title.

    Returns:
        The figure.
    """
    fig = Figure(figsize=(5.5, 5.0), layout="constrained")
    ax = fig.add_subplot()
    for name, (labels, scores) in curves.items():
        fpr, tpr, _ = roc_curve(labels, scores)
        keep = _thin(len(fpr))
        ax.plot(fpr[keep], tpr[keep], label=name)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8, label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(title)
    return fig


def _restart_lines(ax: object, n_epochs: int) -> None:
    for epoch in range(1, n_epochs):
        ax.axvline(epoch, color="grey", linestyle=":", linewidth=0.9)  # type: ignore[attr-defined]


def plot_learning_curve(history: Sequence[Mapping[str, float]], variant: str) -> Figure:
    """Validation AUC (and training loss) against epochs, restarts marked.

    Args:
        history: Training log entries (``epoch_progress``, ``loss``,
            ``validation_auc``, ``epoch``).
        variant: Model variant, named in the title.

    Returns:
        The figure.
    """
    x = np.array([h["epoch_progress"] for h in history])
    auc = np.array(
        [
            np.nan if h["validation_auc"] is None else h["validation_auc"]
            for h in history
        ],
        dtype=float,
    )
    loss = np.array([h["loss"] for h in history])
    n_epochs = int(max((h["epoch"] for h in history), default=1))
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(x, auc, marker=".", color="tab:blue", label="validation AUC")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation ROC-AUC", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(x, loss, color="tab:orange", alpha=0.7, label="training loss")
    ax2.set_ylabel("training loss", color="tab:orange")
    _restart_lines(ax, n_epochs)
    ax.set_xlim(0, max(n_epochs, 1))
    ax.grid(alpha=0.3)
    ax.set_title(f"{variant}: learning curve (dotted: learning-rate restarts)")
    return fig


def plot_lr_schedule(
    lr_per_step: Sequence[float], steps_per_epoch: int, variant: str
) -> Figure:
    """The learning rate used at every optimiser step, as logged during training.

    Args:
        lr_per_step: Learning rate of each step.
        steps_per_epoch: Steps per epoch (for the x axis, in epochs).
        variant: Model variant, named in the title.

    Returns:
        The figure.
    """
    lr = np.asarray(lr_per_step, dtype=float)
    x = np.arange(len(lr)) / max(steps_per_epoch, 1)
    n_epochs = int(np.ceil(len(lr) / max(steps_per_epoch, 1)))
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(x, lr, color="tab:green")
    _restart_lines(ax, n_epochs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_xlim(0, max(n_epochs, 1))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.set_title(f"{variant}: learning-rate schedule (cosine, restarted each epoch)")
    return fig
