import uuid

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from learner_model.synthetic import simulate_log
from webapp.learning.models import LearnerModelFit, Response

TRUE = dict(prior=0.3, learn=0.2, guess=0.15, slip=0.1)


def store_simulated_responses(course, learners=400, answers=8):
    """Responses drawn from known parameters on the 'counting' KC, as if learners had answered."""
    log = simulate_log({"counting": TRUE}, learners=learners, answers=answers, seed=3)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"sim{i}") for i in range(len(log.learners))]
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


def test_refit_writes_the_fitted_parameters_and_records_the_fit(course, capsys):
    count = store_simulated_responses(course)
    call_command("refit_learner_model", "tiny", "--restarts", "3")
    counting = course.kcs.get(slug="counting")
    fitted = [counting.prior, counting.learn, counting.guess, counting.slip]
    assert np.allclose(fitted, list(TRUE.values()), atol=0.07), fitted
    record = LearnerModelFit.objects.get()
    assert record.responses == count and 0.5 < record.metrics["auc"] <= 1
    assert record.parameters["counting"]["before"]["prior"] == 0.1
    assert record.parameters["counting"]["after"]["prior"] == pytest.approx(counting.prior)
    interval = record.intervals["counting"]["guess"]
    assert interval["low"] < TRUE["guess"] < interval["high"]
    # KCs nobody answered keep their authored parameters.
    assert course.kcs.get(slug="adding").prior == 0.1
    assert "refit 1 KCs on 3200 responses" in capsys.readouterr().out


def test_refit_of_a_course_without_responses_is_refused(course):
    with pytest.raises(CommandError, match="no responses to fit"):
        call_command("refit_learner_model", "tiny")
    with pytest.raises(CommandError, match="no such course: nope"):
        call_command("refit_learner_model", "nope")
    assert not LearnerModelFit.objects.exists()
