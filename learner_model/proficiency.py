"""How able a learner is within a state of a KC: a continuous offset beside BKT's two states.

BKT (learner_model.bkt) says whether a learner has mastered a KC, and predicts their
answer on an item from the item's population rates: P(correct | unmastered) = guess and
P(correct | mastered) = 1 - slip. Learners in one state still differ: one who has just
crossed the line gets an item right less often than one far above it, and one who forgot
a KC is closer to it than one who never met it. To keep a learner "just challenged
enough" the tutor needs their own chance on an item, not the population's.

So each state s of each KC carries an ability offset `a_s` in logits (Rasch / Elo style),
kept as a Gaussian belief (mean, variance), and an item's chance for this learner in
state s is the population rate shifted by it:

    P(correct | s, a_s) = sigmoid(logit(rate_s(item)) + a_s)

The item's difficulty within the state is thus -logit(rate_s), fitted with the guess and
slip it comes from (no separate fit). The prediction averages over the offset's
uncertainty with the probit approximation (MacKay 1992):

    P(correct | s) ~= sigmoid((logit(rate_s) + mean_s) / sqrt(1 + pi * variance_s / 8))

After an answer y (1 right, 0 wrong) the tutor does not know which state produced it;
each state's offset is updated in proportion to the posterior weight w_s of that state
(a weighted Laplace / one Newton step on the log posterior, as in Glickman's Elo with
uncertainty), at p_s = sigmoid(logit(rate_s) + mean_s):

    precision_s' = 1 / variance_s + w_s * p_s * (1 - p_s)
    mean_s'      = mean_s + w_s * (y - p_s) / precision_s'

Between a KC's answers an offset drifts (DRIFT variance per answer given anywhere): a
learner changes, and old evidence should weigh less than new.
"""

import math
from dataclasses import dataclass

# Learners in one state differ by about +-0.4 logits (one sd) before any answer. Tried on
# benchmarks/policies.py: 0.15 did better than 0.5, whose wide prior pulls every prediction
# towards even odds; a refit from a course's log should set it.
PRIOR_VARIANCE = 0.15
DRIFT = 0.002  # variance added per answer elsewhere: after 250 answers the offset is half as sure again
EDGE = 1e-6  # rates are kept off 0 and 1 so that their logits are finite


@dataclass(frozen=True)
class Ability:
    """A Gaussian belief about one learner's offset (logits) within one state of one KC."""

    mean: float = 0.0
    variance: float = PRIOR_VARIANCE

    def __post_init__(self):
        if not math.isfinite(self.mean):
            raise ValueError(f"ability mean must be finite, got {self.mean}")
        if not (self.variance > 0.0 and math.isfinite(self.variance)):
            raise ValueError(f"ability variance must be positive and finite, got {self.variance}")


def logit(p: float) -> float:
    p = min(max(p, EDGE), 1.0 - EDGE)
    return math.log(p) - math.log1p(-p)


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def at_mean(rate: float, ability: Ability) -> float:
    """The learner's chance on an item of population rate `rate`, at the offset's mean."""
    return sigmoid(logit(rate) + ability.mean)


def predict(rate: float, ability: Ability) -> float:
    """The learner's chance on an item of population rate `rate`, averaged over the offset's uncertainty."""
    return sigmoid((logit(rate) + ability.mean) / math.sqrt(1.0 + math.pi * ability.variance / 8.0))


def update(ability: Ability, rate: float, correct: bool, weight: float = 1.0) -> Ability:
    """The offset after an answer on an item of population rate `rate`, the answer counting
    with `weight` (the posterior probability that the learner is in this state)."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must lie in [0, 1], got {weight}")
    p = at_mean(rate, ability)
    precision = 1.0 / ability.variance + weight * p * (1.0 - p)
    return Ability(ability.mean + weight * (float(correct) - p) / precision, 1.0 / precision)


def drift(ability: Ability, steps: int) -> Ability:
    """The offset after `steps` answers given elsewhere: less sure, never less than the prior."""
    if steps <= 0:
        return ability
    return Ability(ability.mean, min(ability.variance + DRIFT * steps, max(ability.variance, PRIOR_VARIANCE)))


@dataclass(frozen=True)
class KCAbility:
    """A learner's offsets on one KC: one for each BKT state."""

    unmastered: Ability = Ability()
    mastered: Ability = Ability()

    def rates(self, guess: float, right_if_mastered: float) -> tuple[float, float]:
        """This learner's chance on an item in each state, (unmastered, mastered), from the item's
        population rates: its guess and 1 - its slip."""
        return predict(guess, self.unmastered), predict(right_if_mastered, self.mastered)

    def observe(self, p_mastered: float, guess: float, right_if_mastered: float, correct: bool) -> "KCAbility":
        """The offsets after an answer, each state's weighted by how likely the learner was in it
        given the answer (`p_mastered`: the belief before the answer)."""
        unmastered, mastered = self.rates(guess, right_if_mastered)
        if not correct:
            unmastered, mastered = 1.0 - unmastered, 1.0 - mastered
        joint = p_mastered * mastered
        weight = joint / (joint + (1.0 - p_mastered) * unmastered)
        return KCAbility(
            update(self.unmastered, guess, correct, 1.0 - weight),
            update(self.mastered, right_if_mastered, correct, weight),
        )

    def drift(self, steps: int) -> "KCAbility":
        return KCAbility(drift(self.unmastered, steps), drift(self.mastered, steps))

    def to_list(self) -> list[float]:
        """Four floats, as the web app stores them: unmastered mean and variance, mastered mean and variance."""
        return [self.unmastered.mean, self.unmastered.variance, self.mastered.mean, self.mastered.variance]

    @classmethod
    def from_list(cls, values: list[float]) -> "KCAbility":
        if len(values) != 4:
            raise ValueError(f"a KC's ability is four numbers (mean, variance per state), got {values!r}")
        return cls(Ability(values[0], values[1]), Ability(values[2], values[3]))
