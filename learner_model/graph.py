"""Beliefs over which KCs a learner has mastered, respecting the prerequisite graph.

A learner's state is one bit per KC: mastered or not. The prior over states is a Bayesian
network in ramp order, so that it respects the graph:

    P(mastered k | every prerequisite of k mastered)  = base[k]
    P(mastered k | some prerequisite of k unmastered) = leak      (rare: 0.05 by default)

With `reach`, the network also knows that a ramp is learned in order: each learner has
covered the ramp up to a point (a reach, uniform over 0..K KCs), and only the KCs before
it are known with their base rate; the others with `leak`. Learners who know the
fifteenth KC then very likely know the fourteenth, even where the graph does not link
them. Evidence flows both ways: a right answer on attention raises belief in matrix
multiplication (its ancestor), and a wrong answer on matrix multiplication lowers belief
in attention. An answer on KC k is evidence through BKT's emission (right with 1 - slip if
mastered, with guess if not); after it, KC k's bit follows BKT's transition (learn,
forget).

Inference: a belief is a set of states with log-weights. With few KCs (`exact_limit`, 14
by default: 16,384 states) the set is every state and inference is exact. With more, it
is a particle filter: states drawn from the prior (ancestral sampling, which is exact for
the prior), weighted by the answers' likelihood, and resampled when the weights
degenerate. Everything is vectorized in torch over states. The probe (learner_model.probe)
chooses questions from the belief's marginals.
"""

import functools
import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Graph:
    """KCs in ramp order; `parents[k]` holds the indices of k's prerequisites (all < k)."""

    names: tuple[str, ...]
    parents: tuple[tuple[int, ...], ...]

    @classmethod
    def from_prerequisites(cls, prerequisites: dict[str, list[str]]) -> "Graph":
        """From {kc: [prerequisite, ...]} in ramp order (each prerequisite listed before its KC)."""
        names = tuple(prerequisites)
        index = {name: i for i, name in enumerate(names)}
        parents = []
        for name, prereqs in prerequisites.items():
            for prereq in prereqs:
                if index.get(prereq, len(names)) >= index[name]:
                    raise ValueError(f"prerequisite {prereq!r} of {name!r} must come before it in the ramp")
            parents.append(tuple(index[p] for p in prereqs))
        return cls(names, tuple(parents))

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class Belief:
    states: torch.Tensor  # [S, K] bool
    log_weights: torch.Tensor  # [S], normalized: logsumexp = 0
    exact: bool

    @property
    def weights(self) -> torch.Tensor:
        return self.log_weights.exp()

    @functools.cached_property
    def _states_as_numbers(self) -> torch.Tensor:
        return self.states.double()  # converted once per belief: the probe asks for marginals often

    def marginals(self) -> torch.Tensor:
        """P(mastered) per KC: [K]."""
        return self.weights @ self._states_as_numbers


def base_rates(
    graph: Graph,
    marginals: torch.Tensor,
    *,
    leak: float = 0.05,
    reach: bool = False,
    samples: int = 50_000,
    seed: int = 0,
) -> torch.Tensor:
    """The network's P(mastered k | prerequisites mastered) that reproduce given P(mastered k).

    A fitted BKT prior is a KC's marginal: it already counts learners who lack the
    prerequisites. Used as the network's conditional it would count that twice, and
    belief in later KCs would start far too low. In ramp order, with r the share of
    learners ready for k (prerequisites known and, with `reach`, k within their reach):
    marginal = base * r + leak * (1 - r), solved for base (r estimated by ancestral
    sampling; base is capped at 0.99 when too few learners are ready to explain the marginal).
    """
    generator = torch.Generator().manual_seed(seed)
    states = torch.zeros((samples, len(graph)), dtype=torch.bool)
    base = torch.empty(len(graph), dtype=torch.float64)
    reaches = _reaches(samples, len(graph), reach, generator)
    for k in range(len(graph)):
        ready = _ready(states, graph.parents[k]) & (reaches > k)
        share = float(ready.double().mean())
        wanted = float(marginals[k])
        base[k] = min(max((wanted - leak * (1 - share)) / max(share, 1e-9), leak), 0.99)
        p = torch.where(ready, base[k], _float(leak))
        states[:, k] = torch.rand(samples, generator=generator, dtype=torch.float64) < p
    return base


