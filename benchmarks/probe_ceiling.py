"""How well could any probe classify a learner's KCs after a few questions, in this simulator?

    python benchmarks/probe_ceiling.py --course llm101n --learners 40 --questions 14

Ceilings, each against the learner's true starting state (per-KC accuracy, marginal > 0.5),
on the same learners as benchmarks/policies.py:
- prior: no question, each KC classified by the simulator's own population marginal;
- known reach: as if the learner's reach (how far along the ramp they have come, the
  simulator's main hidden variable) were told, each KC classified by its marginal given it;
- Bayes probe: a probe that knows the simulator exactly. Its belief is a cloud of simulated
  learners (their hidden proficiencies, so every item's success is exact for each one, not
  the two-state BKT emission the tutor assumes), reweighted by each answer; it asks the
  item with the greatest expected per-KC accuracy after the answer (or, `--criterion`, the
  greatest information summed over the KCs' bits, or about the item's own KC's bit),
  greedily, one step ahead;
- perfect items: the same, were each question a noiseless test of one KC's bit.

LLM101N, 40 learners, 20,000 simulated learners in the belief (2026-11-26): prior 79.8%,
known reach 81.7%; after 14 questions the Bayes probe reaches 87.1% (expected accuracy),
87.0% (summed information), 87.1% (own KC's information), against the tutor's probe at
87.0% with the simulator's parameters; with perfect items 96.0% (90% after 5). A learner
who has covered a stretch of the ramp still knows each KC there only with 0.85 (its
prerequisites known), so the reach alone settles little; the answers must find the
individual gaps, and the items' guess and slip (about 0.1-0.3 each at their best) make
each answer weak evidence. Greedy is not optimal, so this is an estimate, not a bound; a
bound that tells the classifier every other KC's state (and so is loose) allows 97.5%.
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


def bayes_probe(item_kc, p_right, known, answer, truth, questions: int, criterion: str) -> list[float]:
    """The greedy probe with the exact model: accuracy after 0..`questions` answers.

    `p_right` [N, items] is each simulated learner's chance on each item, `known` [N, K] their
    states, `answer(item)` the tested learner's answer, `truth` [K] their state."""
    states = torch.from_numpy(known).double()
    log_w = torch.full((len(states),), -math.log(len(states)), dtype=torch.float64)
    asked: set[int] = set()
    curve = [accuracy_of((log_w.exp() @ states).numpy(), truth)]
    for _ in range(questions):
        w = (log_w - torch.logsumexp(log_w, 0)).exp()
        right = w[:, None] * p_right  # [N, I]: weight of each learner and a right answer
        m_right = right.T @ states  # [I, K]
        p = right.sum(0)[:, None]
        m_wrong = (w @ states)[None, :] - m_right
        score = _score(criterion, item_kc, w @ states, m_right, m_wrong, p)
        if asked:
            score[list(asked)] = -math.inf
        item = int(torch.argmax(score))
        asked.add(item)
        log_w = log_w + torch.log(p_right[:, item] if answer(item) else 1 - p_right[:, item])
        w = (log_w - torch.logsumexp(log_w, 0)).exp()
        curve.append(accuracy_of((w @ states).numpy(), truth))
    return curve


def _h(p):
    p = p.clamp(1e-12, 1 - 1e-12)
    return -(p * p.log() + (1 - p) * (1 - p).log())


def _score(criterion, item_kc, m, m_right, m_wrong, p):
    """Expected per-KC accuracy after the answer, or an information gain, per item: [I]."""
    if criterion == "accuracy":
        return torch.maximum(m_right, p - m_right).sum(1) + torch.maximum(m_wrong, 1 - p - m_wrong).sum(1)
    # Information about each KC's bit, [I, K]; "item-kc" keeps only the item's own KC's.
    info = _h(m)[None, :] - p * _h(m_right / p) - (1 - p) * _h(m_wrong / (1 - p))
    if criterion == "marginal-information":
        return info.sum(1)
    return info[torch.arange(len(item_kc)), item_kc]


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
    item_kc = torch.tensor([item.kc for item in sim.items])
    for criterion in args.criterion:
        curves = []
        for n in range(args.learners):
            learner = Learner(sim, np.random.default_rng([args.seed, n]))
            truth = learner.mastered().copy()  # before any answer: a probe question may teach
            answer = lambda i, lr=learner: lr.answer(i)[0]  # noqa: E731
            curves.append(bayes_probe(item_kc, p_right, known, answer, truth, args.questions, criterion))
        print(f"Bayes probe (exact simulator model, {criterion}), accuracy after 0, 1, 2, ... questions:")
        print(" ".join(f"{a:.1%}" for a in np.mean(curves, 0)))
    # Perfect items: each question tells one KC's true bit, no guess, no slip.
    perfect = torch.from_numpy(known).double().clamp(1e-9, 1 - 1e-9)
    every_kc = torch.arange(len(sim.names))
    curves = []
    for truth in truths:
        answer = lambda k, t=truth: bool(t[k])  # noqa: E731
        curves.append(bayes_probe(every_kc, perfect, known, answer, truth, args.questions, "accuracy"))
    print("Bayes probe with perfect items (one KC's bit per question), accuracy after 0, 1, 2, ... questions:")
    print(" ".join(f"{a:.1%}" for a in np.mean(curves, 0)))


if __name__ == "__main__":
    main()
