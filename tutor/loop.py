"""One step of the tutoring loop: the learner answers, mastery updates, the next item is chosen.

A learner's state is a belief (log-odds of mastery, see learner_model.bkt) per KC.
The next item comes from the frontier: KCs not yet mastered whose prerequisites all
are. Among the frontier's items the tutor prefers those whose predicted chance of
success lies in the course's target band (0.7 to 0.85 around a target of 0.8): hard
enough to teach, easy enough not to discourage; and among those, the one whose answer
tells most about whether the KC is mastered (an item nearly everyone gets right tells
little, so the learner is not kept on it once they are ready for more).

Given the learner's ability offsets within each state (learner_model.proficiency), an
item's predicted success is theirs: P(correct) = sum over states of P(state) times the
item's rate in that state shifted by their offset. The offsets only steer the choice; the
belief about the state is updated with the population's rates (see teaching_params).
"""

import math
from dataclasses import dataclass, replace

from content.ramp import KC, Course, Item
from learner_model import bkt
from learner_model.proficiency import KCAbility


@dataclass(frozen=True)
class Choice:
    kc: KC
    item: Item
    predicted_correct: float
    reason: str  # one line the learner may read: why this question


def kc_params(kc: KC) -> bkt.Params:
    """The KC's BKT parameters for its own answers (forgetting between them is applied by bkt.fade)."""
    return bkt.Params(prior=kc.bkt.prior, learn=kc.bkt.learn, guess=kc.bkt.guess, slip=kc.bkt.slip)


# No single answer is proof: whatever a fit says, a learner who has mastered a KC slips
# now and then, and one who has not sometimes guesses. A slip fitted at 0.001 would make
# one slip erase any mastery (fits to a few dozen answers per item do that).
MIN_SLIP = 0.05
MIN_GUESS = 0.02


def item_params(kc: KC, item: Item) -> bkt.Params:
    """The KC's BKT parameters, with the item's own guess and slip where it has them (KT-IDEM),
    each at least MIN_GUESS and MIN_SLIP."""
    guess = item.guess if item.guess is not None else kc.bkt.guess
    slip = item.slip if item.slip is not None else kc.bkt.slip
    return replace(kc_params(kc), guess=max(guess, MIN_GUESS), slip=max(slip, MIN_SLIP))


def learner_params(kc: KC, item: Item, ability: KCAbility | None) -> bkt.Params:
    """The item's parameters for this learner: its guess and slip moved by the learner's ability
    offsets on the KC (learner_model.proficiency), or the population's when there are none."""
    params = item_params(kc, item)
    return params if ability is None else personal_params(params, ability)


def personal_params(params: bkt.Params, ability: KCAbility) -> bkt.Params:
    """An item's population parameters moved by a learner's ability offsets on its KC."""
    unmastered, mastered = ability.rates(params.guess, 1.0 - params.slip)
    return replace(params, guess=min(max(unmastered, MIN_GUESS), 1 - MIN_SLIP), slip=max(1.0 - mastered, MIN_SLIP))


def teaching_params(kc: KC, item: Item, band: tuple[float, float] = (0.7, 0.85)) -> bkt.Params:
    """The item's parameters for updating a belief after it was answered, with the chance to
    learn scaled by how well the item suits a learner who has not mastered the KC (only they
    can learn): the premise of the whole loop is that items far too easy or far too hard
    teach little. Their success on the item is its guess.

    The population's rates, not the learner's (learner_params): with the ability offsets in
    the state update, right answers after a learner masters a KC are partly explained away as
    an able novice, and mastery is seen later (benchmarks/policies.py, random:30:1, 10 learners:
    683 items to course mastery against 534 with the population's rates)."""
    params = item_params(kc, item)
    return replace(params, learn=max(params.learn * in_band(params.guess, band, TEACHING_SOFTNESS), 1e-6))


TEACHING_SOFTNESS = 0.15  # how fast teaching falls off outside the band (success probability)


def after_answer(kc: KC, item: Item, belief: float, correct: bool, band: tuple[float, float]) -> float:
    """The learner's belief on `kc` after answering `item`: Bayes' rule, then learning as the item's fit allows."""
    return bkt.observe(belief, correct, teaching_params(kc, item, band))


