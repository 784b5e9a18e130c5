"""Redis down: answers are still recorded and pages still work; the explanation task that could
not be sent is sent by the next poll once Redis is back (dispatch keeps `dispatched_at` only
when the send succeeded), and past the deadline the page shows the authored text.

Redis is the test's own (tests/faults/conftest.py's `redis`), never the shared one. The rollup
refresh needs no queue (the dashboard's button runs it in the request), so only the explanation
task is at stake here."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.faults.servers import SlowLLM, start_worker, wait_until
from tests.webapp.test_pages import submit
from webapp.learning.models import Explanation, Response

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def poll(client, explanation):
    started = time.monotonic()
    reply = client.get(reverse("explanation", args=[explanation.pk]))
    assert reply.status_code == 200, reply.content[:500]
    return reply.json(), time.monotonic() - started


def test_with_redis_down_answers_are_recorded_and_the_explanation_is_sent_when_it_is_back(
    logged_in, enrolled, database_url, redis, broker, tmp_path
):
    redis.kill()
    reply = submit(logged_in, "counting-apples", "4")
    assert reply.status_code == 302 and Response.objects.count() == 1
    assert logged_in.get(reply.url).status_code == 200  # the feedback page
    assert logged_in.get(reverse("learn", args=["tiny"])).status_code == 200  # the next item
    row = Explanation.objects.get()
    data, waited = poll(logged_in, row)
    assert data["status"] == "pending" and waited < 5, f"the poll took {waited:.1f} s"
    assert Explanation.objects.get().dispatched_at is None, "a send that failed is not counted as sent"

    redis.start()  # empty: whatever was queued before is gone, as after a Redis restart without persistence
    data, _ = poll(logged_in, row)
    assert data["status"] == "pending" and Explanation.objects.get().dispatched_at is not None
    assert redis.client().llen(broker) == 1, "the task is queued now"
    poll(logged_in, row)
    assert redis.client().llen(broker) == 1, "and only once"

    with SlowLLM(["Count each apple once."]) as llm:
        worker = start_worker(
            database_url=database_url,
            redis_url=redis.url,
            queue=broker,
            llm_url=llm.url,
            log_path=tmp_path / "worker.log",
        )
        try:
            wait_until(
                lambda: Explanation.objects.filter(status="done").exists(),
                timeout=50,
                what=f"the worker to write the explanation (log: {tmp_path / 'worker.log'})",
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    data, _ = poll(logged_in, row)
    assert data["source"] == "model" and "Count each apple once." in data["html"] and llm.requests == 1


def test_with_redis_down_past_the_deadline_the_page_shows_the_authored_text(logged_in, enrolled, redis, broker):
    redis.kill()
    submit(logged_in, "counting-apples", "4")
    row = Explanation.objects.get()
    assert poll(logged_in, row)[0]["status"] == "pending"
    Explanation.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    data, _ = poll(logged_in, row)
    assert data["status"] == "done" and data["source"] == "authored" and "You counted one apple twice." in data["html"]
    assert Response.objects.count() == 1
