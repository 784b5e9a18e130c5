"""Knowledge tracing: what a learner knows, inferred from their answers.

`bkt` holds Bayesian knowledge tracing for one knowledge component: the exact online
filter the tutor runs after every answer. Plain Python and torch; no Django.
"""

from learner_model.bkt import Params, initial_belief, observe, p_correct, p_mastered

__all__ = ["Params", "initial_belief", "observe", "p_correct", "p_mastered"]
