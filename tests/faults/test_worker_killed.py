"""A Celery worker killed (SIGKILL) in the middle of an explanation: the task runs again on
another worker and the learner gets one explanation.

The worker is real, over a real Redis of the test's own; the LLM is a test double (a small
OpenAI-compatible server that streams slowly, tests/faults/servers.py) so that the worker can
be killed mid-reply in seconds: the fault under test is the worker, not the model."""

import signal
import time

import pytest
from django.urls import reverse

from tests.faults.servers import SlowLLM, start_worker, wait_until
from tests.webapp.test_pages import submit
from webapp.learning.models import Explanation

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 2  # seconds; production: 300 (workers/celery.py)


def test_a_worker_killed_mid_explanation_is_replaced_and_the_learner_gets_one_explanation(
    logged_in, enrolled, database_url, redis, broker, tmp_path
):
    pieces = [f"Word{n} " for n in range(30)]
    with SlowLLM(pieces, pause=0.25) as llm:  # 7.5 s for the whole reply
        log = tmp_path / "workers.log"
        timeouts = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "CELERY_RESTORE_INTERVAL": "1"}

        def worker():
            return start_worker(
                database_url=database_url,
                redis_url=redis.url,
                queue=broker,
                llm_url=llm.url,
                log_path=log,
                extra_env=timeouts,
            )

        started = time.monotonic()
        first = worker()
        try:
            submit(logged_in, "counting-apples", "4")
            row = Explanation.objects.get()
            assert logged_in.get(reverse("explanation", args=[row.pk])).json()["status"] == "pending"  # sent
            writing = wait_until(
                lambda: Explanation.objects.filter(status="writing", text__contains="Word3").first(),
                timeout=40,
                what=f"the first worker to start writing (log: {log})",
            )
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            first.kill()
        killed_at = time.monotonic()
        assert writing.status == "writing" and llm.requests == 1
        time.sleep(1)
        assert Explanation.objects.get().status == "writing", "nothing finishes it while no worker runs"

        second = worker()
        try:
            done = wait_until(
                lambda: Explanation.objects.filter(status="done").first(),
                timeout=40,
                what=f"a second worker to write the explanation again (log: {log})",
            )
            redone_in = time.monotonic() - killed_at
            time.sleep(VISIBILITY_TIMEOUT + 2)  # long enough for a wrongly kept message to come back
        finally:
            second.terminate()
            second.wait(timeout=30)
    print(f"redone {redone_in:.1f} s after the kill, {time.monotonic() - started:.1f} s in all")
    assert Explanation.objects.count() == 1
    assert done.source == "model" and done.error == "" and done.text.endswith(llm.text)  # whole
    assert done.text.count("Word0 ") == 1  # and once: the second run replaced the first's partial text
    assert llm.requests == 2, "the task runs once more, not more"
    assert Explanation.objects.get().finished_at == done.finished_at
    shown = logged_in.get(reverse("explanation", args=[done.pk])).json()
    assert shown["status"] == "done" and shown["html"].count("Word29") == 1
