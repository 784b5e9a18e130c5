"""How well predictions of P(correct) match what learners did: AUC, RMSE, log loss."""

import numpy as np


def auc(correct: np.ndarray, predicted: np.ndarray) -> float:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted half)."""
    correct = np.asarray(correct).astype(bool)
    positives, negatives = int(correct.sum()), int((~correct).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(predicted, kind="mergesort")
    sorted_scores = np.asarray(predicted)[order]
    # Average ranks over ties.
    ranks = np.empty(len(order))
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    mean_rank = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(mean_rank, counts)
    return float((ranks[correct].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def rmse(correct: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(correct, dtype=float) - predicted) ** 2)))


def log_loss(correct: np.ndarray, predicted: np.ndarray) -> float:
    p = np.clip(predicted, 1e-12, 1 - 1e-12)
    y = np.asarray(correct, dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def scores(correct: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    return {
        "auc": auc(correct, predicted),
        "rmse": rmse(correct, predicted),
        "log_loss": log_loss(correct, predicted),
        "n": int(len(correct)),
    }
