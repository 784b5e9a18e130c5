"""The probe: a few questions that find out which KCs a learner has mastered.

Each question is the item whose answer is expected to tell the most about the learner's
mastery state (the mutual information between the answer and the state). An answer on KC
k depends on the state only through k's bit, so an item's information follows from k's
marginal P(mastered) and the item's guess and slip; the graph enters through the belief,
whose marginals all move with every answer. The probe stops when every KC is confidently
known or unknown, or when the question budget is spent.
"""

import torch

from learner_model.graph import Belief


def information_gain(
    marginals: torch.Tensor, item_kc: torch.Tensor, guess: torch.Tensor, slip: torch.Tensor
) -> torch.Tensor:
    """Expected information (nats) about the state from each item's answer: [items].

    `marginals` [KCs] is P(mastered) per KC; `item_kc`, `guess`, `slip` [items] describe the items.
    """
    m = marginals[item_kc]
    right = m * (1.0 - slip) + (1.0 - m) * guess
    return _entropy(right) - m * _entropy(1.0 - slip) - (1.0 - m) * _entropy(guess)


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
) -> int | None:
    """The index of the most informative item not asked yet, or None when every KC is settled."""
    marginals = belief.marginals()
    if bool(confident(marginals, level).all()):
        return None
    gain = information_gain(marginals, item_kc, guess.double(), slip.double())
    if asked:
        gain[list(asked)] = -1.0
    best = int(torch.argmax(gain))
    return None if gain[best] <= 0 else best


def _entropy(p: torch.Tensor) -> torch.Tensor:
    p = p.clamp(1e-12, 1 - 1e-12)
    return -(p * p.log() + (1 - p) * (1 - p).log())
