"""How long choosing the next item takes on a large course: the tutor's loop and the probe.

    python benchmarks/selection_speed.py [--kcs 200] [--items-per-kc 10] [--json OUT.json]

A random ramp of `--kcs` KCs (learner_model.simulate.random_course), learners part way
through it. Times `tutor.loop.next_item` (teaching) and `learner_model.probe.next_probe`
on a particle belief (placement); prints median and 95th percentile in milliseconds.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policies import simulator_truth, tutor_course  # noqa: E402 (the benchmark beside this one)

from learner_model.graph import Belief, Graph, prior_belief  # noqa: E402
from learner_model.probe import next_probe  # noqa: E402
from learner_model.proficiency import Ability, KCAbility  # noqa: E402
from learner_model.simulate import random_course  # noqa: E402
from tutor.loop import next_item  # noqa: E402


def timed(function, repeats: int) -> dict:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": float(np.median(times)), "p95_ms": float(np.percentile(times, 95))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kcs", type=int, default=200)
    parser.add_argument("--items-per-kc", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    sim = random_course(args.kcs, seed=0, items_per_kc=args.items_per_kc)
    course = tutor_course(sim, simulator_truth(sim, seed=0), forget=0.0005)
    rng = np.random.default_rng(0)
    # Part way through: the first third mastered (and settled), the rest unsure.
    beliefs = {name: (8.0 if k < args.kcs // 3 else float(rng.normal(-1, 1))) for k, name in enumerate(sim.names)}
    done = set(sim.names[: args.kcs // 3])
    teaching = timed(lambda: next_item(course, beliefs, once_mastered=done, certain=done), args.repeats)
    # The same with the learner's ability offsets within each state (learner_model.proficiency).
    abilities = {
        name: KCAbility(Ability(float(rng.normal(0, 0.4)), 0.1), Ability(float(rng.normal(0, 0.4)), 0.1))
        for name in sim.names
    }
    with_ability = timed(
        lambda: next_item(course, beliefs, once_mastered=done, certain=done, abilities=abilities), args.repeats
    )

    graph = Graph(sim.names, sim.parents)
    belief = prior_belief(graph, torch.tensor(sim.base, dtype=torch.float64), reach=True)
    item_kc = torch.tensor([it.kc for it in sim.items])
    guess = torch.tensor([it.guess for it in sim.items], dtype=torch.float64)
    slip = torch.tensor([it.slip for it in sim.items], dtype=torch.float64)
    # Each answer makes a new belief, so time the choice on a fresh one (nothing cached).
    placement = timed(
        lambda: next_probe(Belief(belief.states, belief.log_weights, belief.exact), item_kc, guess, slip),
        args.repeats,
    )

    result = {
        "kcs": args.kcs,
        "items": len(sim.items),
        "particles": len(belief.states),
        "next_item": teaching,
        "next_item_with_ability": with_ability,
        "next_probe": placement,
    }
    print(f"{args.kcs} KCs, {len(sim.items)} items ({len(belief.states)} particles for the probe)")
    print(f"{'choice':22} {'median ms':>10} {'p95 ms':>8}")
    for name in ("next_item", "next_item_with_ability", "next_probe"):
        print(f"{name:22} {result[name]['median_ms']:10.2f} {result[name]['p95_ms']:8.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
