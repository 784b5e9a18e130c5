"""Fitting BKT by EM: parameter recovery for every option, and predictions by the exact filter."""

import numpy as np
import pytest

from learner_model import bkt
from learner_model.log import from_columns
from learner_model.model import BKTModel, Options, evaluate, fit, predict
from learner_model.synthetic import simulate_log

TRUE = {
    "easy": dict(prior=0.4, learn=0.2, guess=0.25, slip=0.08),
    "hard": dict(prior=0.1, learn=0.08, guess=0.15, slip=0.12),
}


def close(fitted, true, tolerance):
    return {
        name: (round(getattr(fitted, name), 3), value)
        for name, value in true.items()
        if abs(getattr(fitted, name) - value) > tolerance
    }


def test_standard_bkt_recovers_its_parameters():
    log = simulate_log(TRUE, learners=3000, answers=10, seed=1)
    model = fit(log, Options(restarts=3, seed=0))
    for kc, true in TRUE.items():
        assert close(model.kcs[kc], true, 0.04) == {}, kc


def test_forgetting_is_recovered():
    true = {"fading": dict(prior=0.5, learn=0.15, guess=0.2, slip=0.1, forget=0.08)}
    log = simulate_log(true, learners=4000, answers=12, seed=2)
    model = fit(log, Options(restarts=3, forgets=True))
    assert close(model.kcs["fading"], true["fading"], 0.04) == {}
    standard = fit(log, Options(restarts=3))
    assert model.kcs["fading"].log_likelihood > standard.kcs["fading"].log_likelihood + 10


def test_item_level_guess_and_slip_are_recovered():
    true = {"mixed": dict(prior=0.3, learn=0.15, guess=[0.05, 0.3, 0.5], slip=[0.05, 0.1, 0.25])}
    log = simulate_log(true, learners=4000, answers=10, seed=3, items_per_kc=3)
    items = fit(log, Options(restarts=3, item_guess_slip=True)).kcs["mixed"].items
    fitted = [(items[f"mixed/item{i}"]["guess"], items[f"mixed/item{i}"]["slip"]) for i in range(3)]
    assert np.allclose(fitted, list(zip(true["mixed"]["guess"], true["mixed"]["slip"])), atol=0.05), fitted


def test_item_level_learn_rates_are_recovered():
    true = {"teach": dict(prior=0.1, learn=[0.02, 0.3], guess=0.2, slip=0.1)}
    log = simulate_log(true, learners=5000, answers=10, seed=4, items_per_kc=2)
    items = fit(log, Options(restarts=3, item_learn=True)).kcs["teach"].items
    assert items["teach/item0"]["learn"] == pytest.approx(0.02, abs=0.03)
    assert items["teach/item1"]["learn"] == pytest.approx(0.3, abs=0.06)


def test_cohort_priors_are_recovered():
    true = {"start": dict(prior={"novice": 0.05, "expert": 0.8}, learn=0.15, guess=0.2, slip=0.1)}
    log = simulate_log(true, learners=3000, answers=10, seed=5)
    cohorts = {learner: learner.split("@")[1] for learner in log.learners}
    model = fit(log, Options(restarts=3, prior_by="cohort"), cohorts=cohorts)
    priors = model.kcs["start"].priors
    assert priors["novice"] == pytest.approx(0.05, abs=0.04) and priors["expert"] == pytest.approx(0.8, abs=0.05)
    # Prediction uses each learner's cohort prior.
    first = predict(model, log)[log.file_row[log.seq_start[:-1]]]
    by_cohort = np.array([log.learners[learner].endswith("expert") for learner in log.seq_learner])
    assert first[by_cohort].mean() > first[~by_cohort].mean() + 0.4


