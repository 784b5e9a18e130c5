import pytest
import torch

from learner_model.graph import Graph, observe, prior_belief
from learner_model.probe import confident, information_gain, next_probe

CHAIN = Graph.from_prerequisites({f"k{i}": ([f"k{i - 1}"] if i else []) for i in range(8)})


def test_information_gain_equals_the_mutual_information_over_states():
    graph = Graph.from_prerequisites({"a": [], "b": ["a"], "c": ["a", "b"]})
    belief = observe(prior_belief(graph, torch.tensor([0.5, 0.6, 0.4])), 1, True, guess=0.2, slip=0.1)
    guess, slip = torch.tensor([0.2, 0.3, 0.05], dtype=torch.float64), torch.tensor([0.1, 0.2, 0.15])
    # I(answer; state) summed over the 8 states directly.
    w = belief.weights
    right = torch.where(belief.states, 1 - slip.double(), guess)  # [S, K]

    def h(p):
        return -(p * p.log() + (1 - p) * (1 - p).log())

    direct = h(w @ right) - w @ h(right)
    from_marginals = information_gain(belief.marginals(), torch.arange(3), guess, slip.double())
    assert from_marginals.tolist() == pytest.approx(direct.tolist(), abs=1e-12)


def test_an_item_that_cannot_tell_mastery_apart_gives_nothing():
    gain = information_gain(
        torch.tensor([0.5, 0.5]), torch.tensor([0, 1]), torch.tensor([0.2, 0.9]), torch.tensor([0.1, 0.1])
    )
    assert gain[0] > 0.2 and gain[1] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("mastered", [0, 3, 5, 8])
def test_on_a_chain_the_probe_finds_the_learners_place_in_few_questions(mastered):
    """A chain of 8 KCs has 9 places to be: bisection needs 4 answers if none were noisy; the
    probe may ask one more to be 90% sure, against the 8 of a pre-test with one item per KC."""
    item_kc = torch.arange(8)
    guess = torch.full((8,), 0.05, dtype=torch.float64)
    slip = torch.full((8,), 0.05, dtype=torch.float64)
    belief = prior_belief(CHAIN, torch.full((8,), 0.7, dtype=torch.float64), leak=0.02)
    asked = set()
    while (item := next_probe(belief, item_kc, guess, slip, asked=asked)) is not None:
        asked.add(item)
        belief = observe(belief, item, correct=item < mastered, guess=0.05, slip=0.05)
    assert len(asked) <= 5
    marginals = belief.marginals()
    assert bool(confident(marginals).all())
    assert [bool(p > 0.5) for p in marginals] == [k < mastered for k in range(8)]
