"""Cross-validation split by learner: no learner's answers are in both training and test folds."""

import numpy as np

from learner_model.log import ResponseLog
from learner_model.model import Options, evaluate, fit


def learner_folds(log: ResponseLog, folds: int, seed: int = 0) -> np.ndarray:
    """The fold (0 .. folds - 1) of every learner code, at random, as even as possible."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.arange(len(log.learners)) % folds)


def cross_validate(
    log: ResponseLog, options: Options = Options(), *, folds: int = 5, seed: int = 0, cohorts: dict | None = None
) -> list[dict]:
    """Fit on all folds but one, score on the one left out; one dict of metrics per fold."""
    fold_of = learner_folds(log, folds, seed)
    results = []
    for fold in range(folds):
        train, test = log.select_learners(fold_of != fold), log.select_learners(fold_of == fold)
        results.append({"fold": fold, **evaluate(fit(train, options, cohorts=cohorts), test)})
    return results
