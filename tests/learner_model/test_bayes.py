"""Bayesian BKT (learner_model.bayes): the likelihood, recovery, coverage, the priors, bad input.

Recovery and coverage share one fit: five simulated data sets of eight KCs each, put side by
side in one log as 40 KCs ("0/a" ... "4/h"). KCs are independent in the model, so this is the
same as five fits, at the cost of one.
"""

import json
import math

import numpy as np
import pytest
import torch

from learner_model.bayes import BayesFit, _arrange, _log_likelihood, fit_bayes
from learner_model.bkt import Params, initial_belief, observe, p_correct
from learner_model.log import ResponseLog, from_columns
from learner_model.model import fit
from learner_model.synthetic import simulate_log

BKT = ("prior", "learn", "guess", "slip")
TRUTH = {
    "a": dict(prior=0.2, learn=0.15, guess=0.2, slip=0.1),
    "b": dict(prior=0.5, learn=0.3, guess=0.25, slip=0.05),
    "c": dict(prior=0.1, learn=0.05, guess=0.3, slip=0.15),
    "d": dict(prior=0.7, learn=0.2, guess=0.1, slip=0.2),
    "e": dict(prior=0.3, learn=0.1, guess=0.35, slip=0.08),
    "f": dict(prior=0.4, learn=0.25, guess=0.15, slip=0.12),
    "g": dict(prior=0.15, learn=0.4, guess=0.2, slip=0.1),
    "h": dict(prior=0.6, learn=0.08, guess=0.25, slip=0.15),
}
SEEDS = range(5)
LEARNERS, ANSWERS = 300, 12


def side_by_side(logs: dict[str, ResponseLog]) -> ResponseLog:
    """One log holding each log's KCs under the name `prefix/kc`."""
    columns = {"kcs": [], "learners": [], "correct": []}
    for prefix, log in logs.items():
        columns["kcs"].append(np.char.add(f"{prefix}/", np.asarray(log.kcs)[log.kc].astype(str)))
        columns["learners"].append(np.asarray(log.learners)[log.learner].astype(str))
        columns["correct"].append(log.correct)
    return from_columns(**{name: np.concatenate(parts) for name, parts in columns.items()})


def log_of(rows: list[str], kc: str = "k") -> ResponseLog:
    """A log with one learner per string of 0s and 1s."""
    answers = [(f"learner{i}", int(c)) for i, row in enumerate(rows) for c in row]
    return from_columns(kcs=[kc] * len(answers), learners=[a for a, _ in answers], correct=[c for _, c in answers])


@pytest.fixture(scope="module")
def simulated() -> BayesFit:
    logs = {str(seed): simulate_log(TRUTH, learners=LEARNERS, answers=ANSWERS, seed=seed) for seed in SEEDS}
    return fit_bayes(side_by_side(logs))


# The likelihood -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("forget", [0.0, 0.05])
def test_likelihood_matches_the_online_filter(forget):
    # Sequences of unequal length (the forward pass drops them as they end), two KCs, and a
    # run of 200 right answers, where P(mastered) held as one probability would round to 1.
    kcs = {"x": Params(prior=0.3, learn=0.15, guess=0.2, slip=0.1, forget=forget)}
    kcs["y"] = Params(prior=0.6, learn=0.05, guess=0.3, slip=0.2, forget=forget)
    rows = {"x": ["1", "0110", "1" * 200 + "0", "001"], "y": ["10", "0001111", "1"]}
    logs = {kc: log_of(seqs, kc="k") for kc, seqs in rows.items()}
    log = side_by_side(logs)

    expected = {}
    for kc, params in kcs.items():
        total = 0.0
        for row in rows[kc]:
            belief = initial_belief(params)
            for c in row:
                p = p_correct(belief, params)
                total += math.log(p if c == "1" else 1 - p)
                belief = observe(belief, c == "1", params)
        expected[f"{kc}/k"] = total

    def column(name):
        return torch.tensor([getattr(kcs[kc.split("/")[0]], name) for kc in log.kcs], dtype=torch.float64)

    got = _log_likelihood(
        _arrange(log, np.arange(len(log.kcs))),
        **{name: column(name) for name in BKT},
        forget=column("forget") if forget else None,
    )
    assert got.tolist() == pytest.approx([expected[kc] for kc in log.kcs], abs=1e-9)


# Recovery and coverage ------------------------------------------------------------------------------------

# With 300 learners x 12 answers per KC, posterior sds are about 0.03-0.04 for prior (it rests on
# each learner's first answers), 0.01-0.025 for learn and guess, 0.005-0.01 for slip. The tolerances
# are about 3 sds of the least certain KC; over 160 simulated KCs (20 seeds) the largest errors
# were 0.10, 0.08, 0.07 and 0.034, and 0.07, 0.05, 0.04 and 0.014 for the seed used here.
TOLERANCE = {"prior": 0.1, "learn": 0.07, "guess": 0.07, "slip": 0.03}


