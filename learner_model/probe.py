"""The probe: a few questions that find out which KCs a learner has mastered.

Each question is the item whose answer is expected to tell the most about the learner's
mastery state (the mutual information between the answer and the state). An answer on KC
k depends on the state only through k's bit, so its information about the whole (joint)
state equals that about k's bit, and follows from k's marginal P(mastered) and the item's
guess and slip; the graph enters through the belief, whose marginals all move with every
answer. The probe stops when every KC is confidently known or unknown, or when no answer
would tell anything; the caller keeps the question budget.

`by="accuracy"` chooses instead the answer expected to make the most KCs rightly
classified (P(mastered) > 0.5) over the whole course (`accuracy_gain`, from the belief's
pairwise marginals): the direct aim of the benchmark's metric. Per-KC accuracy after 14
questions (benchmarks/policies.py's probe curve, 40 learners, seed 0), information against
accuracy: LLM101N (42 KCs) with the simulator's parameters 87.0% / 88.4%, with parameters
fitted by EM (as the tutor has them) 86.0% / 83.3%; random:30:1 88.5% / 90.9% and
88.2% / 88.8%. It is not the default because it loses on LLM101N with fitted parameters:
it trusts the fitted guess and slip to settle many KCs at once, and they are off.
Neither reaches 90% on LLM101N in 14 questions; benchmarks/probe_ceiling.py measures what
a probe that knows the simulator exactly reaches greedily (87%; 96% were every item a
perfect test of its KC's bit): the items' guess and slip are what hold it back.
"""

import torch

from learner_model.graph import Belief

TIE_BREAK = 1e-3  # by="accuracy": weight of the information gain (nats, at most ln 2) next to the accuracy gain (KCs)


def information_gain(
    marginals: torch.Tensor, item_kc: torch.Tensor, guess: torch.Tensor, slip: torch.Tensor
) -> torch.Tensor:
    """Expected information (nats) about the state from each item's answer: [items].

    `marginals` [KCs] is P(mastered) per KC; `item_kc`, `guess`, `slip` [items] describe the items.
    """
    m = marginals[item_kc]
    right = m * (1.0 - slip) + (1.0 - m) * guess
    return _entropy(right) - m * _entropy(1.0 - slip) - (1.0 - m) * _entropy(guess)


def accuracy_gain(
    pairwise: torch.Tensor, item_kc: torch.Tensor, guess: torch.Tensor, slip: torch.Tensor
) -> torch.Tensor:
    """Expected gain in the number of rightly classified KCs from each item's answer: [items].

    `pairwise` [KCs, KCs] holds P(k and j mastered) (its diagonal: the marginals); a KC is
    classified mastered when its P(mastered) > 0.5, and is right with max(m, 1 - m).
    """
    marginals = pairwise.diagonal()
    guess, slip = guess[:, None], slip[:, None]
    m_c = marginals[item_kc][:, None]
    right = (1.0 - slip) * m_c + guess * (1.0 - m_c)  # P(right answer), [items, 1]
    # P(k mastered and the answer right / wrong), [items, KCs].
    joint_right = (1.0 - slip) * pairwise[item_kc] + guess * (marginals - pairwise[item_kc])
    joint_wrong = marginals - joint_right
    after = torch.maximum(joint_right, right - joint_right) + torch.maximum(joint_wrong, 1.0 - right - joint_wrong)
    return after.sum(1) - torch.maximum(marginals, 1.0 - marginals).sum()


def pairwise_marginals(belief: Belief) -> torch.Tensor:
    """P(k and j mastered) for every pair of KCs: [KCs, KCs]."""
    states = belief._states_as_numbers
    return (states * belief.weights[:, None]).T @ states


def confident(marginals: torch.Tensor, level: float = 0.9) -> torch.Tensor:
    """Which KCs are known to be mastered, or not, with probability at least `level`: [KCs] bool."""
    return (marginals >= level) | (marginals <= 1.0 - level)


def next_probe(
    belief: Belief,
    item_kc: torch.Tensor,
    guess: torch.Tensor,
    slip: torch.Tensor,
    *,
    asked: set[int] = frozenset(),
    level: float = 0.9,
    by: str = "information",
) -> int | None:
    """The index of the best item not asked yet (`by` "information" or "accuracy"), or None
    when every KC is settled or no answer would tell anything."""
    if by not in ("information", "accuracy"):
        raise ValueError(f"unknown probe criterion {by!r}: 'information' or 'accuracy'")
    pairwise = pairwise_marginals(belief) if by == "accuracy" else None
    marginals = belief.marginals() if pairwise is None else pairwise.diagonal()
    if bool(confident(marginals, level).all()):
        return None
    guess, slip = guess.double(), slip.double()
    value = information_gain(marginals, item_kc, guess, slip)
    if pairwise is not None:
        # Rounding leaves the accuracy gain a hair from zero where no answer flips a classification.
        gain = accuracy_gain(pairwise, item_kc, guess, slip)
        value = torch.where(gain > 1e-9, gain, torch.zeros((), dtype=torch.float64)) + TIE_BREAK * value
    if asked:
        value[list(asked)] = -1.0
    best = int(torch.argmax(value))
    return None if value[best] <= 0 else best


def _entropy(p: torch.Tensor) -> torch.Tensor:
    p = p.clamp(1e-12, 1 - 1e-12)
    return -(p * p.log() + (1 - p) * (1 - p).log())
