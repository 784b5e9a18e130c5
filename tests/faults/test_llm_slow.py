"""The LLM server slow: it accepts the request and never sends a token. Answers and item
selection keep working, and the explanation falls back to the authored text by the deadline.
(The server down is tests/webapp/test_explanations.py's
test_with_the_llm_server_down_the_page_still_works_and_shows_the_authored_text_in_time.)

The server is a test double (tests/faults/servers.py) speaking the OpenAI wire format to the
real openai backend: the fault under test is its silence."""

import time

import pytest
from django.urls import reverse

from tests.faults.servers import SlowLLM
from tests.webapp.test_pages import submit
from webapp.learning.models import Explanation, Response

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

DEADLINE = 3.0


def test_a_silent_llm_server_costs_the_learner_no_more_than_the_deadline(logged_in, enrolled, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the task runs inside the poll: the poll waits for the model
    with SlowLLM(["never sent"], stall=True) as llm:
        settings.LLM_BACKEND, settings.LLM_BASE_URL, settings.LLM_DEADLINE_SECONDS = "openai", llm.url, DEADLINE
        started = time.monotonic()
        reply = submit(logged_in, "counting-apples", "4")
        answered_in = time.monotonic() - started
        page = logged_in.get(reply.url)
        started = time.monotonic()
        data = logged_in.get(reverse("explanation", args=[Explanation.objects.get().pk])).json()
        polled_in = time.monotonic() - started
        assert llm.requests >= 1, "the model was asked"
    assert reply.status_code == 302 and answered_in < DEADLINE and Response.objects.count() == 1
    assert page.status_code == 200  # the feedback page does not wait for the model either
    assert DEADLINE <= polled_in < DEADLINE + 2.0, f"the poll took {polled_in:.1f} s for a {DEADLINE} s deadline"
    assert data["status"] == "done" and data["source"] == "authored" and "You counted one apple twice." in data["html"]
    assert "deadline" in Explanation.objects.get().error
    next_page = logged_in.get(reverse("learn", args=["tiny"]))
    assert next_page.status_code == 200 and next_page.context["item"] is not None  # the next item is chosen
