"""A Celery worker killed (SIGKILL) in the middle of an explanation: the task runs again on
another worker and the learner gets one explanation.

The workers are real (two, as in production: the second stands by), over a real Redis of the
test's own; the LLM is a test double (a small OpenAI-compatible server that streams slowly,
tests/faults/servers.py) so that a worker can be killed mid-reply in seconds: the fault under
test is the worker, not the model."""

import signal
import time

import pytest
from django.urls import reverse

from tests.faults.servers import SlowLLM, start_worker, wait_until
from tests.webapp.test_pages import submit
from webapp.learning.models import Explanation

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]

RECEIVED = "Task tutor.write_explanation["  # a worker's log line when it takes the task

# Seconds a delivered task may stay unacknowledged before another worker takes it (production:
# 300, workers/celery.py). Above the time to the kill, so the standby worker leaves the task to
# the first while it lives: a visibility timeout shorter than a task would run it twice at once.
VISIBILITY_TIMEOUT = 6


def test_a_worker_killed_mid_explanation_is_replaced_and_the_learner_gets_one_explanation(
    logged_in, enrolled, database_url, redis, broker, tmp_path
):
    pieces = [f"Word{n} " for n in range(30)]
    with SlowLLM(pieces, pause=0.15) as llm:  # 4.5 s for the whole reply
        timeouts = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "CELERY_RESTORE_INTERVAL": "1"}
        logs = [tmp_path / f"worker{n}.log" for n in range(2)]
        started = time.monotonic()
        workers = [
            start_worker(
                database_url=database_url,
                redis_url=redis.url,
                queue=broker,
                llm_url=llm.url,
                log_path=log,
                extra_env=timeouts,
            )
            for log in logs
        ]
        try:
            for log in logs:
                wait_until(lambda log=log: "ready." in log.read_text(), timeout=50, what=f"a worker to start ({log})")
            submit(logged_in, "counting-apples", "4")
            row = Explanation.objects.get()
            assert logged_in.get(reverse("explanation", args=[row.pk])).json()["status"] == "pending"  # sent
            writing = wait_until(
                lambda: Explanation.objects.filter(status="writing", text__contains="Word3").first(),
                timeout=30,
                what=f"a worker to start writing (logs: {logs})",
            )
            first = next(n for n, log in enumerate(logs) if RECEIVED in log.read_text())
            workers[first].send_signal(signal.SIGKILL)
            workers[first].wait(timeout=10)
            killed_at = time.monotonic()
            assert writing.status == "writing" and llm.requests == 1
            done = wait_until(
                lambda: Explanation.objects.filter(status="done").first(),
                timeout=30,
                what=f"the other worker to write the explanation again (logs: {logs})",
            )
            redone_in = time.monotonic() - killed_at
            time.sleep(VISIBILITY_TIMEOUT + 1)  # long enough for a wrongly kept message to come back
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
    print(f"redone {redone_in:.1f} s after the kill, {time.monotonic() - started:.1f} s in all")
    assert RECEIVED in logs[1 - first].read_text(), "the other worker wrote it"
    assert Explanation.objects.count() == 1
    assert done.source == "model" and done.error == "" and done.text.endswith(llm.text)  # whole
    assert done.text.count("Word0 ") == 1  # and once: the second run replaced the first's partial text
    assert llm.requests == 2, "the task runs once more, not more"
    assert Explanation.objects.get().finished_at == done.finished_at
    shown = logged_in.get(reverse("explanation", args=[done.pk])).json()
    assert shown["status"] == "done" and shown["html"].count("Word29") == 1
