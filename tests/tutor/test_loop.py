from dataclasses import replace

import pytest

from content import load_course
from learner_model.proficiency import Ability, KCAbility
from tests.conftest import FIXTURES
from tutor.loop import ability_after, frontier, is_certain, item_params, next_item, teaching_params

COURSE = load_course(FIXTURES / "tiny")
MASTERED = 10.0  # log-odds: P(mastered) = 0.99995


def test_a_new_learner_starts_at_the_first_step():
    assert [kc.id for kc in frontier(COURSE, {})] == ["counting"]
    choice = next_item(COURSE, {})
    assert choice.kc.id == "counting"
    assert "first step" in choice.reason and "%" in choice.reason


def test_when_the_state_is_nearly_certain_the_band_decides():
    # P(mastered) = 0.0001: the learner has not mastered counting, and succeeds with each
    # item's guess: apples 0.33, letters 0.05, pairs 0.2 (the KC's). No answer would tell
    # anything new, so the item in the band for them wins.
    unmastered = {"counting": -9.0}
    assert next_item(COURSE, unmastered, band=(0.3, 0.4)).item.id == "counting-apples"
    assert next_item(COURSE, unmastered, band=(0.15, 0.25)).item.id == "counting-pairs"
    choice = next_item(COURSE, unmastered, band=(0.3, 0.4))
    assert choice.predicted_correct == pytest.approx(0.33, abs=0.001)
    assert "30% to 40%" in choice.reason


def test_when_the_state_is_uncertain_the_item_that_tells_most_wins():
    # P(mastered) = 0.5: letters (guess 0.05) tells mastered from unmastered best, although
    # apples (guess 0.33) is as likely in a band around 0.33.
    assert next_item(COURSE, {"counting": 0.0}, band=(0.3, 0.4)).item.id == "counting-letters"


def test_mastering_a_kc_opens_the_next_step():
    beliefs = {"counting": MASTERED}
    assert [kc.id for kc in frontier(COURSE, beliefs)] == ["adding"]
    assert next_item(COURSE, beliefs).kc.id == "adding"


def test_never_serves_a_kc_whose_prerequisites_are_unmastered():
    beliefs = {"counting": MASTERED, "multiplying": -3.0}
    assert all(next_item(COURSE, beliefs, band=(t, t + 0.1)).kc.id == "adding" for t in (0.1, 0.5, 0.85))


def test_ties_go_to_the_least_answered_item_and_the_last_item_is_not_repeated():
    beliefs = {"counting": MASTERED}
    first = next_item(COURSE, beliefs, band=(0.15, 0.25))
    assert first.item.id == "adding-small"
    again = next_item(
        COURSE, beliefs, band=(0.15, 0.25), times_answered={"adding-small": 1}, last_item_id="adding-small"
    )
    assert again.item.id == "adding-half"


def test_nothing_is_served_once_every_kc_is_mastered():
    assert next_item(COURSE, dict.fromkeys(["counting", "adding", "multiplying"], MASTERED)) is None


def test_items_may_set_their_own_guess():
    kc = COURSE.kc("counting")
    apples, letters, pairs = kc.items
    assert item_params(kc, apples).guess == 0.33 and item_params(kc, letters).guess == 0.05
    assert item_params(kc, pairs).guess == kc.bkt.guess == 0.2


def test_after_three_misses_on_a_kc_the_tutor_steps_back_to_the_weakest_prerequisite():
    beliefs = {"counting": MASTERED, "adding": MASTERED, "multiplying": -1.0}
    misses = [("multiplying", False)] * 3
    choice = next_item(COURSE, {**beliefs, "adding": 4.0}, recent=misses)
    assert choice.kc.id == "adding"
    assert "missed 'Multiplying' 3 times in your last 8 answers" in choice.reason and "'Adding'" in choice.reason
    # Two misses, or a right answer among them, is not being stuck.
    assert next_item(COURSE, beliefs, recent=misses[:2]).kc.id == "multiplying"
    assert next_item(COURSE, beliefs, recent=[*misses[:2], ("multiplying", True)]).kc.id == "multiplying"
    # A first step has nothing to step back to.
    assert next_item(COURSE, {}, recent=[("counting", False)] * 3).kc.id == "counting"


