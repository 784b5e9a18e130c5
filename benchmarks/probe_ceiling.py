"""How well could any probe classify a learner's KCs after a few questions, in this simulator?

    python benchmarks/probe_ceiling.py --course llm101n --learners 40 --questions 14

Ceilings, each against the learner's true starting state (per-KC accuracy, marginal > 0.5):
- prior: no question, each KC classified by the simulator's own population marginal;
- known reach: as if the learner's reach (how far along the ramp they have come, the
  simulator's main hidden variable) were told, each KC classified by its marginal given it;
- Bayes probe: a probe that knows the simulator exactly. Its belief is a cloud of simulated
  learners (their hidden proficiencies, so every item's success is exact for each one, not
  the two-state BKT emission the tutor assumes), reweighted by each answer; it asks the
  item with the greatest expected per-KC accuracy after the answer (one step ahead). No
  probe that sees only answers can do much better; the tutor's probe, with fitted BKT
  parameters and a two-state model, does worse.
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.policies import sim_course  # noqa: E402
from learner_model.simulate import Learner, SimCourse  # noqa: E402


def population(sim: SimCourse, count: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`count` simulated learners at the start: proficiencies [N, K], mastered [N, K], reach [N]."""
    lines = np.array([sim.mastery_line(k) for k in range(len(sim.names))])
    thetas, known, reaches = [], [], []
    for n in range(count):
        learner = _fast_learner(sim, lines, np.random.default_rng([seed, 50_000 + n]))
        thetas.append(learner.theta)
        known.append(learner.mastered())
        reaches.append(learner.reach)
    return np.array(thetas), np.array(known), np.array(reaches)


def _fast_learner(sim: SimCourse, lines: np.ndarray, rng: np.random.Generator) -> Learner:
    """Learner.__init__ with the mastery lines computed once (the same draws in the same order)."""
    learner = Learner.__new__(Learner)
    learner.course, learner.rng = sim, rng
    aptitude = rng.normal(0.0, 0.5)
    known = np.zeros(len(sim.names), dtype=bool)
    learner.reach = reach = rng.uniform(0.0, len(sim.names))
    for k, parents in enumerate(sim.parents):
        rate = sim.base[k] if k < reach and all(known[j] for j in parents) else sim.leak
        known[k] = rng.random() < rate
    start = np.where(known, lines + rng.uniform(0.0, 1.0, len(lines)), lines - 3.0 + rng.normal(0, 0.4, len(lines)))
    learner.theta = np.where(known, np.maximum(start + aptitude * 0.3, lines), start + aptitude * 0.3)
    learner.lines = lines
    return learner


def success(sim: SimCourse, thetas: torch.Tensor) -> torch.Tensor:
    """Each learner's chance of answering each item right: [N, items]."""
    kc = torch.tensor([item.kc for item in sim.items])
    d = torch.tensor([item.difficulty for item in sim.items], dtype=torch.float64)
    g = torch.tensor([item.guess for item in sim.items], dtype=torch.float64)
    s = torch.tensor([item.slip for item in sim.items], dtype=torch.float64)
    return g + (1 - g - s) * torch.sigmoid(thetas[:, kc] - d)


def accuracy_of(marginals: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean((marginals > 0.5) == truth))


def bayes_probe(sim, p_right, known, weights, learner: Learner, questions: int, criterion: str) -> list[float]:
    """The greedy expected-accuracy probe with the exact model: accuracy after 0..`questions` answers."""
    truth = learner.mastered().copy()
    states = torch.from_numpy(known).double()
    log_w = torch.log(weights)
    asked: set[int] = set()
    curve = [accuracy_of((weights @ states).numpy(), truth)]
    for _ in range(questions):
        w = (log_w - torch.logsumexp(log_w, 0)).exp()
        right = w[:, None] * p_right  # [N, I]: weight of each learner and a right answer
        m_right = right.T @ states  # [I, K]
        p = right.sum(0)[:, None]
        m_wrong = (w @ states)[None, :] - m_right
        score = _score(criterion, sim, w @ states, m_right, m_wrong, p)
        if asked:
            score[list(asked)] = -math.inf
        item = int(torch.argmax(score))
        asked.add(item)
        answer, _ = learner.answer(item)
        log_w = log_w + torch.log(p_right[:, item] if answer else 1 - p_right[:, item])
        w = (log_w - torch.logsumexp(log_w, 0)).exp()
        curve.append(accuracy_of((w @ states).numpy(), truth))
    return curve


def _h(p):
    p = p.clamp(1e-12, 1 - 1e-12)
    return -(p * p.log() + (1 - p) * (1 - p).log())


def _score(criterion, sim, m, m_right, m_wrong, p):
    """Expected per-KC accuracy after the answer, or an information gain, per item: [I]."""
    if criterion == "accuracy":
        return torch.maximum(m_right, p - m_right).sum(1) + torch.maximum(m_wrong, 1 - p - m_wrong).sum(1)
    # Information about each KC's bit, [I, K]; "item-kc" keeps only the item's own KC's.
    info = _h(m)[None, :] - p * _h(m_right / p) - (1 - p) * _h(m_wrong / (1 - p))
    if criterion == "marginal-information":
        return info.sum(1)
    kc = torch.tensor([item.kc for item in sim.items])
    return info[torch.arange(len(kc)), kc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default="llm101n")
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--questions", type=int, default=14)
    parser.add_argument("--particles", type=int, default=20_000, help="simulated learners in the Bayes probe's belief")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--criterion", choices=("accuracy", "marginal-information", "item-kc"), nargs="+", default=["accuracy"]
    )
    args = parser.parse_args()

    sim = sim_course(args.course)
    thetas, known, reaches = population(sim, args.particles, args.seed)
    marginals = known.mean(0)
    # The same test learners as benchmarks/policies.py (seed, n).
    tests = [Learner(sim, np.random.default_rng([args.seed, n])) for n in range(args.learners)]
    truths = [t.mastered().copy() for t in tests]
    prior = np.mean([accuracy_of(marginals, t) for t in truths])
    # Known reach: the learner covered ceil(reach) KCs; classify by the population's marginal given that.
    covered = np.ceil(reaches).astype(int)
    by_reach = {c: known[covered == c].mean(0) for c in np.unique(covered)}
    known_reach = []
    for n in range(args.learners):
        rng = np.random.default_rng([args.seed, n])
        rng.normal(0.0, 0.5)  # the draws of Learner.__init__ up to the reach
        c = int(math.ceil(rng.uniform(0.0, len(sim.names))))
        known_reach.append(accuracy_of(by_reach.get(c, marginals), truths[n]))
    print(f"course {args.course}: {len(sim.names)} KCs, {len(sim.items)} items; {args.learners} learners")
    print(f"ceiling, prior alone (0 questions): {prior:.1%}")
    print(f"ceiling, the learner's reach told (0 questions): {np.mean(known_reach):.1%}")
    p_right = success(sim, torch.from_numpy(thetas))
    weights = torch.full((len(known),), 1.0 / len(known), dtype=torch.float64)
    for criterion in args.criterion:
        curves = [
            bayes_probe(
                sim, p_right, known, weights, Learner(sim, np.random.default_rng([args.seed, n])), args.questions, criterion
            )
            for n in range(args.learners)
        ]
        print(f"Bayes probe (exact simulator model, {criterion}), accuracy after 0, 1, 2, ... questions:")
        print(" ".join(f"{a:.1%}" for a in np.mean(curves, 0)))


if __name__ == "__main__":
    main()
