"""Synthetic learners on a course graph, to measure tutoring policies against a known truth.

What the simulator assumes about learners (all of it can be argued with; all of it is here):

1. Proficiency. Each learner has, per KC, a hidden proficiency `theta` (logits). An item i
   of the KC has a difficulty `d_i`, a guess `g_i` and a slip `s_i`, and is answered right
   with probability  g_i + (1 - g_i - s_i) * sigmoid(theta - d_i).
2. Mastery. A KC is truly mastered when `theta >= MASTERY` logits above the mean difficulty
   of its items: the learner then gets a typical item right about 85% of the time (with
   guess 0.2 and slip 0.1). A learner's first crossing of that line is a eureka.
3. Starting point. Learners arrive having covered different stretches of the ramp: each
   has a `reach`, drawn uniformly between none of the ramp and all of it. A KC before the
   reach is known with its base rate if its prerequisites are known; any other KC is
   known rarely (`leak`). Known KCs start at or above the mastery line, others below it
   (`GAP` logits, with noise); a learner's overall aptitude shifts every KC.
4. Learning (BKT-style, one jump). Answering an item of an unmastered KC may lift `theta`
   over the mastery line with probability  learn * fit(p) * ready, where p is the learner's
   chance of answering right, fit(p) = exp(-((p - 0.775) / 0.25)^2 / 2) peaks in the
   0.7-0.85 band (items far too easy teach little, items far too hard teach little), and
   ready is 1 when the KC's prerequisites are mastered and 0.1 when they are not.
5. Forgetting. After each answer, every other mastered KC may fall back below the line
   (half a GAP) with a small probability `forget`, 0.0002 by default: a KC mastered 1,000
   answers ago is lost by about 18% of learners.
6. Time. An answer takes `seconds` (per KC) scaled by how hard the item is for the learner,
   exp(0.3 * (d_i - theta)) clipped to [0.5, 2], times log-normal noise (sd 0.25); a wrong
   answer takes 20% longer.

What it leaves out, knowingly: learning within a KC is one jump, so there is no gradual
climb through a KC's items; items do not teach each other's KCs; learners do not quit.
`benchmarks/policies.py` also runs an oracle that sees this hidden state, as the ceiling.
"""

import math
from dataclasses import dataclass

import numpy as np

MASTERY = 1.5  # logits above the KC's mean item difficulty
GAP = 3.0  # how far below the line an unknown KC starts
BAND = (0.7, 0.85)


@dataclass(frozen=True)
class SimItem:
    kc: int
    difficulty: float
    guess: float
    slip: float


@dataclass(frozen=True)
class SimCourse:
    """A course as the simulator sees it: KCs in ramp order with prerequisites, and items."""

    names: tuple[str, ...]
    parents: tuple[tuple[int, ...], ...]
    items: tuple[SimItem, ...]
    base: tuple[float, ...]  # P(known at the start | prerequisites known), per KC
    learn: float = 0.3
    forget: float = 0.0002
    leak: float = 0.05
    seconds: float = 40.0

    def items_of(self, kc: int) -> list[int]:
        return [i for i, item in enumerate(self.items) if item.kc == kc]

    def mastery_line(self, kc: int) -> float:
        return float(np.mean([self.items[i].difficulty for i in self.items_of(kc)])) + MASTERY


def random_course(n_kcs: int, seed: int, *, items_per_kc: int = 10) -> SimCourse:
    """A random ramp: each KC after the first depends on one to three earlier KCs."""
    rng = np.random.default_rng(seed)
    parents = [()]
    for k in range(1, n_kcs):
        count = min(k, int(rng.integers(1, 4)))
        # Mostly recent KCs, as in a ramp where each step builds on the last few.
        window = np.arange(max(0, k - 8), k)
        parents.append(tuple(sorted(rng.choice(window, size=min(count, len(window)), replace=False).tolist())))
    items = tuple(
        SimItem(kc, float(d), float(g), float(s))
        for kc in range(n_kcs)
        for d, g, s in zip(
            np.linspace(-3.0, 3.0, items_per_kc) + rng.normal(0, 0.2, items_per_kc),
            rng.choice([0.05, 0.25, 0.33], items_per_kc),
            rng.uniform(0.05, 0.15, items_per_kc),
        )
    )
    base = tuple(float(b) for b in rng.uniform(0.7, 0.95, n_kcs))
    return SimCourse(tuple(f"kc{k}" for k in range(n_kcs)), tuple(parents), items, base)


class Learner:
    """One synthetic learner; `answer(item)` returns (right, seconds) and updates the hidden state."""

    def __init__(self, course: SimCourse, rng: np.random.Generator):
        self.course, self.rng = course, rng
        aptitude = rng.normal(0.0, 0.5)
        known = np.zeros(len(course.names), dtype=bool)
        reach = rng.uniform(0.0, len(course.names))
        for k, parents in enumerate(course.parents):
            rate = course.base[k] if k < reach and all(known[j] for j in parents) else course.leak
            known[k] = rng.random() < rate
        lines = np.array([course.mastery_line(k) for k in range(len(course.names))])
        start = np.where(known, lines + rng.uniform(0.0, 1.0, len(lines)), lines - GAP + rng.normal(0, 0.4, len(lines)))
        # Aptitude shifts every KC, but a KC the learner knows stays on or above the line.
        self.theta = np.where(known, np.maximum(start + aptitude * 0.3, lines), start + aptitude * 0.3)
        self.lines = lines
        self.eurekas: list[int] = []  # KCs in the order they were first mastered
        self._ever = self.mastered().copy()

    def mastered(self) -> np.ndarray:
        return self.theta >= self.lines

    def learned_everything(self) -> bool:
        """Every KC mastered at least once: the learner has had every eureka of the course."""
        return bool(self._ever.all())

    def p_right(self, item_index: int) -> float:
        item = self.course.items[item_index]
        return item.guess + (1 - item.guess - item.slip) / (1 + math.exp(-(self.theta[item.kc] - item.difficulty)))

    def answer(self, item_index: int) -> tuple[bool, float]:
        item, course, rng = self.course.items[item_index], self.course, self.rng
        p = self.p_right(item_index)
        right = bool(rng.random() < p)
        hardness = min(max(math.exp(0.3 * (item.difficulty - self.theta[item.kc])), 0.5), 2.0)
        seconds = course.seconds * hardness * math.exp(rng.normal(0, 0.25)) * (1.0 if right else 1.2)
        ready = 1.0 if all(self.mastered()[j] for j in course.parents[item.kc]) else 0.1
        fit = math.exp(-(((p - 0.775) / 0.25) ** 2) / 2)
        if not self.mastered()[item.kc] and rng.random() < course.learn * fit * ready:
            self.theta[item.kc] = self.lines[item.kc] + rng.uniform(0.0, 0.5)
        others = self.mastered() & (np.arange(len(self.theta)) != item.kc)
        forgotten = others & (rng.random(len(self.theta)) < course.forget)
        self.theta[forgotten] = self.lines[forgotten] - GAP / 2
        newly = self.mastered() & ~self._ever
        self.eurekas += np.flatnonzero(newly).tolist()
        self._ever |= newly
        return right, seconds

    def in_band(self, item_index: int) -> bool:
        return BAND[0] <= self.p_right(item_index) <= BAND[1]