def test_a_faded_kc_comes_back_as_review_and_only_well_below_the_threshold():
    # Mastered once: still counted mastered at 0.85 (no review after every few answers)...
    beliefs = {"counting": 1.7, "adding": MASTERED, "multiplying": MASTERED}  # P = 0.85
    assert next_item(COURSE, beliefs, once_mastered={"counting"}) is None
    # ...but faded below REVIEW_BELOW it is served again, and the reason says it is review.
    beliefs["counting"] = 1.0  # P = 0.73
    choice = next_item(COURSE, beliefs, once_mastered={"counting"})
    assert choice.kc.id == "counting" and choice.reason.startswith("Review:")
    # Never mastered, 0.85 is not mastered.
    assert next_item(COURSE, {**beliefs, "counting": 1.7}).kc.id == "counting"


def test_items_far_from_the_band_teach_less():
    kc = COURSE.kc("counting")
    letters = kc.items[1]  # guess 0.05: far too hard for a learner who has not mastered the KC
    assert teaching_params(kc, letters, (0.7, 0.85)).learn < 0.001 * kc.bkt.learn
    assert teaching_params(kc, letters, (0.05, 0.1)).learn == pytest.approx(kc.bkt.learn)


def test_misses_count_as_stuck_even_with_other_kcs_answers_between_them():
    beliefs = {"counting": MASTERED, "adding": 4.0, "multiplying": -1.0}
    recent = [("multiplying", False), ("adding", True), ("multiplying", True), ("multiplying", False)]
    recent += [("adding", True), ("multiplying", False)]
    assert next_item(COURSE, beliefs, recent=recent).kc.id == "adding"
    # A miss long ago falls out of the window.
    assert next_item(COURSE, beliefs, recent=[("multiplying", False)] + [("adding", True)] * 6 + recent[-3:]).kc.id == (
        "multiplying"
    )


def test_when_every_kc_looks_mastered_the_unsure_ones_get_a_last_check():
    beliefs = dict.fromkeys(["counting", "adding", "multiplying"], 3.5)  # P = 0.97: mastered, not certain
    choice = next_item(COURSE, beliefs, certain={"counting", "multiplying"})
    assert choice.kc.id == "adding" and choice.reason.startswith("A last check on 'Adding'")
    assert next_item(COURSE, beliefs, certain={"counting", "adding", "multiplying"}) is None
    assert next_item(COURSE, beliefs) is None  # callers that track no certainty finish at once


def test_only_a_right_answer_that_tells_masters_from_novices_settles_a_kc():
    kc = COURSE.kc("counting")
    apples, letters, _ = kc.items  # guess 0.33 and 0.05, slip 0.1: 0.9 / 0.33 = 2.7 and 18 times likelier
    assert is_certain(COURSE, kc, letters, True, 3.5)
    assert not is_certain(COURSE, kc, letters, False, 3.5)  # a wrong answer settles nothing
    assert not is_certain(COURSE, kc, letters, True, 2.0)  # P = 0.88: below the threshold
    guessable = replace(apples, guess=0.6)  # 0.9 / 0.6 = 1.5: novices get it right too
    assert is_certain(COURSE, kc, apples, True, 3.5) and not is_certain(COURSE, kc, guessable, True, 3.5)


def test_an_able_novice_gets_the_item_in_the_band_for_them_not_for_the_average_novice():
    # Unmastered counting; the population succeeds on apples 33%, pairs 20%. A learner whose
    # offset in that state is +1 logit (sure) succeeds on apples sigmoid(logit(0.33) + 1) = 0.57
    # and on pairs sigmoid(logit(0.2) + 1) = 0.40: for them pairs is in the band, apples is not.
    unmastered, band = {"counting": -9.0}, (0.35, 0.45)
    assert next_item(COURSE, unmastered, band=band).item.id == "counting-apples"
    able = {"counting": KCAbility(Ability(1.0, 1e-6), Ability())}
    choice = next_item(COURSE, unmastered, band=band, abilities=able)
    assert choice.item.id == "counting-pairs"
    assert choice.predicted_correct == pytest.approx(0.405, abs=0.001)


def test_right_answers_of_a_novice_raise_their_offset_in_the_unmastered_state_only():
    kc = COURSE.kc("counting")
    apples = next(item for item in kc.items if item.id == "counting-apples")
    after = ability_after(kc, apples, -9.0, KCAbility(), correct=True)
    assert after.unmastered.mean > 0
    assert after.mastered.mean == pytest.approx(0.0, abs=1e-4)  # P(mastered) = 0.0001: next to nothing
