"""Bayesian knowledge tracing (Corbett & Anderson, 1995) for one knowledge component.

The learner is in one of two hidden states, mastered or not. Each answer is evidence:

    P(correct | mastered)   = 1 - slip
    P(correct | unmastered) = guess

and after each answer (a practice opportunity) the state may change:

    P(unmastered -> mastered) = learn
    P(mastered -> unmastered) = forget   (0 in standard BKT)

The belief is kept as the log-odds of mastery, log P(mastered) - log P(unmastered),
with both state probabilities computed in log space. Keeping P(mastered) as a single
probability and updating it as `post + (1 - post) * learn` rounds it to exactly 1.0
after a long run of correct answers; from then on no wrong answer can lower it. In
log-odds every update stays exact and reversible by evidence.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Params:
    prior: float  # P(mastered) before the first answer
    learn: float  # P(unmastered -> mastered) at each opportunity
    guess: float  # P(correct | unmastered)
    slip: float  # P(wrong | mastered)
    forget: float = 0.0  # P(mastered -> unmastered) at each opportunity

    def __post_init__(self):
        for name in ("prior", "learn", "guess", "slip"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ValueError(f"BKT {name} must lie strictly between 0 and 1, got {value}")
        if not 0.0 <= self.forget < 1.0:
            raise ValueError(f"BKT forget must lie in [0, 1), got {self.forget}")


def initial_belief(params: Params) -> float:
    """Log-odds of mastery before any answer."""
    return math.log(params.prior) - math.log1p(-params.prior)


def p_mastered(belief: float) -> float:
    """P(mastered) from log-odds, without overflow for large |belief|."""
    if belief >= 0:
        return 1.0 / (1.0 + math.exp(-belief))
    odds = math.exp(belief)
    return odds / (1.0 + odds)


def p_correct(belief: float, params: Params) -> float:
    """Predicted probability that the next answer is correct."""
    mastered = p_mastered(belief)
    return mastered * (1.0 - params.slip) + (1.0 - mastered) * params.guess


def information(belief: float, params: Params) -> float:
    """Expected information (nats) the next answer gives about mastery: I(answer; mastered)."""
    mastered = p_mastered(belief)
    right = mastered * (1.0 - params.slip) + (1.0 - mastered) * params.guess
    return _entropy(right) - mastered * _entropy(1.0 - params.slip) - (1.0 - mastered) * _entropy(params.guess)


def observe(belief: float, correct: bool, params: Params) -> float:
    """The belief after one answer: Bayes' rule on the evidence, then the learning step."""
    if correct:
        evidence = math.log1p(-params.slip) - math.log(params.guess)
    else:
        evidence = math.log(params.slip) - math.log1p(-params.guess)
    posterior = belief + evidence

    log_mastered = _log_sigmoid(posterior)
    log_unmastered = _log_sigmoid(-posterior)
    log_forget = math.log(params.forget) if params.forget > 0 else -math.inf
    next_mastered = _logaddexp(log_mastered + math.log1p(-params.forget), log_unmastered + math.log(params.learn))
    next_unmastered = _logaddexp(log_unmastered + math.log1p(-params.learn), log_mastered + log_forget)
    return next_mastered - next_unmastered


def fade(belief: float, steps: int, forget: float) -> float:
    """The belief after `steps` answers given elsewhere in the course, each a chance `forget` to forget.

    Between a KC's own answers nothing is learned on it, but what was mastered may fade:
    P(mastered) shrinks by (1 - forget) per step. A faded KC drops below the mastery
    threshold and comes back as review (tutor.loop).
    """
    if steps <= 0 or forget <= 0.0:
        return belief
    log_kept = steps * math.log1p(-forget)
    log_mastered = _log_sigmoid(belief) + log_kept
    return log_mastered - math.log(-math.expm1(log_mastered))


def _log_sigmoid(x: float) -> float:
    """log(1 / (1 + exp(-x))), stable for any x."""
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def _logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high, low = max(a, b), min(a, b)
    return high + math.log1p(math.exp(low - high))


def _entropy(p: float) -> float:
    p = min(max(p, 1e-12), 1.0 - 1e-12)
    return -(p * math.log(p) + (1.0 - p) * math.log1p(-p))
