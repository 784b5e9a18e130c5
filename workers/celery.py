"""The Celery app. Start a worker with `celery -A workers worker` and the scheduler of periodic
tasks with `celery -A workers beat` (REDIS_URL set for both; run one beat only)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("tutor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers"])

# Times are UTC whatever the settings say, so "03:00" means the same on every server.
app.conf.timezone = "UTC"
app.conf.beat_schedule = {
    # At night the response log is quiet and a fit's CPU hurts nobody; faculty find proposals in the morning.
    "nightly-refit": {"task": "tutor.nightly_refit", "schedule": crontab(hour=3, minute=0)},
    # The dashboard promises figures at most minutes behind the log (webapp/analytics/rollups.py LAG).
    "refresh-rollups": {"task": "tutor.refresh_all_rollups", "schedule": 5 * 60.0},
}
