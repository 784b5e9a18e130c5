"""A real Celery worker, over Redis, writes an explanation with the real model into PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.webapp.conftest import answer
from webapp.learning import explanations
from webapp.learning.models import Explanation
from workers.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.model, pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue():
    """A Celery worker process on a queue of its own, sharing the test database."""
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.fail("the worker test needs REDIS_URL and PostgreSQL: run it through the README's test command")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_EAGER": "0",
        "CELERY_QUEUE": queue,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool=solo", "--loglevel=INFO", "-Q", queue],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    before = {key: celery_app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, task_default_queue=queue)
    try:
        yield worker
    finally:
        celery_app.conf.update(before)
        worker.terminate()
        log = worker.communicate(timeout=30)[0]
        print(log[-4000:])


def test_a_worker_writes_the_explanation_of_a_wrong_answer(worker_queue, course, enrolled, learner):
    """The worker streams: the row shows the text growing (status writing) before it is done."""
    response = answer(learner, course.items.get(slug="counting-apples"), "4").response
    explanation = explanations.dispatch(explanation=response.explanations.get())
    assert explanation.status == "pending" and explanation.dispatched_at is not None
    deadline = time.monotonic() + 180
    partial = []
    while explanation.status != "done" and time.monotonic() < deadline and worker_queue.poll() is None:
        time.sleep(0.1)
        explanation.refresh_from_db()
        if explanation.status == "writing":
            partial.append(explanation.text)
    assert explanation.status == "done", "the worker did not write the explanation in time"
    assert explanation.source == "model", explanation.error
    assert explanation.model_name == "SmolLM2-135M-Instruct" and explanation.text.strip()
    assert partial and all(explanation.text.startswith(text.rstrip()[:20]) for text in partial)
    assert len(set(partial)) > 1, "the text should have been seen growing"
    assert Explanation.objects.count() == 1
