"""Refitting the learner model: a refit proposes; faculty or `--apply` apply; stale or applied proposals are refused."""

import uuid

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from learner_model.model import Options
from learner_model.synthetic import simulate_log
from webapp.learning import refit, services
from webapp.learning.models import LearnerModelFit, Response

TRUE = dict(prior=0.3, learn=0.2, guess=0.15, slip=0.1)
AUTHORED = dict(prior=0.1, learn=0.2, guess=0.2, slip=0.1)  # the tiny course's [bkt] defaults
QUICK = Options(restarts=2, seed=0, min_responses=50)


def store_simulated_responses(course, learners=400, answers=8, truth=TRUE, seed=3):
    """Responses drawn from known parameters on the 'counting' KC, as if learners had answered."""
    log = simulate_log({"counting": truth}, learners=learners, answers=answers, seed=seed)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"sim{seed}-{i}") for i in range(len(log.learners))]
    )
    item = course.items.get(slug="counting-letters")
    correct = log.in_file_order(log.correct)
    learner = log.in_file_order(log.learner)
    Response.objects.bulk_create(
        Response(
            learner=users[learner[row]],
            item=item,
            kc=item.kc,
            idempotency_key=uuid.uuid4(),
            answer="4" if correct[row] else "5",
            correct=bool(correct[row]),
            predicted_correct=0.5,
            p_mastered_before=0.1,
            p_mastered_after=0.1,
        )
        for row in range(len(correct))
    )
    return len(correct)


def parameters(course, slug="counting") -> dict[str, float]:
    return refit.current_params(course.kcs.get(slug=slug))


@pytest.fixture
def proposal(course):
    store_simulated_responses(course, learners=150)
    return refit.propose_refit(course=course, options=QUICK)


def test_a_refit_proposes_and_changes_nothing_until_applied(course, capsys):
    count = store_simulated_responses(course)
    call_command("refit_learner_model", "tiny", "--restarts", "3")
    assert parameters(course) == AUTHORED  # proposed, not written
    record = LearnerModelFit.objects.get()
    assert record.applied_at is None and record.applied_by is None and record.responses == count
    counting = record.parameters["counting"]
    assert counting["current"] == AUTHORED and counting["responses"] == count
    assert np.allclose([counting["proposed"][name] for name in TRUE], list(TRUE.values()), atol=0.07)
    interval = record.intervals["counting"]["guess"]
    assert interval["low"] < TRUE["guess"] < interval["high"]
    # Both parameter sets scored on the same log: the fitted ones explain it better than the authored.
    old, new = record.metrics["current"], record.metrics["proposed"]
    assert old["n"] == new["n"] == count
    assert new["log_likelihood"] > old["log_likelihood"] and new["log_loss"] < old["log_loss"]
    assert 0.5 < new["auc"] <= 1 and new["rmse"] < old["rmse"]
    # KCs nobody answered are not in the proposal and keep their authored parameters.
    assert "adding" not in record.parameters and parameters(course, "adding") == AUTHORED
    assert "refit 1 KCs on 3200 responses" in capsys.readouterr().out


def test_apply_writes_the_proposal_and_records_who_applied_it(course, faculty, proposal):
    refit.apply_refit(fit=proposal, user=faculty)
    proposal.refresh_from_db()
    assert parameters(course) == proposal.parameters["counting"]["proposed"]
    assert proposal.applied_by == faculty and proposal.applied_at is not None
    assert course.kcs.get(slug="counting").forget == 0.0  # a refit leaves forgetting alone


def test_a_proposal_applied_already_is_refused_and_nothing_changes(course, faculty, proposal):
    refit.apply_refit(fit=proposal, user=faculty)
    applied = LearnerModelFit.objects.get(pk=proposal.pk)
    # Someone edits the KC afterwards; a second apply of the same proposal must not undo that.
    course.kcs.filter(slug="counting").update(prior=0.42)
    with pytest.raises(refit.RefitRefused, match="applied already"):
        refit.apply_refit(fit=proposal, user=None)
    assert parameters(course)["prior"] == 0.42
    assert LearnerModelFit.objects.get(pk=proposal.pk).applied_by == applied.applied_by == faculty


def test_a_proposal_made_before_another_apply_is_stale(course, faculty, proposal):
    older = refit.propose_refit(course=course, options=Options(restarts=2, seed=1, min_responses=50))
    refit.apply_refit(fit=proposal, user=faculty)
    written = parameters(course)
    with pytest.raises(refit.RefitRefused, match="stale: the parameters of counting changed"):
        refit.apply_refit(fit=older, user=faculty)
    assert parameters(course) == written
    older.refresh_from_db()
    assert older.applied_at is None and older.applied_by is None


def test_a_proposal_made_before_a_reimport_is_stale(course, faculty, proposal, tiny_course_dir):
    toml = tiny_course_dir / "course.toml"
    toml.write_text(toml.read_text().replace("prior = 0.1", "prior = 0.15"))
    services.import_course(path=tiny_course_dir)
    with pytest.raises(refit.RefitRefused, match="stale"):
        refit.apply_refit(fit=proposal, user=faculty)
    assert parameters(course)["prior"] == 0.15
    assert LearnerModelFit.objects.get().applied_at is None


def test_the_command_applies_with_apply(course, capsys):
    store_simulated_responses(course, learners=150)
    call_command("refit_learner_model", "tiny", "--apply", "--restarts", "2")
    record = LearnerModelFit.objects.get()
    assert record.applied_at is not None and record.applied_by is None
    assert parameters(course) == record.parameters["counting"]["proposed"] != AUTHORED
    assert "applied" in capsys.readouterr().out


def test_refit_of_a_course_without_responses_is_refused(course):
    with pytest.raises(CommandError, match="no responses to fit"):
        call_command("refit_learner_model", "tiny")
    with pytest.raises(CommandError, match="no such course: nope"):
        call_command("refit_learner_model", "nope")
    assert not LearnerModelFit.objects.exists()


def test_a_refit_with_no_kc_answered_often_enough_is_refused(course):
    store_simulated_responses(course, learners=5)  # 40 answers, fewer than the 50 a KC needs
    with pytest.raises(CommandError, match="no KC has the 50 responses a fit needs"):
        call_command("refit_learner_model", "tiny")
    assert not LearnerModelFit.objects.exists()


def test_a_refit_the_kcs_cannot_store_is_refused(course):
    store_simulated_responses(course, learners=20)
    with pytest.raises(ValueError, match="standard BKT"):
        refit.propose_refit(course=course, options=Options(forgets=True))
    assert not LearnerModelFit.objects.exists()


@pytest.mark.parametrize(
    "guess, slip, flagged",
    [
        (0.2, 0.1, []),
        (0.5, 0.5, ["guess + slip"]),  # 0.5 itself is not above 0.5, but the sum reaches 1
        (0.6, 0.1, ["guess 0.60 > 0.5"]),
        (0.1, 0.7, ["slip 0.70 > 0.5"]),
        (0.45, 0.55, ["slip 0.55 > 0.5", "guess + slip"]),
        (0.8, 0.3, ["guess 0.80 > 0.5", "guess + slip"]),
    ],
)
def test_degenerate_parameters_are_flagged_with_the_reason(guess, slip, flagged):
    reasons = refit.degenerate({"prior": 0.1, "learn": 0.2, "guess": guess, "slip": slip})
    assert len(reasons) == len(flagged)
    assert all(reason.startswith(start) for reason, start in zip(reasons, flagged))
