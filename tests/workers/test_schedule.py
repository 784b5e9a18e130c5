"""The beat schedule and the periodic tasks it names: nightly refit proposals, rollup refreshes for every course."""

import pytest
from celery.schedules import crontab

from tests.webapp.test_refit import AUTHORED, parameters, store_simulated_responses
from webapp.analytics.models import RollupWatermark
from webapp.learning import refit
from webapp.learning.models import Course, LearnerModelFit
from workers import tasks
from workers.celery import app


def test_the_beat_schedule_names_registered_tasks_at_their_times():
    schedule = app.conf.beat_schedule
    nightly, rollups = schedule["nightly-refit"], schedule["refresh-rollups"]
    assert nightly["task"] == "tutor.nightly_refit" and rollups["task"] == "tutor.refresh_all_rollups"
    assert all(entry["task"] in app.tasks for entry in schedule.values())
    assert isinstance(nightly["schedule"], crontab)
    assert nightly["schedule"].hour == {3} and nightly["schedule"].minute == {0}
    assert app.conf.timezone == "UTC"
    assert rollups["schedule"] == 300


@pytest.fixture
def quiet(db):
    """A second course nobody has answered in: the nightly task has nothing to fit there and leaves it out."""
    return Course.objects.create(slug="quiet", title="Quiet", digest="x")


def test_the_nightly_task_proposes_once_per_new_log(course, quiet):
    store_simulated_responses(course, learners=150)
    first = tasks.nightly_refit.apply().get()
    proposal = LearnerModelFit.objects.get()
    assert first == {"tiny": proposal.pk}
    assert proposal.applied_at is None and parameters(course) == AUTHORED  # proposed, not applied
    # Run again (a redelivery, or beat twice): the same log and KCs give no second proposal.
    assert tasks.nightly_refit.apply().get() == {"tiny": None}
    # Applied, nothing new to propose either; new answers since do give a new proposal.
    refit.apply_refit(fit=proposal)
    assert tasks.nightly_refit.apply().get() == {"tiny": None}
    store_simulated_responses(course, learners=20, seed=4)
    again = tasks.nightly_refit.apply().get()
    assert again["tiny"] not in (None, proposal.pk) and LearnerModelFit.objects.count() == 2


def test_the_nightly_task_proposes_again_after_a_reimport_changed_the_kcs(course):
    store_simulated_responses(course, learners=150)
    tasks.nightly_refit.apply().get()
    course.kcs.filter(slug="counting").update(prior=0.15)  # a re-import with new authored defaults
    assert tasks.nightly_refit.apply().get()["tiny"] is not None
    latest = course.learner_model_fits.first()
    assert latest.parameters["counting"]["current"]["prior"] == 0.15


def test_the_rollup_task_refreshes_every_course(course, quiet, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the per-course tasks it queues run here, not on a worker
    assert tasks.refresh_all_rollups.apply().get() == 2
    assert set(RollupWatermark.objects.values_list("course__slug", flat=True)) == {"tiny", "quiet"}
