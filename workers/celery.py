"""The Celery app. Start a worker with `celery -A workers worker` and the scheduler of periodic
tasks with `celery -A workers beat` (REDIS_URL set for both; run one beat only). Its settings,
the schedule of periodic tasks included, are webapp/settings.py's CELERY_*."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("tutor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers"])
