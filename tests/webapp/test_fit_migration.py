"""Fits recorded before refits became proposals survive the change, as applied proposals."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("learning", "0007_learner_model_fit_proposals")]
AFTER = [("learning", "0008_earlier_fits_as_applied_proposals")]
OLD_ROW = {"before": {"prior": 0.1, "learn": 0.2, "guess": 0.2, "slip": 0.1}, "responses": 60}
OLD_ROW["after"] = {"prior": 0.3, "learn": 0.25, "guess": 0.15, "slip": 0.08}


@pytest.fixture
def back_to_latest():
    """The later tests need the whole schema: migrate forward to the latest again afterwards."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_old_fit_becomes_an_applied_proposal(back_to_latest):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    course = apps.get_model("learning", "Course").objects.create(slug="c", title="C", digest="d")
    old = apps.get_model("learning", "LearnerModelFit").objects.create(
        course=course, responses=60, seconds=1.0, metrics={"auc": 0.7}, parameters={"kc": OLD_ROW}
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    fit = executor.loader.project_state(AFTER).apps.get_model("learning", "LearnerModelFit").objects.get(pk=old.pk)
    assert fit.parameters == {"kc": {"current": OLD_ROW["before"], "proposed": OLD_ROW["after"], "responses": 60}}
    assert fit.metrics == {"current": {}, "proposed": {"auc": 0.7}}
    assert fit.applied_at == fit.fitted_at