def test_posterior_means_recover_the_simulated_parameters(simulated):
    for kc, truth in TRUTH.items():
        posterior = simulated.kcs[f"0/{kc}"]
        assert posterior.n_responses == LEARNERS * ANSWERS
        assert posterior.forget is None
        for name in BKT:
            estimate = getattr(posterior, name)
            assert abs(estimate.mean - truth[name]) < TOLERANCE[name], (kc, name, estimate, truth[name])
            assert estimate.low < estimate.mean < estimate.high


def test_ninety_percent_intervals_cover_the_truth_about_ninety_percent_of_the_time(simulated):
    # 160 (KC, parameter) pairs; at a true rate of 0.9 the share inside has sd 0.024, so the
    # band is -4 to +3 sds: intervals a third too narrow (coverage ~0.75) or far too wide fail.
    # Measured: 0.90 here; 0.908 over 640 pairs from 20 seeds.
    inside = {name: [] for name in BKT}
    for seed in SEEDS:
        for kc, truth in TRUTH.items():
            posterior = simulated.kcs[f"{seed}/{kc}"]
            for name in BKT:
                estimate = getattr(posterior, name)
                inside[name].append(estimate.low <= truth[name] <= estimate.high)
    share = np.mean([hit for hits in inside.values() for hit in hits])
    assert simulated.interval == 0.9
    assert 0.80 <= share <= 0.97, share
    for name, hits in inside.items():  # 40 pairs each: no parameter is far off on its own
        assert np.mean(hits) >= 0.7, (name, np.mean(hits))


def test_forgetting_is_recovered_with_its_interval():
    forget = {"a": 0.02, "b": 0.05, "c": 0.1, "d": 0.03}
    truth = {kc: {**TRUTH[kc], "forget": value} for kc, value in forget.items()}
    result = fit_bayes(simulate_log(truth, learners=LEARNERS, answers=ANSWERS, seed=7), forgets=True)
    assert result.forgets
    inside = 0
    for kc, value in forget.items():
        estimate = result.kcs[kc].forget
        assert abs(estimate.mean - value) < 0.04, (kc, estimate)
        inside += estimate.low <= value <= estimate.high
    assert inside >= 3


# The priors keep guess and slip below 0.5 --------------------------------------------------------------------


def test_priors_keep_guess_and_slip_below_one_half_where_maximum_likelihood_degenerates():
    # Eight learners, mostly right from their first answer. Maximum likelihood explains this by
    # learners who have not mastered the KC and guess right (prior 0, guess 1); the Beta(2, 5)
    # priors on guess and slip prefer the reading a teacher would give: they mostly knew it.
    log = log_of(["11111111", "11111110", "11111101", "11111111", "11101111", "11111111", "11111100", "11111111"])
    ml = fit(log).kcs["k"]
    assert ml.guess > 0.5 or ml.slip > 0.5, "maximum likelihood no longer degenerates on this data"

    bayes = fit_bayes(log).kcs["k"]
    assert bayes.guess.mean < 0.5 and bayes.slip.mean < 0.5
    assert bayes.prior.mean > 0.5  # the right answers are put down to mastery
    assert bayes.prior.high - bayes.prior.low > 0.3  # ...with the uncertainty that 64 answers leave


# Bad input and the report --------------------------------------------------------------------------------


def test_an_empty_log_is_refused():
    with pytest.raises(ValueError, match="empty"):
        fit_bayes(from_columns(kcs=[], learners=[], correct=[]))


def test_kcs_with_too_few_responses_are_skipped_and_reported():
    log = side_by_side({"big": log_of(["0111", "0011", "1111", "0101"]), "small": log_of(["01", "1"])})
    result = fit_bayes(log, min_responses=10)
    assert set(result.kcs) == {"big/k"}
    assert result.skipped == {"small/k": 3}

    with pytest.raises(ValueError, match="responses per KC: {'small/k': 3}"):
        fit_bayes(log_of(["01", "1"], kc="small/k"))


def test_interval_must_be_a_probability():
    with pytest.raises(ValueError, match="interval"):
        fit_bayes(log_of(["0111"] * 4), interval=90)


def test_to_json_is_plain_data_for_the_web_app():
    result = fit_bayes(log_of(["0111", "0011", "1111", "0101"]), interval=0.8)
    data = json.loads(json.dumps(result.to_json()))
    kc = data["kcs"]["k"]
    assert set(kc) == {"prior", "learn", "guess", "slip", "forget", "n_responses"}
    assert set(kc["guess"]) == {"mean", "low", "high"}
    assert kc["forget"] is None and kc["n_responses"] == 16
    assert data["interval"] == 0.8 and data["skipped"] == {} and data["forgets"] is False
