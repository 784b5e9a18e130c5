"""Operations endpoints: liveness, readiness (503 when a dependency is down), Prometheus
counters kept in shared state, request ids and JSON logs."""

import io
import json
import logging
import socket
import sys
import uuid

import pytest
from django.contrib.auth import get_user_model

from tests.webapp.conftest import answer
from webapp.learning import explanations
from webapp.ops import counters
from webapp.ops.logs import JSONFormatter, RequestIdFilter


def dead_port() -> int:
    """A loopback port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(settings):
    """The test Redis (the test command starts it and sets REDIS_URL)."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: start the test services (make services)")
    return settings.REDIS_URL


def scrape(client, settings) -> dict[str, float]:
    """/metrics as {series: value}, read with the bearer token."""
    settings.METRICS_TOKEN = "scrape-token"
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain; version=0.0.4")
    lines = [line for line in response.content.decode().splitlines() if line and not line.startswith("#")]
    return {series: float(value) for series, value in (line.rsplit(" ", 1) for line in lines)}


def test_liveness_answers_without_touching_the_database(client):
    # No `db` fixture: any query here would raise.
    response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readiness_checks_postgres_redis_and_the_cache_and_shows_no_secrets(client, settings, redis_url):
    response = client.get("/health/ready")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert {name for name, check in body["checks"].items() if check["ok"]} == {"database", "redis", "cache", "llm"}
    text = response.content.decode()
    assert redis_url not in text and "postgres" not in text and settings.SECRET_KEY not in text


@pytest.mark.django_db
def test_readiness_fails_with_503_when_redis_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{dead_port()}/0"
    response = client.get("/health/ready")
    checks = response.json()["checks"]
    assert response.status_code == 503 and response.json()["status"] == "fail"
    assert checks["redis"] == {"ok": False, "error": "ConnectionError", "ms": checks["redis"]["ms"]}
    assert checks["database"]["ok"] and checks["cache"]["ok"]
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_the_llm_server_down_is_reported_but_the_app_stays_ready(client, settings):
    settings.LLM_BACKEND, settings.LLM_BASE_URL = "openai", f"http://127.0.0.1:{dead_port()}"
    response = client.get("/health/ready")
    llm = response.json()["checks"]["llm"]
    assert response.status_code == 200 and llm["ok"] is False and llm["required"] is False
    assert llm["error"] == "ConnectError"


@pytest.mark.django_db
def test_metrics_are_for_staff_or_the_token_holder(client, settings):
    settings.METRICS_TOKEN = "the-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token").status_code == 401
    users = get_user_model().objects
    client.force_login(users.create_user(username="learner", password="a-long-passphrase"))
    assert client.get("/metrics").status_code == 403
    client.force_login(users.create_user(username="admin", password="a-long-passphrase", is_staff=True))
    assert client.get("/metrics").status_code == 200
    client.logout()
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer the-token").status_code == 200
    settings.METRICS_TOKEN = ""  # no token configured: an empty bearer must not match it
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_an_answer_is_counted(client, settings, enrolled, course):
    before = scrape(client, settings)
    answer(enrolled.learner, course.items.get(slug="counting-apples"), "3")
    after = scrape(client, settings)
    assert after["tutor_answers_recorded_total"] == before["tutor_answers_recorded_total"] + 1


def test_llm_calls_and_failures_are_counted_in_redis(client, settings, redis_url, enrolled, course, monkeypatch):
    item = course.items.get(slug="counting-apples")
    before = scrape(client, settings)
    # A failed call: the real openai backend against a port where no server listens.
    settings.LLM_BACKEND, settings.LLM_BASE_URL, settings.LLM_RETRIES = "openai", f"http://127.0.0.1:{dead_port()}", 0
    failed = explanations.write(explanation_id=explanations.ask_hint(learner=enrolled.learner, item=item).pk)
    assert failed.source == "authored"
    middle = scrape(client, settings)
    assert middle["tutor_llm_calls_total"] == before["tutor_llm_calls_total"] + 1
    assert middle["tutor_llm_failures_total"] == before["tutor_llm_failures_total"] + 1
    assert middle["tutor_explanation_fallbacks_total"] == before["tutor_explanation_fallbacks_total"] + 1

    class Answers:
        name = "scripted"

        def stream(self, messages, **budget):
            yield "Count each apple once, touching it as you go."

    monkeypatch.setattr("webapp.learning.explanations.load_model", lambda config: Answers())
    served = explanations.write(explanation_id=explanations.ask_hint(learner=enrolled.learner, item=item).pk)
    assert served.source == "model"
    after = scrape(client, settings)
    assert after["tutor_llm_calls_total"] == middle["tutor_llm_calls_total"] + 1
    assert after["tutor_llm_failures_total"] == middle["tutor_llm_failures_total"]
    # Shared state: a fresh Redis client (another process) reads the same number.
    key = counters.KEY_PREFIX + counters.LLM_CALLS
    assert int(counters.redis.Redis.from_url(redis_url).get(key)) == after["tutor_llm_calls_total"]


