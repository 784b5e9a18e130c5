import pytest

from content import load_course
from tests.conftest import FIXTURES
from tutor.loop import frontier, item_params, next_item

COURSE = load_course(FIXTURES / "tiny")
MASTERED = 10.0  # log-odds: P(mastered) = 0.99995


def test_a_new_learner_starts_at_the_first_step():
    assert [kc.id for kc in frontier(COURSE, {})] == ["counting"]
    choice = next_item(COURSE, {})
    assert choice.kc.id == "counting"
    assert "first step" in choice.reason and "%" in choice.reason


def test_prefers_the_item_whose_predicted_success_is_nearest_the_target():
    # With P(mastered) = 0.1: the apples item (guess 0.33) predicts 0.39; the other two
    # use the KC's guess 0.2 and predict 0.27. Target 0.8: the apples item is nearest.
    choice = next_item(COURSE, {})
    assert choice.item.id == "counting-apples"
    assert choice.predicted_correct == pytest.approx(0.1 * 0.9 + 0.9 * 0.33)
    # Target 0.2: now the items predicting 0.27 are nearer; ties go to ramp order.
    assert next_item(COURSE, {}, target=0.2).item.id == "counting-letters"


def test_mastering_a_kc_opens_the_next_step():
    beliefs = {"counting": MASTERED}
    assert [kc.id for kc in frontier(COURSE, beliefs)] == ["adding"]
    assert next_item(COURSE, beliefs).kc.id == "adding"


def test_never_serves_a_kc_whose_prerequisites_are_unmastered():
    beliefs = {"counting": MASTERED, "multiplying": -3.0}
    assert all(next_item(COURSE, beliefs, target=t).kc.id == "adding" for t in (0.1, 0.5, 0.9))


def test_ties_go_to_the_least_answered_item_and_the_last_item_is_not_repeated():
    beliefs = {"counting": MASTERED}
    first = next_item(COURSE, beliefs, target=0.2)
    assert first.item.id == "adding-small"
    again = next_item(COURSE, beliefs, target=0.2, times_answered={"adding-small": 1}, last_item_id="adding-small")
    assert again.item.id == "adding-half"


def test_nothing_is_served_once_every_kc_is_mastered():
    assert next_item(COURSE, dict.fromkeys(["counting", "adding", "multiplying"], MASTERED)) is None


def test_items_may_set_their_own_guess():
    kc = COURSE.kc("counting")
    apples, letters, pairs = kc.items
    assert item_params(kc, apples).guess == 0.33 and item_params(kc, letters).guess == 0.05
    assert item_params(kc, pairs).guess == kc.bkt.guess == 0.2


def test_after_three_misses_in_a_row_the_tutor_steps_back_to_the_weakest_prerequisite():
    beliefs = {"counting": MASTERED, "adding": MASTERED, "multiplying": -1.0}
    misses = [("multiplying", False)] * 3
    choice = next_item(COURSE, {**beliefs, "adding": 4.0}, recent=misses)
    assert choice.kc.id == "adding"
    assert "missed 'Multiplying' 3 times in a row" in choice.reason and "'Adding'" in choice.reason
    # Two misses, or a right answer among them, is not being stuck.
    assert next_item(COURSE, beliefs, recent=misses[:2]).kc.id == "multiplying"
    assert next_item(COURSE, beliefs, recent=[*misses[:2], ("multiplying", True)]).kc.id == "multiplying"
    # A first step has nothing to step back to.
    assert next_item(COURSE, {}, recent=[("counting", False)] * 3).kc.id == "counting"
