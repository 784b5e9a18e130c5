"""The BKT filter against values worked out by hand.

Parameters: prior 0.3, learn 0.15, guess 0.2, slip 0.1.

Correct first answer:
    P(correct) = 0.3 * 0.9 + 0.7 * 0.2 = 0.41
    posterior  = 0.27 / 0.41 = 0.658536...
    next       = 0.658536 + (1 - 0.658536) * 0.15 = 0.709756...   (= 291/410)
Wrong first answer:
    posterior  = 0.3 * 0.1 / (0.03 + 0.7 * 0.8) = 0.03 / 0.59 = 0.050847...
    next       = 0.050847 + 0.949153 * 0.15 = 0.193220...          (= 114/590)
"""

import math

import pytest

from learner_model.bkt import Params, initial_belief, observe, p_correct, p_mastered

PARAMS = Params(prior=0.3, learn=0.15, guess=0.2, slip=0.1)


def test_prior_and_prediction_before_any_answer():
    belief = initial_belief(PARAMS)
    assert p_mastered(belief) == pytest.approx(0.3, abs=1e-12)
    assert p_correct(belief, PARAMS) == pytest.approx(0.41, abs=1e-12)


def test_correct_answer_update_matches_the_hand_computation():
    after = observe(initial_belief(PARAMS), True, PARAMS)
    assert p_mastered(after) == pytest.approx(291 / 410, abs=1e-12)


def test_wrong_answer_update_matches_the_hand_computation():
    after = observe(initial_belief(PARAMS), False, PARAMS)
    assert p_mastered(after) == pytest.approx(114 / 590, abs=1e-12)


def test_two_answers_in_sequence():
    # From 291/410: wrong answer. posterior = p*0.1 / (p*0.1 + (1-p)*0.8), then learning.
    p = 291 / 410
    posterior = p * 0.1 / (p * 0.1 + (1 - p) * 0.8)
    expected = posterior + (1 - posterior) * 0.15
    belief = observe(observe(initial_belief(PARAMS), True, PARAMS), False, PARAMS)
    assert p_mastered(belief) == pytest.approx(expected, abs=1e-12)


def test_forgetting_moves_mastery_back():
    forgetful = Params(prior=0.3, learn=0.15, guess=0.2, slip=0.1, forget=0.05)
    posterior = 0.27 / 0.41
    expected = posterior * 0.95 + (1 - posterior) * 0.15
    assert p_mastered(observe(initial_belief(forgetful), True, forgetful)) == pytest.approx(expected, abs=1e-12)


def test_a_long_run_of_correct_answers_never_saturates_the_belief():
    # Stored as a probability, mastery would round to exactly 1.0 here and no wrong
    # answer could lower it again; as log-odds each wrong answer still counts.
    belief = initial_belief(PARAMS)
    for _ in range(60):
        belief = observe(belief, True, PARAMS)
    assert math.isfinite(belief) and belief > 40
    after_wrong = observe(belief, False, PARAMS)
    assert after_wrong < belief
    assert after_wrong == pytest.approx(belief + math.log(0.1 / 0.8) + math.log(1 / 0.85), rel=1e-9)


def test_parameters_outside_the_unit_interval_are_refused():
    with pytest.raises(ValueError, match="guess must lie strictly between 0 and 1"):
        Params(prior=0.3, learn=0.15, guess=1.0, slip=0.1)


def test_information_of_the_next_answer():
    from learner_model.bkt import information

    # P(mastered) = 0.3: P(right) = 0.41; I = H(0.41) - 0.3 H(0.9) - 0.7 H(0.2), in nats.
    def h(p):
        return -(p * math.log(p) + (1 - p) * math.log(1 - p))

    assert information(initial_belief(PARAMS), PARAMS) == pytest.approx(h(0.41) - 0.3 * h(0.9) - 0.7 * h(0.2))
    telling_nothing = Params(prior=0.3, learn=0.15, guess=0.9, slip=0.1)  # right as often either way
    assert information(initial_belief(telling_nothing), telling_nothing) == pytest.approx(0.0, abs=1e-12)