def ability_after(kc: KC, item: Item, belief: float, ability: KCAbility, correct: bool) -> KCAbility:
    """The learner's ability offsets on `kc` after answering `item` (`belief`: before the answer)."""
    params = item_params(kc, item)
    return ability.observe(bkt.p_mastered(belief), params.guess, 1.0 - params.slip, correct)


def belief_of(kc: KC, beliefs: dict[str, float]) -> float:
    """The learner's belief on `kc`, or the KC's prior if they have not met it yet."""
    return beliefs.get(kc.id, bkt.initial_belief(kc_params(kc)))


REVIEW_BELOW = 0.8  # a KC once mastered comes back for review when faded below this


def mastered(course: Course, kc: KC, beliefs: dict[str, float], once_mastered=frozenset()) -> bool:
    """Mastered: P(mastered) at the course's threshold, or, for a KC mastered before, not yet
    faded below REVIEW_BELOW (without that gap, every KC would come back after a few answers)."""
    threshold = REVIEW_BELOW if kc.id in once_mastered else course.mastery_threshold
    return bkt.p_mastered(belief_of(kc, beliefs)) >= threshold


def frontier(course: Course, beliefs: dict[str, float], once_mastered=frozenset()) -> list[KC]:
    """KCs not (or no longer) mastered whose prerequisites are all mastered, in ramp order."""
    done = {kc.id for kc in course.kcs if mastered(course, kc, beliefs, once_mastered)}
    return [kc for kc in course.kcs if kc.id not in done and all(p in done for p in kc.prerequisites)]


STUCK_AFTER = 3  # misses on one KC among the learner's last STUCK_WINDOW answers: time to step back
STUCK_WINDOW = 8


def next_item(
    course: Course,
    beliefs: dict[str, float],
    *,
    times_answered: dict[str, int] | None = None,
    last_item_id: str | None = None,
    band: tuple[float, float] | None = None,
    recent: list[tuple[str, bool]] | None = None,
    once_mastered: set[str] | frozenset[str] = frozenset(),
    certain: set[str] | frozenset[str] | None = None,
    abilities: dict[str, KCAbility] | None = None,
) -> Choice | None:
    """The item to serve next, or None when every KC of the course is mastered.

    Items in the band (or nearest it) come first, the most informative of them first; ties
    go to the item answered fewest times, then to ramp order. The item just answered is
    not served again at once if any other item is available. `recent` holds the learner's
    last answers as (KC id, right), oldest first: after STUCK_AFTER misses in a row on one
    KC, the tutor steps back to that KC's least mastered prerequisite. `certain` names the
    KCs whose last answer on them left them mastered (is_certain); given, a course whose KCs
    all look mastered is done only when they all are certain (see the end of this function).
    `abilities` holds the learner's ability offsets per KC id (learner_model.proficiency):
    with them an item's predicted success is this learner's, not the population's.

    Review needs no rule of its own: `beliefs` are faded by forgetting (bkt.fade), so a KC
    mastered long ago drops below the threshold, rejoins the frontier and competes with new
    KCs on the band. `once_mastered` names the KCs the learner had mastered, so that the
    reason can say it is review.
    """
    band = course.target_band if band is None else band
    stuck = _stuck_on(course, recent or [])
    if stuck is not None and stuck.prerequisites:
        weakest = min((course.kc(p) for p in stuck.prerequisites), key=lambda kc: belief_of(kc, beliefs))
        choice = _best_item([weakest], beliefs, times_answered or {}, last_item_id, band, once_mastered, abilities)
        reason = (
            f"You missed '{stuck.title}' {STUCK_AFTER} times in your last {STUCK_WINDOW} answers: a step back to "
            f"'{weakest.title}', which it builds on."
        )
        return Choice(choice.kc, choice.item, choice.predicted_correct, reason)
    choice = _best_item(
        frontier(course, beliefs, once_mastered),
        beliefs,
        times_answered or {},
        last_item_id,
        band,
        once_mastered,
        abilities,
    )
    if choice is not None or certain is None:
        return choice
    # Every KC looks mastered. Before the course is done, a last check of each KC believed
    # mastered by inference alone (placement) or whose last answer left it short: a KC
    # believed mastered by mistake blocks nothing more, so nothing else would find out.
    # The check wants the answer that tells most, whatever the band (it is asked once).
    unsure = [kc for kc in course.kcs if kc.id not in certain]
    choice = _best_item(unsure, beliefs, times_answered or {}, last_item_id, (0.0, 1.0), once_mastered, abilities)
    if choice is None:
        return None
    reason = (
        f"A last check on '{choice.kc.title}' before the course is done; you should get this right "
        f"about {choice.predicted_correct:.0%} of the time."
    )
    return Choice(choice.kc, choice.item, choice.predicted_correct, reason)


