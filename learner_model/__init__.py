"""Knowledge tracing: what a learner knows, inferred from their answers.

- `bkt`: Bayesian knowledge tracing for one KC, the exact online filter the tutor runs
  after every answer.
- `log`: response logs (pyBKT's CSV columns) loaded into sequences per (KC, learner).
- `model`: fitting BKT by EM (with forgetting, per-item guess/slip and learn, per-cohort
  priors), prediction, evaluation, save/load; `em` holds its compiled kernels.
- `metrics`, `crossval`: AUC, RMSE, log loss; cross-validation split by learner.
- `bayes`: Bayesian fitting with pyro-ppl, with posterior intervals.

Plain Python, numpy, numba, torch and pyro; no Django.
"""

from learner_model.bkt import Params, initial_belief, observe, p_correct, p_mastered

__all__ = ["Params", "initial_belief", "observe", "p_correct", "p_mastered"]
