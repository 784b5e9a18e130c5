"""The probe: a few questions that find out which KCs a learner has mastered.

Each question is the item whose answer is expected to make the most KCs rightly classified
(mastered when P(mastered) > 0.5): the expected per-KC classification accuracy after the
answer, over every KC of the course, less that before it (`accuracy_gain`). This is the
value of the answer's information for the question placement asks ("which KCs does this
learner know?"), and it is where the graph belief pays: one answer moves many marginals.

Why not the information about the mastery state itself (`information_gain`)? An answer on
KC k depends on the state only through k's bit, so the mutual information between the
answer and the whole (joint) state equals that with k's bit alone: the joint reading
chooses exactly as the per-KC one. It prefers the KC whose own bit is most uncertain,
wherever it is; the accuracy gain prefers the answer that settles most KCs, and its ties
(no single answer flips any classification) are broken by the information gain.
Figures (benchmarks/policies.py --policies tutor, 40 learners, per-KC accuracy after 14
questions, a third of LLM101N's 42-question pre-test): with the simulator's parameters
87.0% by information gain, 88.4% by accuracy gain; see benchmarks/probe_ceiling.py for
what any probe could reach in that simulator.

Both follow from the belief's pairwise marginals P(k and j mastered), one product of the
states with themselves: an answer on KC c with guess g and slip s is right with
P = (1 - s) m_c + g (1 - m_c), and then k is mastered with ((1 - s) J_ck + g (m_k - J_ck)) / P.
The probe stops when every KC is confidently known or unknown, or when no answer is worth
anything; the caller keeps the question budget.
"""

import torch

from learner_model.graph import Belief

TIE_BREAK = 1e-3  # weight of the information gain (nats, at most ln 2) next to the accuracy gain (KCs)


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
) -> int | None:
    """The item not asked yet whose answer is expected to classify most KCs rightly, or None
    when every KC is settled (or no answer would tell anything)."""
    pairwise = pairwise_marginals(belief)
    marginals = pairwise.diagonal()
    if bool(confident(marginals, level).all()):
        return None
    guess, slip = guess.double(), slip.double()
    information = information_gain(marginals, item_kc, guess, slip)
    # Rounding leaves the accuracy gain a hair from zero where no answer flips a classification.
    gain = accuracy_gain(pairwise, item_kc, guess, slip)
    gain = torch.where(gain > 1e-9, gain, torch.zeros((), dtype=torch.float64))
    value = gain + TIE_BREAK * information
    if asked:
        value[list(asked)] = -1.0
    best = int(torch.argmax(value))
    return None if value[best] <= 0 else best


def _entropy(p: torch.Tensor) -> torch.Tensor:
    p = p.clamp(1e-12, 1 - 1e-12)
    return -(p * p.log() + (1 - p) * (1 - p).log())
