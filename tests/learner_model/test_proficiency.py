"""The ability offsets within a BKT state (learner_model.proficiency), checked by hand."""

import math

import pytest

from learner_model.proficiency import DRIFT, PRIOR_VARIANCE, Ability, KCAbility, drift, predict, update


def test_one_right_answer_at_even_odds_is_one_newton_step():
    # p = sigmoid(logit(0.5) + 0) = 0.5; precision = 1/0.5 + 0.5 * 0.5 = 2.25; mean = (1 - 0.5) / 2.25.
    after = update(Ability(0.0, 0.5), 0.5, correct=True)
    assert after.mean == pytest.approx(0.5 / 2.25)
    assert after.variance == pytest.approx(1 / 2.25)


def test_an_answer_counts_with_its_weight():
    # precision = 2 + 0.5 * 0.25 = 2.125; mean = 0.5 * (0 - 0.5) / 2.125.
    after = update(Ability(0.0, 0.5), 0.5, correct=False, weight=0.5)
    assert after.mean == pytest.approx(-0.25 / 2.125)
    assert after.variance == pytest.approx(1 / 2.125)
    assert update(Ability(0.3, 0.2), 0.7, correct=False, weight=0.0) == Ability(0.3, 0.2)


def test_a_surprising_answer_moves_the_offset_more_than_an_expected_one():
    surprised = update(Ability(), 0.1, correct=True).mean
    expected = update(Ability(), 0.9, correct=True).mean
    assert surprised > expected > 0


def test_the_prediction_shifts_the_rate_and_shrinks_towards_even_odds_by_the_uncertainty():
    # sigmoid(1 / sqrt(1 + pi * 0.5 / 8)) = sigmoid(0.91426) = 0.71388
    assert predict(0.5, Ability(1.0, 0.5)) == pytest.approx(0.71388, abs=1e-5)
    assert predict(0.8, Ability(0.0, 1e-9)) == pytest.approx(0.8)
    assert predict(0.8, Ability(0.0, 0.5)) < 0.8


def test_each_state_learns_in_proportion_to_how_likely_the_learner_is_in_it():
    # Prior offsets (0, 0.5): rates 0.2 and 0.8 are predicted as sigmoid(-+1.38629 * 0.91426)
    # = 0.21975 and 0.78025. A right answer at P(mastered) 0.5 puts the learner in the mastered
    # state with weight 0.78025 and in the other with 0.21975.
    wide = Ability(0.0, 0.5)
    after = KCAbility(wide, wide).observe(0.5, 0.2, 0.8, correct=True)
    assert after.unmastered.mean == pytest.approx(0.21975 * 0.8 / (2 + 0.21975 * 0.16), abs=1e-4)
    assert after.mastered.mean == pytest.approx(0.78025 * 0.2 / (2 + 0.78025 * 0.16), abs=1e-4)
    assert after.unmastered.variance == pytest.approx(1 / (2 + 0.21975 * 0.16), abs=1e-5)


def test_a_learner_surely_in_one_state_teaches_nothing_about_the_other():
    after = KCAbility().observe(1.0, 0.2, 0.8, correct=False)
    assert after.unmastered == Ability()  # unchanged: weight 0
    assert after.mastered.mean < 0


def test_offsets_grow_less_sure_with_answers_elsewhere_but_never_past_the_prior():
    sure = Ability(0.4, 0.1)
    assert drift(sure, 10).variance == pytest.approx(0.1 + 10 * DRIFT)
    assert drift(sure, 10).mean == 0.4
    assert drift(sure, 10**6).variance == PRIOR_VARIANCE
    assert drift(sure, 0) == sure


def test_stored_as_four_numbers_and_bad_ones_are_refused():
    ability = KCAbility(Ability(-0.5, 0.3), Ability(0.2, 0.1))
    assert KCAbility.from_list(ability.to_list()) == ability
    with pytest.raises(ValueError, match="four numbers"):
        KCAbility.from_list([0.0, 0.5])
    with pytest.raises(ValueError, match="variance"):
        Ability(0.0, 0.0)
    with pytest.raises(ValueError, match="finite"):
        Ability(math.nan, 0.5)
    with pytest.raises(ValueError, match="weight"):
        update(Ability(), 0.5, True, weight=1.5)