def _stuck_on(course: Course, recent: list[tuple[str, bool]]) -> KC | None:
    """The KC of the last answer, if that answer missed and so did STUCK_AFTER - 1 more of the
    learner's answers on it among their last STUCK_WINDOW answers (other KCs' answers may be
    interleaved: the tutor works on several KCs of the frontier at once)."""
    if not recent or recent[-1][1]:
        return None
    kc_id = recent[-1][0]
    misses = sum(1 for kc, right in recent[-STUCK_WINDOW:] if kc == kc_id and not right)
    return course.kc(kc_id) if misses >= STUCK_AFTER else None


def _best_item(kcs, beliefs, times_answered, last_item_id, band, once_mastered, abilities=None) -> Choice | None:
    candidates = []
    for position, kc in enumerate(kcs):
        belief = belief_of(kc, beliefs)
        mastered = bkt.p_mastered(belief)
        ability = abilities.get(kc.id) if abilities is not None else None
        for item_position, item in enumerate(kc.items):
            params = learner_params(kc, item, ability)
            # The learner is in one state or the other, not in between: the item is just
            # challenging enough if it is in the band for the state they are in.
            fits = mastered * in_band(1.0 - params.slip, band) + (1.0 - mastered) * in_band(params.guess, band)
            # An answer that tells whether the KC is mastered saves the items a learner would
            # otherwise spend on a KC they know, or on one they have just learned: it is worth
            # a lot, as INFORMATION_WEIGHT says.
            value = fits + INFORMATION_WEIGHT * bkt.information(belief, params)
            key = (
                item.id == last_item_id,  # not the same question twice in a row
                -round(value, 6),
                times_answered.get(item.id, 0),
                position,
                item_position,
            )
            candidates.append((key, kc, item, bkt.p_correct(belief, params)))
    if not candidates:
        return None
    _, kc, item, predicted = min(candidates, key=lambda candidate: candidate[0])
    return Choice(kc, item, predicted, _reason(kc, predicted, band, review=kc.id in once_mastered))


# Nats of information about mastery worth as much as P(in the band) going up by 1. Chosen on
# simulated learners (benchmarks/policies.py, random:30:1): 3 is too little (items spent on
# KCs already known), 1000 too much (too few items in the band); 10 to 30 did best.
INFORMATION_WEIGHT = 15.0
BAND_SOFTNESS = 0.05  # estimated success probabilities are noisy: a near miss of the band still counts a little


def in_band(p: float, band: tuple[float, float], softness: float = BAND_SOFTNESS) -> float:
    """1 for a success probability inside the band, falling off smoothly (`softness`) outside it."""
    outside = max(band[0] - p, p - band[1], 0.0)
    return math.exp(-0.5 * (outside / softness) ** 2)


def _reason(kc: KC, predicted: float, band: tuple[float, float], *, review: bool) -> str:
    if review:
        step = f"Review: you mastered '{kc.title}' a while ago, and it may have faded"
    elif kc.prerequisites:
        step = f"You have mastered what '{kc.title}' builds on"
    else:
        step = f"'{kc.title}' is a first step of the ramp"
    return (
        f"{step}; you should get this right about {predicted:.0%} of the time "
        f"(the target is {band[0]:.0%} to {band[1]:.0%})."
    )


CONFIRMING_RATIO = 2.0  # how much likelier a right answer must be from a master than from a novice


def is_certain(course: Course, kc: KC, item: Item, correct: bool, belief: float) -> bool:
    """Whether the learner's last answer on `kc` (`item`, `correct`, leaving `belief`) settles that
    the KC is mastered, so that it needs no last check (see next_item): a right answer on an item
    that tells masters from novices, leaving P(mastered) at the threshold. A belief inferred from
    answers on other KCs (placement), or kept up by right answers anyone would give, is not."""
    params = item_params(kc, item)
    telling = (1.0 - params.slip) / params.guess >= CONFIRMING_RATIO
    return correct and telling and bkt.p_mastered(belief) >= course.mastery_threshold
