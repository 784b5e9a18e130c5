"""Tutoring policies compared on the same simulated learners (learner_model/simulate.py).

    python benchmarks/policies.py --course llm101n --learners 200 --seed 0 [--json OUT.json]
    python benchmarks/policies.py --course random:60:1 --learners 100

Policies, each seeing only the learners' answers:
- random: any item of the course, at random;
- ramp: every item in ramp order, round and round;
- mastery: ramp order, practising each KC until BKT says P(mastered) >= 0.95 (classic BKT tutors);
All of them use BKT parameters fitted (EM, guess and slip per item) to a calibration cohort
that answered at random, as the tutor's refit would fit them from its log.
- oracle: sees the learner's true state and serves the item nearest the band on a KC they are
  ready for: no one can run it; it is the ceiling for the others.
- state-oracle: sees which KCs the learner has truly mastered, but not how far above or below
  the line they are, and chooses by the BKT parameters every policy has: what a policy whose
  learner model has two states per KC (mastered or not), the tutor's included, could do if it
  never had to spend an item finding out which state a learner is in.
- tutor: the tutor's own loop (tutor/loop.py): the probe first (learner_model/probe.py over the
  graph belief), then items from the frontier whose predicted success is nearest the target;
  with `--ability on` (the default) predicted for the learner by their ability offsets within
  each state (learner_model/proficiency.py), with `--ability off` for the population.

Reported per policy: items and simulated minutes until the learner has mastered every KC at
least once (every eureka of the course; runs are capped at `--cap` items per KC, and a run
that does not get there counts as the cap; `finished` is the share that did), the share of
KCs still mastered when the run ends (forgetting), eurekas per hour, and the share of served
items whose true success probability lay in the course's band (0.7-0.85), the tutor's probe
questions included, and where the items after the probe went (`served_as`: phase of the loop
that chose it, the KC's true state M or U, and whether the item was in the band, too easy or too hard). For the probe:
questions asked, and its per-KC classification accuracy against the learner's true state
after 0, 1, 2, ... questions, next to a pre-test of one item per KC.

`--parameters true` gives every policy the BKT parameters the simulator implies instead of
fitted ones, which separates the quality of a policy from the quality of the fit.
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content import load_course  # noqa: E402
from content.ramp import KC, BKTParams, Course, Item  # noqa: E402
from learner_model import bkt  # noqa: E402
from learner_model.graph import Graph, base_rates, observe, prior_belief  # noqa: E402
from learner_model.log import from_columns  # noqa: E402
from learner_model.model import KCFit, Options, fit  # noqa: E402
from learner_model.probe import next_probe  # noqa: E402
from learner_model.proficiency import KCAbility  # noqa: E402
from learner_model.simulate import BAND, GAP, Learner, SimCourse, SimItem, random_course  # noqa: E402
from tutor import loop  # noqa: E402
from tutor.loop import (  # noqa: E402
    STUCK_WINDOW,
    ability_after,
    after_answer,
    is_certain,
    item_params,
    kc_params,
    next_item,
    teaching_params,
)
from tutor.loop import mastered as loop_mastered  # noqa: E402

POLICIES = ("random", "ramp", "mastery", "tutor", "state-oracle", "oracle")


def sim_course(spec: str) -> SimCourse:
    if spec.startswith("random:"):
        _, kcs, seed = spec.split(":")
        return random_course(int(kcs), int(seed))
    course = load_course(ROOT / "content" / "courses" / spec if "/" not in spec else spec)
    index = {kc.id: k for k, kc in enumerate(course.kcs)}
    items = []
    for k, kc in enumerate(course.kcs):
        # Authors order a KC's items from easy to hard.
        for item, difficulty in zip(kc.items, np.linspace(-3.0, 3.0, len(kc.items))):
            items.append(SimItem(k, float(difficulty), item.guess or kc.bkt.guess, item.slip or kc.bkt.slip))
    return SimCourse(
        tuple(kc.id for kc in course.kcs),
        tuple(tuple(index[p] for p in kc.prerequisites) for kc in course.kcs),
        tuple(items),
        base=tuple([0.85] * len(course.kcs)),
    )


def calibrate(sim: SimCourse, *, learners: int, seed: int) -> dict[str, KCFit]:
    """Parameters fitted (EM, guess and slip per item) to a calibration cohort, as the tutor's
    refit would fit them from its own log: no policy is told the simulator's truth.

    The cohort works through the course as through a textbook: KCs in ramp order, each KC's
    items once, in random order. (A cohort answering items at random fits worse: most of its
    answers come before learners are ready, and slip comes out about 30% further off.)
    Forgetting is not fitted: in such a log a KC's answers come one after another, so EM's
    forget only soaks up misfit (it came out 10 to 100 times the simulator's); every policy
    gets the same assumed rate instead (`--forget`)."""
    kcs, who, items, right = [], [], [], []
    for n in range(learners):
        learner = Learner(sim, np.random.default_rng([seed, 10_000 + n]))
        rng = np.random.default_rng([seed, 20_000 + n])
        for item in (int(i) for k in range(len(sim.names)) for i in rng.permutation(sim.items_of(k))):
            kcs.append(sim.names[sim.items[item].kc])
            who.append(n)
            items.append(item)
            right.append(learner.answer(item)[0])
    model = fit(
        from_columns(kcs=kcs, learners=who, items=items, correct=right),
        Options(item_guess_slip=True, restarts=3, seed=seed),
    )
    return {name: model.kc(name) for name in sim.names}


def simulator_truth(sim: SimCourse, *, seed: int) -> dict[str, KCFit]:
    """The BKT parameters the simulator implies (`--parameters true`): each item's success at the
    unmastered and mastered levels, the share of learners who start with each KC, its learn
    rate. Separates how good a policy is from how well the parameters were fitted."""
    starts = np.mean([Learner(sim, np.random.default_rng([seed, 30_000 + n])).mastered() for n in range(2000)], 0)
    fits = {}
    for k, name in enumerate(sim.names):
        line = sim.mastery_line(k)
        items = {}
        for i in sim.items_of(k):
            item = sim.items[i]

            def success(theta, item=item):
                return item.guess + (1 - item.guess - item.slip) / (1 + math.exp(-(theta - item.difficulty)))

            items[str(i)] = {"guess": success(line - GAP), "slip": 1.0 - success(line + 0.25)}
        prior = float(np.clip(starts[k], 0.01, 0.99))
        fits[name] = KCFit(
            prior, sim.learn, 0.0, 0.2, 0.1, n_responses=0, log_likelihood=0.0, iterations=0, items=items
        )
    return fits


def tutor_course(sim: SimCourse, fits: dict[str, KCFit], forget: float) -> Course:
    """The simulated course as the tutor's loop sees it (content.ramp data), with the given
    parameters and an assumed forgetting per answer for every KC."""
    kcs = []
    for k, name in enumerate(sim.names):
        fitted = fits[name]
        items = tuple(
            Item(
                id=str(i),
                kind="numeric",
                prompt="",
                answer=0.0,
                guess=fitted.items.get(str(i), {}).get("guess", fitted.guess),
                slip=fitted.items.get(str(i), {}).get("slip", fitted.slip),
            )
            for i in sim.items_of(k)
        )
        params = BKTParams(prior=fitted.prior, learn=fitted.learn, guess=fitted.guess, slip=fitted.slip, forget=forget)
        prerequisites = tuple(sim.names[j] for j in sim.parents[k])
        kcs.append(KC(id=name, title=name, prerequisites=prerequisites, explanation="", items=items, bkt=params))
    return Course(id="sim", title="sim", description="", kcs=tuple(kcs))


class Tracker:
    """Per-KC BKT beliefs from the answers, as every policy keeps them (with the fitted parameters),
    faded by forgetting for the answers given elsewhere since the KC's last one (bkt.fade).
    With `ability`, also the learner's ability offsets per KC (learner_model.proficiency), which
    then move the item rates the beliefs are updated with (the tutor's; the baselines are plain BKT)."""

    def __init__(self, sim: SimCourse, tutor: Course, *, ability: bool = False):
        self.sim, self.tutor = sim, tutor
        self.raw_abilities = {kc.id: KCAbility() for kc in tutor.kcs} if ability else None
        self.items = {item.id: (kc, item) for kc in tutor.kcs for item in kc.items}
        self.kcs = {kc.id: kc for kc in tutor.kcs}
        self.raw = {kc.id: bkt.initial_belief(kc_params(kc)) for kc in tutor.kcs}
        self.answered_at = dict.fromkeys(self.raw, 0)
        self.steps = 0
        self.once_mastered: set[str] = set()
        self.certain: set[str] = set()  # KCs whose last answer settled that they are mastered

    def belief(self, name: str) -> float:
        return bkt.fade(self.raw[name], self.steps - self.answered_at[name], self.kcs[name].bkt.forget)

    @property
    def beliefs(self) -> dict[str, float]:
        return {name: self.belief(name) for name in self.raw}

    @property
    def abilities(self) -> dict[str, KCAbility] | None:
        if self.raw_abilities is None:
            return None
        return {name: self.ability(name) for name in self.raw_abilities}

    def ability(self, name: str) -> KCAbility | None:
        if self.raw_abilities is None:
            return None
        return self.raw_abilities[name].drift(self.steps - self.answered_at[name])

    def set(self, name: str, belief: float) -> None:
        self.raw[name], self.answered_at[name] = belief, self.steps

    def update(self, item: int, right: bool) -> None:
        kc, content_item = self.items[str(item)]
        before, ability = self.belief(kc.id), self.ability(kc.id)
        belief = after_answer(kc, content_item, before, right, self.tutor.target_band)
        if ability is not None:
            self.raw_abilities[kc.id] = ability_after(kc, content_item, before, ability, right)
        self.steps += 1
        self.set(kc.id, belief)
        if is_certain(self.tutor, kc, content_item, right, belief):
            self.certain.add(kc.id)
        else:
            self.certain.discard(kc.id)
        if bkt.p_mastered(belief) >= MASTERY:
            self.once_mastered.add(kc.id)

    def p_mastered(self, kc: int) -> float:
        return bkt.p_mastered(self.belief(self.sim.names[kc]))

    def mastered(self, kc: int) -> bool:
        name = self.sim.names[kc]
        return loop_mastered(self.tutor, self.kcs[name], self.beliefs, self.once_mastered)


MASTERY = 0.95


def run_policy(
    policy: str,
    sim: SimCourse,
    tutor: Course,
    learner: Learner,
    rng,
    cap: int,
    *,
    ability: bool = True,
    probe_by: str = "information",
) -> dict:
    tracker = Tracker(sim, tutor, ability=ability and policy == "tutor")
    served, seconds, in_band, probe = 0, 0.0, 0, {}
    if policy == "tutor":
        probe = run_probe(sim, tutor, learner, tracker, budget=math.ceil(len(sim.names) / 3), by=probe_by)
        served, seconds, in_band = probe["questions"], probe["seconds"], probe["in_band"]
    counts: dict[str, int] = {}
    where: dict[str, int] = {}  # served items (after the probe) by phase, true state and band: see served_as
    phase = "teach"
    last = None
    recent: list[tuple[str, bool]] = []
    ramp_position = 0
    n_items = len(sim.items)
    while not learner.learned_everything() and served < cap:
        if policy == "random":
            item = int(rng.integers(n_items))
        elif policy == "ramp":
            item, ramp_position = ramp_position % n_items, ramp_position + 1
        elif policy == "mastery":
            kc = next((k for k in range(len(sim.names)) if not tracker.mastered(k)), None)
            if kc is None:
                break  # the policy believes the course is done
            options = sim.items_of(kc)
            item = options[counts.get(sim.names[kc], 0) % len(options)]
            counts[sim.names[kc]] = counts.get(sim.names[kc], 0) + 1
        elif policy == "oracle":
            item = oracle_item(sim, learner)
        elif policy == "state-oracle":
            item = state_oracle_item(sim, tutor, learner)
        else:
            choice = next_item(
                tutor,
                tracker.beliefs,
                times_answered=counts,
                last_item_id=last,
                recent=recent[-STUCK_WINDOW:],
                once_mastered=tracker.once_mastered,
                certain=tracker.certain,
                abilities=tracker.abilities,
            )
            if choice is None:
                break
            item = int(choice.item.id)
            counts[choice.item.id] = counts.get(choice.item.id, 0) + 1
            last = choice.item.id
            phase = phase_of(choice.reason)
        kind = served_as(phase, learner, item)
        where[kind] = where.get(kind, 0) + 1
        in_band += learner.in_band(item)
        right, spent = learner.answer(item)
        tracker.update(item, right)
        recent.append((sim.names[sim.items[item].kc], right))
        served, seconds = served + 1, seconds + spent
    return {
        "items": served,
        "seconds": seconds,
        "finished": learner.learned_everything(),
        "retained": float(learner.mastered().mean()),
        "eurekas": len(learner.eurekas),
        "in_band": in_band,
        "probe": probe,
        "served_as": where,
    }


def phase_of(reason: str) -> str:
    """Which part of the tutor's loop chose an item, from the reason it gives (tutor.loop)."""
    if reason.startswith("A last check"):
        return "last-check"
    if reason.startswith("You missed"):
        return "step-back"
    if reason.startswith("Review"):
        return "review"
    return "teach"


def served_as(phase: str, learner: Learner, item: int) -> str:
    """phase/state/band of a served item, against the learner's truth before they answer it:
    state M (its KC truly mastered) or U; band "in", "easy" (true success above the band) or "hard"."""
    p = learner.p_right(item)
    band = "in" if BAND[0] <= p <= BAND[1] else "easy" if p > BAND[1] else "hard"
    state = "M" if learner.mastered()[learner.course.items[item].kc] else "U"
    return f"{phase}/{state}/{band}"


def oracle_item(sim: SimCourse, learner: Learner) -> int:
    """What a tutor that could see the learner's true state would serve: of the KCs not mastered
    whose prerequisites are, the item whose true success is nearest the middle of the band.
    Not a policy anyone can run; the ceiling the others are measured against."""
    mastered = learner.mastered()
    ready = [k for k in range(len(sim.names)) if not mastered[k] and all(mastered[j] for j in sim.parents[k])] or [
        k for k in range(len(sim.names)) if not mastered[k]
    ]
    return min((i for k in ready for i in sim.items_of(k)), key=lambda i: abs(learner.p_right(i) - sum(BAND) / 2))


def state_oracle_item(sim: SimCourse, tutor: Course, learner: Learner) -> int:
    """What a tutor would serve that knew which KCs the learner has mastered, but only the BKT
    parameters of the items: of the KCs not mastered whose prerequisites are, the item whose
    success for a learner who has not mastered its KC (its guess) is nearest the middle of the
    band. It needs no item to find out whether a KC is mastered; within a state, learners
    still differ in how far above or below the line they are, which it cannot see."""
    mastered = learner.mastered()
    ready = [k for k in range(len(sim.names)) if not mastered[k] and all(mastered[j] for j in sim.parents[k])] or [
        k for k in range(len(sim.names)) if not mastered[k]
    ]
    guess = {item.id: item_params(kc, item).guess for kc in tutor.kcs for item in kc.items}
    return min((i for k in ready for i in sim.items_of(k)), key=lambda i: abs(guess[str(i)] - sum(BAND) / 2))


def run_probe(
    sim: SimCourse, tutor: Course, learner: Learner, tracker: Tracker, *, budget: int, by: str = "information"
) -> dict:
    """Ask up to `budget` probe questions, chosen `by` a criterion of learner_model.probe.next_probe;
    seed each KC's BKT belief with the graph marginal.

    `accuracy` lists the per-KC classification accuracy (marginal > 0.5 against the true
    state) before any question and after each one.
    """
    graph = Graph(sim.names, sim.parents)
    fitted = torch.tensor([kc.bkt.prior for kc in tutor.kcs], dtype=torch.float64)
    belief = prior_belief(graph, base_rates(graph, fitted, leak=sim.leak, reach=True), leak=sim.leak, reach=True)
    flat = [tracker.items[str(i)] for i in range(len(sim.items))]
    item_kc = torch.tensor([it.kc for it in sim.items])
    # The item rates the belief is updated with (tutor.loop.item_params, floored as in
    # webapp.learning.placement): raw fits with a slip of 0 make one answer look like proof.
    rates = [item_params(kc, item) for kc, item in flat]
    guess = torch.tensor([r.guess for r in rates], dtype=torch.float64)
    slip = torch.tensor([r.slip for r in rates], dtype=torch.float64)
    asked, seconds, in_band = set(), 0.0, 0
    # Against the learner's state now: answering a probe question may teach.
    accuracy = [float(np.mean((belief.marginals().numpy() > 0.5) == learner.mastered()))]
    while len(asked) < budget and (item := next_probe(belief, item_kc, guess, slip, asked=asked, by=by)) is not None:
        asked.add(item)
        in_band += learner.in_band(item)
        right, spent = learner.answer(item)
        seconds += spent
        kc, content_item = flat[item]
        params = teaching_params(kc, content_item, tutor.target_band)
        belief = observe(
            belief,
            int(item_kc[item]),
            right,
            guess=params.guess,
            slip=params.slip,
            learn=params.learn,
            seed=len(asked),
        )
        accuracy.append(float(np.mean((belief.marginals().numpy() > 0.5) == learner.mastered())))
    marginals = belief.marginals().numpy()
    for k, name in enumerate(sim.names):
        p = float(np.clip(marginals[k], 1e-6, 1 - 1e-6))
        tracker.set(name, float(np.log(p) - np.log1p(-p)))
    return {"questions": len(asked), "seconds": seconds, "accuracy": accuracy, "in_band": in_band}


def questions_to(level: float, curves: list[list[float]]) -> int | None:
    """The fewest questions after which mean accuracy reaches `level` (curves end early: last value holds)."""
    longest = max(len(curve) for curve in curves)
    padded = np.array([curve + [curve[-1]] * (longest - len(curve)) for curve in curves])
    reached = np.flatnonzero(padded.mean(0) >= level)
    return int(reached[0]) if len(reached) else None


def pretest_accuracy(sim: SimCourse, tutor: Course, learner: Learner) -> float:
    """One item of median difficulty per KC, each KC classified by its BKT posterior."""
    start = learner.mastered().copy()
    right = []
    for k, kc in enumerate(tutor.kcs):
        item = sim.items_of(k)[len(kc.items) // 2]
        said = learner.rng.random() < learner.p_right(item)
        belief = bkt.observe(bkt.initial_belief(kc_params(kc)), said, item_params(kc, kc.items[len(kc.items) // 2]))
        right.append((bkt.p_mastered(belief) > 0.5) == start[k])
    return float(np.mean(right))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default="llm101n", help="a course folder or name, or random:KCS:SEED")
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cap", type=int, default=40, help="items per KC at most before a run stops")
    parser.add_argument("--calibration", type=int, default=300, help="learners in the cohort parameters are fitted to")
    parser.add_argument(
        "--parameters",
        choices=("fitted", "true"),
        default="fitted",
        help="BKT parameters every policy uses: fitted by EM to a calibration cohort, or the simulator's own",
    )
    parser.add_argument(
        "--forget", type=float, default=0.0005, help="the forgetting per answer every policy assumes for every KC"
    )
    parser.add_argument(
        "--policies", nargs="+", default=list(POLICIES), choices=POLICIES, help="which policies to run (default: all)"
    )
    parser.add_argument(
        "--information-weight",
        type=float,
        help=f"the tutor's weight on information against the band (default {loop.INFORMATION_WEIGHT})",
    )
    parser.add_argument(
        "--ability",
        choices=("on", "off"),
        default="on",
        help="whether the tutor keeps each learner's ability offsets within a state (learner_model.proficiency)",
    )
    parser.add_argument(
        "--probe-by",
        choices=("information", "accuracy"),
        default="information",
        help="the probe's criterion: information about the state, or expected per-KC accuracy (learner_model.probe)",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    sim = sim_course(args.course)
    if args.parameters == "fitted":
        fits = calibrate(sim, learners=args.calibration, seed=args.seed)
    else:
        fits = simulator_truth(sim, seed=args.seed)
    tutor = tutor_course(sim, fits, args.forget)
    results = {}
    if args.information_weight is not None:
        loop.INFORMATION_WEIGHT = args.information_weight
    for policy in args.policies:
        runs, pretests = [], []
        cap = args.cap * len(sim.names)
        started = time.perf_counter()
        for n in range(args.learners):
            learner = Learner(sim, np.random.default_rng([args.seed, n]))  # the same learners for every policy
            if policy == "tutor":
                pretests.append(pretest_accuracy(sim, tutor, Learner(sim, np.random.default_rng([args.seed, n]))))
            rng = np.random.default_rng([args.seed, n, 1])
            ability = args.ability == "on"
            runs.append(run_policy(policy, sim, tutor, learner, rng, cap=cap, ability=ability, probe_by=args.probe_by))
        items = sum(r["items"] for r in runs)
        results[policy] = {
            # A run that ends unfinished (the cap, or a policy that wrongly believes the course
            # mastered) counts as the cap: it did not get the learner there.
            "items_to_mastery": float(np.mean([r["items"] if r["finished"] else cap for r in runs])),
            "minutes_to_mastery": float(np.mean([r["seconds"] for r in runs]) / 60),
            "finished": float(np.mean([r["finished"] for r in runs])),
            "retained_at_end": float(np.mean([r["retained"] for r in runs])),
            "eurekas_per_hour": float(sum(r["eurekas"] for r in runs) / (sum(r["seconds"] for r in runs) / 3600)),
            "in_band": float(sum(r["in_band"] for r in runs) / max(items, 1)),
            # Where the items after the probe went (their share of all served items, probe included).
            "served_as": {
                kind: sum(r["served_as"].get(kind, 0) for r in runs) / max(items, 1)
                for kind in sorted({kind for r in runs for kind in r["served_as"]})
            },
            "wall_seconds": time.perf_counter() - started,
        }
        if policy == "tutor":
            curves = []
            for n in range(args.learners):  # the probe alone, up to one question per KC, on the same learners
                learner = Learner(sim, np.random.default_rng([args.seed, n]))
                probe = run_probe(sim, tutor, learner, Tracker(sim, tutor), budget=len(sim.names), by=args.probe_by)
                curves.append(probe["accuracy"])
            results[policy]["probe_questions"] = float(np.mean([r["probe"]["questions"] for r in runs]))
            results[policy]["probe_accuracy"] = float(np.mean([r["probe"]["accuracy"][-1] for r in runs]))
            results[policy]["probe_questions_to_90"] = questions_to(0.9, curves)
            results[policy]["probe_accuracy_curve"] = [
                float(a) for a in np.mean([c + [c[-1]] * (len(sim.names) + 1 - len(c)) for c in curves], axis=0)
            ]
            results[policy]["pretest_questions"] = len(sim.names)
            results[policy]["pretest_accuracy"] = float(np.mean(pretests))

    print(f"course {args.course}: {len(sim.names)} KCs, {len(sim.items)} items, {args.learners} learners")
    print(f"{'policy':12} {'items':>7} {'minutes':>8} {'finished':>9} {'retained':>9} {'eurekas/h':>10} {'in band':>8}")
    for policy, row in results.items():
        print(
            f"{policy:12} {row['items_to_mastery']:7.1f} {row['minutes_to_mastery']:8.1f} {row['finished']:9.0%} "
            f"{row['retained_at_end']:9.0%} {row['eurekas_per_hour']:10.2f} {row['in_band']:8.0%}"
        )
    for policy, row in results.items():
        out = sorted(((share, kind) for kind, share in row["served_as"].items() if "/in" not in kind), reverse=True)
        shares = ", ".join(f"{kind} {share:.1%}" for share, kind in out[:6])
        print(f"{policy}: out of the band after the probe: {shares}")
    if "tutor" in results and "mastery" in results:
        fewer = 1 - results["tutor"]["items_to_mastery"] / results["mastery"]["items_to_mastery"]
        print(f"tutor against mastery learning: {fewer:.0%} fewer items to course mastery")
    if "tutor" in results:
        probe = results["tutor"]
        print(
            f"probe (at most a third of the KCs): {probe['probe_questions']:.1f} questions, per-KC accuracy "
            f"{probe['probe_accuracy']:.0%}; 90% accuracy after {probe['probe_questions_to_90']} questions; "
            f"pre-test: {probe['pretest_questions']} questions, accuracy {probe['pretest_accuracy']:.0%}"
        )
        curve = " ".join(f"{a:.0%}" for a in probe["probe_accuracy_curve"])
        print("probe accuracy after 0, 1, 2, ... questions:", curve)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "course": args.course,
                    "learners": args.learners,
                    "seed": args.seed,
                    "parameters": args.parameters,
                    "forget": args.forget,
                    "information_weight": loop.INFORMATION_WEIGHT,
                    "ability": args.ability,
                    "probe_by": args.probe_by,
                    "results": results,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
