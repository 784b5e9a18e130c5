"""Response logs drawn from known BKT parameters, to check that fitting recovers them."""

import numpy as np

from learner_model.log import ResponseLog, from_columns


def simulate_log(
    kcs: dict[str, dict],
    *,
    learners: int,
    answers: int,
    seed: int = 0,
    items_per_kc: int = 1,
) -> ResponseLog:
    """Every learner answers `answers` items of every KC, drawn from BKT with the given parameters.

    Each KC's dict holds `prior`, `learn`, `guess`, `slip` and optionally `forget`; any of
    `guess`, `slip` and `learn` may be a list with one value per item (items are
    answered in random order), and `prior` may be a dict from cohort name to prior,
    with learners assigned to cohorts in turn (their learner ids end with `@cohort`).
    """
    rng = np.random.default_rng(seed)
    kc_col, learner_col, item_col, correct_col = [], [], [], []
    for kc, params in kcs.items():
        per_item = {
            name: np.broadcast_to(np.asarray(params[name], dtype=float), (items_per_kc,))
            for name in ("guess", "slip", "learn")
        }
        forget = params.get("forget", 0.0)
        priors = params["prior"] if isinstance(params["prior"], dict) else {"all": params["prior"]}
        cohorts = list(priors)
        for learner in range(learners):
            cohort = cohorts[learner % len(cohorts)]
            mastered = rng.random() < priors[cohort]
            items = rng.integers(0, items_per_kc, size=answers)
            for item in items:
                p_correct = 1 - per_item["slip"][item] if mastered else per_item["guess"][item]
                correct_col.append(int(rng.random() < p_correct))
                kc_col.append(kc)
                learner_col.append(f"learner{learner}@{cohort}")
                item_col.append(f"{kc}/item{item}")
                mastered = rng.random() >= forget if mastered else rng.random() < per_item["learn"][item]
    return from_columns(kcs=kc_col, learners=learner_col, items=item_col, correct=correct_col)
