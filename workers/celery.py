"""The Celery app. Start a worker with `celery -A workers worker` and the scheduler of periodic
tasks with `celery -A workers beat` (REDIS_URL set for both; run one beat only). Its settings,
the schedule of periodic tasks included, are webapp/settings.py's CELERY_*."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("tutor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers"])

# Tasks are acknowledged late, so a task whose worker dies stays in Redis's "unacked" set and
# is handed to another worker once it has been out for the visibility timeout. Kombu's default
# is an hour, long past any use: an explanation not written in LLM_DEADLINE_SECONDS (30 s) is
# replaced by the authored text. Five minutes is well above the longest task (an explanation,
# bounded by its deadline; a rollup refresh), so a task still running is never handed out twice,
# and a lost one is redone within minutes. Workers look for lost tasks every
# CELERY_RESTORE_INTERVAL seconds (and when they start).
app.conf.broker_transport_options = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "300")),
    "unacked_restore_interval": int(os.environ.get("CELERY_RESTORE_INTERVAL", "30")),
    "unacked_restore_throttle": 1,  # each sweep scans (one ZRANGE): the interval alone sets the pace
}
