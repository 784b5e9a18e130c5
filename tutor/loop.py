"""One step of the tutoring loop: the learner answers, mastery updates, the next item is chosen.

A learner's state is a belief (log-odds of mastery, see learner_model.bkt) per KC.
The next item comes from the frontier: KCs not yet mastered whose prerequisites all
are. Among the frontier's items the tutor prefers those whose predicted chance of
success lies in the course's target band (0.7 to 0.85 around a target of 0.8): hard
enough to teach, easy enough not to discourage; and among those, the one whose answer
tells most about whether the KC is mastered (an item nearly everyone gets right tells
little, so the learner is not kept on it once they are ready for more).
"""

from dataclasses import dataclass, replace

from content.ramp import KC, Course, Item
from learner_model import bkt


@dataclass(frozen=True)
class Choice:
    kc: KC
    item: Item
    predicted_correct: float
    reason: str  # one line the learner may read: why this question


def kc_params(kc: KC) -> bkt.Params:
    return bkt.Params(prior=kc.bkt.prior, learn=kc.bkt.learn, guess=kc.bkt.guess, slip=kc.bkt.slip)


def item_params(kc: KC, item: Item) -> bkt.Params:
    """The KC's BKT parameters, with the item's own guess and slip where it has them (KT-IDEM)."""
    return replace(
        kc_params(kc),
        guess=item.guess if item.guess is not None else kc.bkt.guess,
        slip=item.slip if item.slip is not None else kc.bkt.slip,
    )


def belief_of(kc: KC, beliefs: dict[str, float]) -> float:
    """The learner's belief on `kc`, or the KC's prior if they have not met it yet."""
    return beliefs.get(kc.id, bkt.initial_belief(kc_params(kc)))


def mastered(course: Course, kc: KC, beliefs: dict[str, float]) -> bool:
    return bkt.p_mastered(belief_of(kc, beliefs)) >= course.mastery_threshold


def frontier(course: Course, beliefs: dict[str, float]) -> list[KC]:
    """KCs not yet mastered whose prerequisites are all mastered, in ramp order."""
    done = {kc.id for kc in course.kcs if mastered(course, kc, beliefs)}
    return [kc for kc in course.kcs if kc.id not in done and all(p in done for p in kc.prerequisites)]


STUCK_AFTER = 3  # misses in a row on one KC after which the tutor steps back


def next_item(
    course: Course,
    beliefs: dict[str, float],
    *,
    times_answered: dict[str, int] | None = None,
    last_item_id: str | None = None,
    target: float | None = None,
    recent: list[tuple[str, bool]] | None = None,
) -> Choice | None:
    """The item to serve next, or None when every KC of the course is mastered.

    Items in the band (or nearest it) come first, the most informative of them first; ties
    go to the item answered fewest times, then to ramp order. The item just answered is
    not served again at once if any other item is available. `recent` holds the learner's
    last answers as (KC id, right), oldest first: after STUCK_AFTER misses in a row on one
    KC, the tutor steps back to that KC's least mastered prerequisite.
    """
    target = course.target_success if target is None else target
    stuck = _stuck_on(course, recent or [])
    if stuck is not None and stuck.prerequisites:
        weakest = min((course.kc(p) for p in stuck.prerequisites), key=lambda kc: belief_of(kc, beliefs))
        choice = _best_item([weakest], beliefs, times_answered or {}, last_item_id, target)
        reason = (
            f"You missed '{stuck.title}' {STUCK_AFTER} times in a row: a step back to "
            f"'{weakest.title}', which it builds on."
        )
        return Choice(choice.kc, choice.item, choice.predicted_correct, reason)
    return _best_item(frontier(course, beliefs), beliefs, times_answered or {}, last_item_id, target)


def _stuck_on(course: Course, recent: list[tuple[str, bool]]) -> KC | None:
    tail = recent[-STUCK_AFTER:]
    if len(tail) == STUCK_AFTER and len({kc for kc, _ in tail}) == 1 and not any(right for _, right in tail):
        return course.kc(tail[0][0])
    return None


def _best_item(kcs, beliefs, times_answered, last_item_id, target) -> Choice | None:
    low, high = target - 0.1, target + 0.05
    candidates = []
    for position, kc in enumerate(kcs):
        belief = belief_of(kc, beliefs)
        for item_position, item in enumerate(kc.items):
            params = item_params(kc, item)
            predicted = bkt.p_correct(belief, params)
            key = (
                item.id == last_item_id,
                round(max(low - predicted, predicted - high, 0.0), 6),  # distance outside the band
                -round(bkt.information(belief, params), 6),
                times_answered.get(item.id, 0),
                position,
                item_position,
            )
            candidates.append((key, kc, item, predicted))
    if not candidates:
        return None
    _, kc, item, predicted = min(candidates, key=lambda candidate: candidate[0])
    return Choice(kc, item, predicted, _reason(kc, predicted, target))


def _reason(kc: KC, predicted: float, target: float) -> str:
    if kc.prerequisites:
        step = f"You have mastered what '{kc.title}' builds on"
    else:
        step = f"'{kc.title}' is a first step of the ramp"
    return f"{step}; you should get this right about {predicted:.0%} of the time (target {target:.0%})."