def test_predictions_are_the_online_filter_and_come_back_in_file_order():
    # Two learners interleaved in the file; predictions must follow file rows.
    log = from_columns(kcs=["k"] * 6, learners=["a", "b", "a", "b", "a", "b"], correct=[1, 0, 1, 0, 0, 1])
    params = bkt.Params(prior=0.3, learn=0.15, guess=0.2, slip=0.1)
    model = fit(log, Options(restarts=1, max_iter=1, min_responses=1))
    fitted = model.kcs["k"]
    fitted.prior, fitted.learn, fitted.guess, fitted.slip, fitted.forget = 0.3, 0.15, 0.2, 0.1, 0.0
    expected = []
    beliefs = {"a": bkt.initial_belief(params), "b": bkt.initial_belief(params)}
    for learner, correct in zip(["a", "b", "a", "b", "a", "b"], [1, 0, 1, 0, 0, 1]):
        expected.append(bkt.p_correct(beliefs[learner], params))
        beliefs[learner] = bkt.observe(beliefs[learner], bool(correct), params)
    assert predict(model, log) == pytest.approx(expected, abs=1e-12)


def test_a_long_run_of_right_answers_does_not_freeze_predictions():
    # After 40 right answers P(unmastered) is about 1e-30: computed as 1 - P(mastered) it
    # would be exactly 0, and no number of wrong answers could lower the prediction again.
    log = from_columns(kcs=["k"] * 140, learners=["a"] * 140, correct=[1] * 40 + [0] * 100)
    model = fit(log, Options(restarts=1, max_iter=1, min_responses=1))
    model.kcs["k"].prior, model.kcs["k"].learn, model.kcs["k"].guess, model.kcs["k"].slip = 0.5, 0.3, 0.2, 0.1
    p = predict(model, log)
    assert p[40] == pytest.approx(0.9) and p[-1] < 0.5


def test_unseen_kcs_and_items_fall_back_and_rare_kcs_are_reported():
    log = simulate_log(TRUE, learners=300, answers=5, seed=6)
    rare = from_columns(kcs=["easy"] * 20 + ["rare"] * 3, learners=["x"] * 23, correct=[1] * 23)
    model = fit(rare, Options(restarts=1))
    assert model.skipped == {"rare": 3} and "rare" not in model.kcs
    p = predict(model, log)
    assert p.shape == (len(log),) and np.all((p > 0) & (p < 1))


def test_save_and_load_round_trip(tmp_path):
    log = simulate_log(TRUE, learners=300, answers=6, seed=7, items_per_kc=2)
    model = fit(log, Options(restarts=2, item_guess_slip=True, forgets=True))
    model.save(tmp_path / "params.json")
    again = BKTModel.load(tmp_path / "params.json")
    assert again == model
    assert np.array_equal(predict(again, log), predict(model, log))


def test_fitting_improves_on_the_defaults_out_of_sample():
    train = simulate_log(TRUE, learners=1500, answers=10, seed=8)
    test = simulate_log(TRUE, learners=500, answers=10, seed=9)
    fitted = evaluate(fit(train, Options(restarts=2)), test)
    unfitted = fit(train, Options(restarts=1, max_iter=1))
    assert fitted["log_loss"] < evaluate(unfitted, test)["log_loss"]
    assert 0.5 < fitted["auc"] <= 1 and 0 < fitted["rmse"] < 0.5


def test_per_learner_priors_tell_who_started_out_mastered():
    # One sequence per (learner, KC) identifies a learner's prior only as "started mastered
    # or not"; with enough answers each, the fitted priors sort learners that way.
    true = {"start": dict(prior={"novice": 0.02, "expert": 0.98}, learn=0.05, guess=0.2, slip=0.1)}
    log = simulate_log(true, learners=200, answers=30, seed=10)
    priors = fit(log, Options(restarts=3, prior_by="learner")).kcs["start"].priors
    expert = np.array([name.endswith("expert") for name in priors])
    values = np.array(list(priors.values()))
    assert np.mean(values[expert] > 0.5) > 0.9 and np.mean(values[~expert] < 0.5) > 0.9
