"""The per-user limit on the LLM requests (Hint, a question): 429 past it, for that user only."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from tests.webapp.test_pages import submit
from webapp.learning import placement, services
from webapp.learning.models import Explanation, Response
from webapp.learning.ratelimit import Rate, parse_rate, seconds_to_wait


@pytest.fixture(autouse=True)
def three_a_minute(settings):
    settings.LLM_RATE_LIMIT = "3/m"


def hint(client):
    return client.post(reverse("explain", args=["tiny"]), {"item": "counting-apples"})


def question(client):
    return client.post(reverse("ask", args=["tiny"]), {"item": "counting-apples", "question": "Why count?"})


def test_past_the_limit_the_learner_gets_429_with_when_to_try_again_and_nothing_is_asked(logged_in, enrolled):
    assert [hint(logged_in).status_code, question(logged_in).status_code, hint(logged_in).status_code] == [302] * 3
    refused = question(logged_in)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60
    page = refused.content.decode()
    assert "Too many requests" in page and "more than 3 per minute" in page and f"Try again in {wait} second" in page
    assert hint(logged_in).status_code == 429
    assert Explanation.objects.count() == 3


def test_another_learner_is_not_limited_by_the_first(logged_in, enrolled, course):
    for _ in range(4):
        hint(logged_in)
    other = get_user_model().objects.create_user(username="bob")
    placement.skip(enrollment=services.enroll(learner=other, course=course))
    client = Client()
    client.force_login(other)
    assert hint(client).status_code == 302
    assert hint(logged_in).status_code == 429


def test_polling_an_explanation_and_answering_are_not_limited(logged_in, enrolled):
    for _ in range(3):
        hint(logged_in)
    assert hint(logged_in).status_code == 429
    Explanation.objects.update(status=Explanation.Status.DONE, text="Count each apple once.", source="authored")
    for explanation in Explanation.objects.all():
        assert logged_in.get(reverse("explanation", args=[explanation.pk])).status_code == 200
    assert submit(logged_in, "counting-apples", "3").status_code == 302
    assert Response.objects.count() == 1


def test_the_window_ends_and_the_count_starts_again():
    rate = Rate(2, "m")
    start = 120.0  # the start of a window
    assert [seconds_to_wait("test", 1, rate, now=start + t) for t in (0, 10, 50)] == [0, 0, 10]
    assert seconds_to_wait("test", 1, rate, now=start + 60) == 0


def test_an_empty_setting_turns_the_limit_off(logged_in, enrolled, settings):
    settings.LLM_RATE_LIMIT = ""
    assert all(hint(logged_in).status_code == 302 for _ in range(5))


@pytest.mark.parametrize("text", ["20", "20/min", "-1/m", "m/20", "20/d"])
def test_a_malformed_setting_is_refused_naming_the_setting(text):
    with pytest.raises(ImproperlyConfigured, match="LLM_RATE_LIMIT"):
        parse_rate(text)


def test_rates_are_read_in_seconds_minutes_and_hours():
    assert parse_rate("20/m") == Rate(20, "m") and parse_rate(" 5 / h ").seconds == 3600
    assert str(parse_rate("1/s")) == "1 per second"
