import pytest
import torch

from learner_model.graph import Graph, observe, prior_belief
from learner_model.probe import accuracy_gain, confident, information_gain, next_probe, pairwise_marginals

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


def test_accuracy_gain_by_hand_on_two_kcs():
    """a -> b, P(a) = 0.6, P(b | a) = 0.5, P(b | not a) = 0.05: states (a, b) have
    P(0,0) = 0.38, P(0,1) = 0.02, P(1,0) = 0.3, P(1,1) = 0.3; before any answer 0.6 + 0.68 = 1.28
    KCs are rightly classified. An item on a (guess 0.2, slip 0.1) is right with 0.62; then a
    is mastered with 0.54 / 0.62 and b with (0.27 + 0.004) / 0.62: 0.54 + 0.346 rightly
    classified; wrong (0.38): 0.32 + 0.334. Gain 1.54 - 1.28 = 0.26. The same item on b:
    right (0.424) 0.288 + 0.33, wrong (0.576) 0.544 + 0.306; gain 1.468 - 1.28 = 0.188."""
    graph = Graph.from_prerequisites({"a": [], "b": ["a"]})
    belief = prior_belief(graph, torch.tensor([0.6, 0.5], dtype=torch.float64), leak=0.05)
    guess = torch.tensor([0.2, 0.2], dtype=torch.float64)
    slip = torch.tensor([0.1, 0.1], dtype=torch.float64)
    gain = accuracy_gain(pairwise_marginals(belief), torch.tensor([0, 1]), guess, slip)
    assert gain.tolist() == pytest.approx([0.26, 0.188], abs=1e-12)


def test_accuracy_gain_equals_the_expected_accuracy_summed_over_states_and_answers():
    graph = Graph.from_prerequisites({"a": [], "b": ["a"], "c": ["b"], "d": ["a"]})
    belief = observe(prior_belief(graph, torch.tensor([0.7, 0.8, 0.6, 0.5])), 2, False, guess=0.25, slip=0.1)
    item_kc = torch.tensor([0, 1, 2, 3, 1])
    guess = torch.tensor([0.2, 0.3, 0.05, 0.25, 0.1], dtype=torch.float64)
    slip = torch.tensor([0.1, 0.2, 0.15, 0.05, 0.3], dtype=torch.float64)
    w, states = belief.weights, belief.states.double()
    before = torch.maximum(w @ states, 1 - w @ states).sum()
    direct = []
    for i, kc in enumerate(item_kc.tolist()):
        right = torch.where(belief.states[:, kc], 1 - slip[i], guess[i])  # [S]
        after = 0.0
        for likelihood in (right, 1 - right):
            joint = (w * likelihood) @ states  # P(k mastered and this answer)
            after += torch.maximum(joint, (w * likelihood).sum() - joint).sum()
        direct.append(float(after - before))
    gain = accuracy_gain(pairwise_marginals(belief), item_kc, guess, slip)
    assert gain.tolist() == pytest.approx(direct, abs=1e-12)


def test_by_accuracy_the_probe_asks_what_settles_most_kcs_not_the_most_uncertain_bit():
    """On a chain of 8 KCs (marginals 0.8, 0.64, 0.52, 0.43, ...) the most uncertain bit is
    k2's; an answer on k3 moves more marginals across 0.5. By information the probe asks k2,
    by accuracy k3."""
    belief = prior_belief(CHAIN, torch.full((8,), 0.8, dtype=torch.float64), leak=0.02)
    item_kc = torch.arange(8)
    guess = torch.full((8,), 0.1, dtype=torch.float64)
    slip = torch.full((8,), 0.1, dtype=torch.float64)
    gain = accuracy_gain(pairwise_marginals(belief), item_kc, guess, slip)
    information = information_gain(belief.marginals(), item_kc, guess, slip)
    assert int(torch.argmax(information)) != int(torch.argmax(gain))
    assert next_probe(belief, item_kc, guess, slip, by="accuracy") == int(torch.argmax(gain))
    assert next_probe(belief, item_kc, guess, slip) == int(torch.argmax(information))


@pytest.mark.parametrize("by", ["information", "accuracy"])
def test_either_criterion_places_a_chain_learner_rightly(by):
    item_kc = torch.arange(8)
    noise = torch.full((8,), 0.05, dtype=torch.float64)
    belief = prior_belief(CHAIN, torch.full((8,), 0.7, dtype=torch.float64), leak=0.02)
    asked = set()
    while (item := next_probe(belief, item_kc, noise, noise, asked=asked, by=by)) is not None:
        asked.add(item)
        belief = observe(belief, item, correct=item < 5, guess=0.05, slip=0.05)
    assert len(asked) <= 5
    assert [bool(p > 0.5) for p in belief.marginals()] == [k < 5 for k in range(8)]


def test_an_unknown_criterion_is_refused():
    belief = prior_belief(CHAIN, torch.full((8,), 0.7, dtype=torch.float64))
    with pytest.raises(ValueError, match="probe criterion 'entropy'"):
        next_probe(belief, torch.arange(8), torch.full((8,), 0.1), torch.full((8,), 0.1), by="entropy")
