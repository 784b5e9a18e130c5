"""Beliefs over the prerequisite graph, against exact enumeration written out by hand."""

import itertools

import pytest
import torch

from learner_model.graph import Graph, base_rates, observe, prior_belief

# a -> b, a -> c, (b, c) -> d
GRAPH = Graph.from_prerequisites({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]})
BASE = torch.tensor([0.6, 0.5, 0.7, 0.4], dtype=torch.float64)
LEAK = 0.05
ANSWERS = [  # (kc, correct, guess, slip, learn)
    (3, True, 0.2, 0.1, 0.1),
    (1, False, 0.25, 0.1, 0.2),
    (0, True, 0.3, 0.05, 0.0),
    (3, False, 0.2, 0.1, 0.1),
]


def brute_force_marginals(answers, *, reach=False):
    """P(mastered) per KC by summing over all 16 states, step by step, with Python floats.
    With `reach`, each state's prior is averaged over reaches 0..4 (KCs covered in ramp order)."""
    weights = {}
    for state in itertools.product([0, 1], repeat=4):
        total = 0.0
        for covered in range(5) if reach else [4]:
            p = 1.0
            for k, parents in enumerate(GRAPH.parents):
                ready = all(state[j] for j in parents) and k < covered
                p_k = BASE[k].item() if ready else LEAK
                p *= p_k if state[k] else 1 - p_k
            total += p
        weights[state] = total
    for kc, correct, guess, slip, learn in answers:
        for state in weights:
            p_right = 1 - slip if state[kc] else guess
            weights[state] *= p_right if correct else 1 - p_right
        moved = dict.fromkeys(weights, 0.0)
        for state, w in weights.items():
            if state[kc]:
                moved[state] += w
            else:
                learned = tuple(1 if i == kc else b for i, b in enumerate(state))
                moved[learned] += w * learn
                moved[state] += w * (1 - learn)
        weights = moved
    total = sum(weights.values())
    return [sum(w for s, w in weights.items() if s[k]) / total for k in range(4)]


def run(belief, answers):
    for step, (kc, correct, guess, slip, learn) in enumerate(answers):
        belief = observe(belief, kc, correct, guess=guess, slip=slip, learn=learn, seed=step)
    return belief


def test_exact_belief_update_matches_enumeration_by_hand():
    belief = prior_belief(GRAPH, BASE, leak=LEAK)
    assert belief.exact and belief.states.shape == (16, 4)
    assert belief.marginals().tolist() == pytest.approx(brute_force_marginals([]), abs=1e-12)
    for n in range(1, len(ANSWERS) + 1):
        marginals = run(prior_belief(GRAPH, BASE, leak=LEAK), ANSWERS[:n]).marginals()
        assert marginals.tolist() == pytest.approx(brute_force_marginals(ANSWERS[:n]), abs=1e-12)


def test_exact_belief_with_reach_matches_enumeration_by_hand():
    for n in range(len(ANSWERS) + 1):
        marginals = run(prior_belief(GRAPH, BASE, leak=LEAK, reach=True), ANSWERS[:n]).marginals()
        assert marginals.tolist() == pytest.approx(brute_force_marginals(ANSWERS[:n], reach=True), abs=1e-12)


def test_particles_with_reach_approximate_the_exact_belief():
    exact = run(prior_belief(GRAPH, BASE, leak=LEAK, reach=True), ANSWERS).marginals()
    sampled = prior_belief(GRAPH, BASE, leak=LEAK, reach=True, exact_limit=0, particles=40_000, seed=3)
    assert run(sampled, ANSWERS).marginals().tolist() == pytest.approx(exact.tolist(), abs=0.02)


def test_base_rates_with_reach_reproduce_the_fitted_marginal_priors():
    wanted = torch.tensor([0.5, 0.25, 0.2, 0.08], dtype=torch.float64)  # later KCs: fewer reach them
    base = base_rates(GRAPH, wanted, leak=LEAK, reach=True)
    marginals = prior_belief(GRAPH, base, leak=LEAK, reach=True).marginals()
    assert marginals.tolist() == pytest.approx(wanted.tolist(), abs=0.01)


def test_particles_approximate_the_exact_belief():
    sampled = prior_belief(GRAPH, BASE, leak=LEAK, exact_limit=0, particles=40_000, seed=1).marginals()
    assert sampled.tolist() == pytest.approx(brute_force_marginals([]), abs=0.01)
    exact = run(prior_belief(GRAPH, BASE, leak=LEAK), ANSWERS).marginals()
    particles = run(prior_belief(GRAPH, BASE, leak=LEAK, exact_limit=0, particles=40_000, seed=3), ANSWERS)
    assert not particles.exact
    assert particles.marginals().tolist() == pytest.approx(exact.tolist(), abs=0.02)


def test_evidence_flows_along_the_graph_both_ways():
    prior = prior_belief(GRAPH, BASE, leak=LEAK).marginals()
    knows_d = observe(prior_belief(GRAPH, BASE, leak=LEAK), 3, True, guess=0.1, slip=0.1).marginals()
    assert knows_d[0] > prior[0] + 0.1  # right on d: its ancestor a is likely mastered
    misses_a = observe(prior_belief(GRAPH, BASE, leak=LEAK), 0, False, guess=0.1, slip=0.1).marginals()
    assert misses_a[3] < 0.6 * prior[3]  # wrong on a: its descendant d is likely not


def test_a_prerequisite_after_its_kc_is_refused():
    with pytest.raises(ValueError, match="must come before it"):
        Graph.from_prerequisites({"b": ["a"], "a": []})


def test_base_rates_reproduce_the_fitted_marginal_priors():
    wanted = torch.tensor([0.5, 0.3, 0.35, 0.2], dtype=torch.float64)
    base = base_rates(GRAPH, wanted, leak=LEAK)
    assert base[0] == pytest.approx(0.5, abs=0.01)
    assert base[3] > wanted[3]  # d needs b and c: its conditional rate exceeds its marginal
    marginals = prior_belief(GRAPH, base, leak=LEAK).marginals()
    assert marginals.tolist() == pytest.approx(wanted.tolist(), abs=0.01)