def prior_belief(
    graph: Graph,
    base: torch.Tensor,
    *,
    leak: float = 0.05,
    particles: int = 20_000,
    exact_limit: int = 14,
    reach: bool = False,
    seed: int = 0,
) -> Belief:
    """The belief before any answer; exact if the graph has at most `exact_limit` KCs."""
    n_kcs = len(graph)
    if n_kcs <= exact_limit:
        codes = torch.arange(2**n_kcs).unsqueeze(1)
        states = ((codes >> torch.arange(n_kcs)) & 1).bool()  # [2^K, K]: every state
        if reach:  # a mixture over every reach, each equally likely
            reaches = range(n_kcs + 1)
            log_weights = torch.logsumexp(
                torch.stack([_log_prior(graph, states, base.double(), leak, r) for r in reaches]), 0
            )
        else:
            log_weights = _log_prior(graph, states, base.double(), leak, n_kcs)
        return Belief(states, log_weights - torch.logsumexp(log_weights, 0), exact=True)
    generator = torch.Generator().manual_seed(seed)
    states = torch.zeros((particles, n_kcs), dtype=torch.bool)
    reaches = _reaches(particles, n_kcs, reach, generator)
    for k in range(n_kcs):  # ramp order: parents are drawn before their children
        ready = _ready(states, graph.parents[k]) & (reaches > k)
        p = torch.where(ready, base[k].double(), _float(leak))
        states[:, k] = torch.rand(particles, generator=generator, dtype=torch.float64) < p
    return Belief(states, torch.full((particles,), -math.log(particles), dtype=torch.float64), exact=False)


def observe(
    belief: Belief,
    kc: int,
    correct: bool,
    *,
    guess: float,
    slip: float,
    learn: float = 0.0,
    forget: float = 0.0,
    seed: int = 0,
) -> Belief:
    """The belief after one answer on KC `kc`: Bayes' rule, then KC `kc`'s BKT transition."""
    mastered = belief.states[:, kc]
    p_right = torch.where(mastered, _float(1.0 - slip), _float(guess))
    log_weights = belief.log_weights + torch.log(p_right if correct else 1.0 - p_right)
    log_weights = log_weights - torch.logsumexp(log_weights, 0)
    if belief.exact:
        return Belief(belief.states, _exact_transition(belief.states, log_weights, kc, learn, forget), exact=True)
    states, log_weights = _resample_if_degenerate(belief.states, log_weights, seed)
    generator = torch.Generator().manual_seed(seed + 1)
    flip = torch.rand(len(states), generator=generator, dtype=torch.float64)
    states = states.clone()
    states[:, kc] = torch.where(states[:, kc], flip >= forget, flip < learn)
    return Belief(states, log_weights, exact=False)


def _reaches(count: int, n_kcs: int, reach: bool, generator: torch.Generator) -> torch.Tensor:
    """How many KCs of the ramp each sample has covered: uniform over 0..K, or all of them."""
    if not reach:
        return torch.full((count,), n_kcs)
    return torch.randint(0, n_kcs + 1, (count,), generator=generator)


def _ready(states: torch.Tensor, parents: tuple[int, ...]) -> torch.Tensor:
    """Which states have every one of `parents` mastered."""
    return states[:, list(parents)].all(1) if parents else torch.ones(len(states), dtype=torch.bool)


def _log_prior(graph: Graph, states: torch.Tensor, base: torch.Tensor, leak: float, reach: int) -> torch.Tensor:
    """log P(state) for a learner who has covered the first `reach` KCs of the ramp."""
    log_p = torch.zeros(len(states), dtype=torch.float64)
    for k in range(len(graph)):
        ready = _ready(states, graph.parents[k]) & (k < reach)
        p = torch.where(ready, base[k], _float(leak))
        log_p += torch.log(torch.where(states[:, k], p, 1.0 - p))
    return log_p


def _exact_transition(states, log_weights, kc, learn, forget):
    """Mix each state with its twin that differs in KC `kc` only, by learn and forget."""
    twin = torch.arange(len(states)) ^ (1 << kc)  # states are enumerated as bit patterns
    weights = log_weights.exp()
    mastered = states[:, kc]
    stay = torch.where(mastered, _float(1.0 - forget), _float(1.0 - learn))
    arrive = torch.where(mastered, _float(learn), _float(forget))  # from the twin, which is in the other state
    mixed = weights * stay + weights[twin] * arrive
    return torch.log(mixed) - torch.log(mixed.sum())


def _resample_if_degenerate(states, log_weights, seed):
    """Systematic resampling when the effective sample size falls below half the particles."""
    weights = log_weights.exp()
    if 1.0 / float((weights**2).sum()) >= len(states) / 2:
        return states, log_weights
    generator = torch.Generator().manual_seed(seed)
    n = len(states)
    positions = (torch.rand(1, generator=generator, dtype=torch.float64) + torch.arange(n)) / n
    picked = torch.searchsorted(torch.cumsum(weights, 0), positions).clamp(max=n - 1)
    return states[picked], torch.full((n,), -math.log(n), dtype=torch.float64)


def _float(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64)  # a bare Python float in torch.where would be float32