@pytest.mark.django_db
def test_the_celery_queue_depth_is_the_length_of_its_redis_list(client, settings, redis_url):
    settings.CELERY_TASK_DEFAULT_QUEUE = queue = f"ops-test-{uuid.uuid4().hex}"
    redis = counters.client(redis_url)
    redis.rpush(queue, "a", "b", "c")
    try:
        assert scrape(client, settings)[f'tutor_celery_queue_depth{{queue="{queue}"}}'] == 3
    finally:
        redis.delete(queue)


@pytest.mark.django_db
def test_metrics_say_redis_is_down_instead_of_failing(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{dead_port()}/0"
    series = scrape(client, settings)
    assert series["tutor_redis_up"] == 0 and "tutor_answers_recorded_total" in series
    assert "tutor_llm_calls_total" not in series


@pytest.mark.django_db
def test_each_request_has_an_id_in_its_response_and_its_json_log_lines(client, settings):
    settings.LOG_REQUESTS = True
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JSONFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger("webapp.requests"), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        given = client.get("/health/live", HTTP_X_REQUEST_ID="lb-7f3a.42")
        made = client.get("/health/live", HTTP_X_REQUEST_ID="not sane\nforged: yes")
        refused = client.get("/metrics")  # 401: Django logs it after the middleware returned
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    first, second, *third = (json.loads(line) for line in lines.getvalue().splitlines())
    assert given["X-Request-ID"] == first["request_id"] == "lb-7f3a.42"
    assert made["X-Request-ID"] == second["request_id"] and len(second["request_id"]) == 32
    assert first | {"time": "", "ms": 0} == {
        "time": "",
        "level": "INFO",
        "logger": "webapp.requests",
        "message": "GET /health/live 200",
        "request_id": "lb-7f3a.42",
        "method": "GET",
        "path": "/health/live",
        "status": 200,
        "ms": 0,
    }
    assert {line["logger"] for line in third} == {"webapp.requests", "django.request"}
    assert {line["request_id"] for line in third} == {refused["X-Request-ID"]}


def test_a_json_log_line_carries_the_traceback():
    try:
        raise ValueError("bad item")
    except ValueError:
        record = logging.getLogger("webapp.test").makeRecord(
            "webapp.test", logging.ERROR, __file__, 1, "failed on %s", ("x",), exc_info=sys.exc_info()
        )
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] == "failed on x" and line["request_id"] == "-"
    assert "ValueError: bad item" in line["exception"]


def test_the_beat_task_refreshes_the_rollups_of_every_course(enrolled, course, settings):
    """What Celery beat sends every ROLLUP_REFRESH_SECONDS (tasks run eagerly here)."""
    from django.db.models import F

    from webapp.analytics import rollups
    from webapp.analytics.models import DailyKCRollup, LearningEvent
    from workers.tasks import refresh_all_rollups

    assert settings.CELERY_BEAT_SCHEDULE["refresh-rollups"]["task"] == refresh_all_rollups.name
    answer(enrolled.learner, course.items.get(slug="counting-apples"), "3")
    # Events younger than the rollups' LAG are left for the next refresh: age this one past it.
    LearningEvent.objects.update(timestamp=F("timestamp") - 2 * rollups.LAG)
    assert not DailyKCRollup.objects.filter(course=course).exists()
    assert refresh_all_rollups.delay().get() == 1
    assert DailyKCRollup.objects.get(course=course).answers == 1
