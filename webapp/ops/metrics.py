"""The counters in Prometheus's text format (see counters.py for where each comes from)."""

import logging

import redis
from django.conf import settings

from webapp.learning import explanations
from webapp.learning.models import Response
from webapp.ops import counters

logger = logging.getLogger(__name__)


def render() -> str:
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, value: float, labels: str = "") -> None:
        lines.extend([f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name}{labels} {value}"])

    answers = Response.objects.count()
    metric("tutor_answers_recorded_total", "counter", "Answers recorded (rows of the response log).", answers)
    metric(
        "tutor_explanation_fallbacks_total",
        "counter",
        "Explanations served as authored text because the model failed or missed the deadline.",
        explanations.failures(),
    )
    try:
        llm = counters.llm_counts()
        depth = counters.queue_depth()
    except redis.RedisError as error:
        logger.warning("metrics: Redis unreachable: %s", type(error).__name__)
        metric("tutor_redis_up", "gauge", "Whether Redis answered this scrape.", 0)
    else:
        if settings.REDIS_URL:
            metric("tutor_redis_up", "gauge", "Whether Redis answered this scrape.", 1)
        metric("tutor_llm_calls_total", "counter", "Calls of the LLM by the explanation task.", llm[counters.LLM_CALLS])
        metric(
            "tutor_llm_failures_total",
            "counter",
            "LLM calls whose reply could not be served (error, timeout, empty, or it gave the answer away).",
            llm[counters.LLM_FAILURES],
        )
        if depth is not None:
            queue = f'{{queue="{settings.CELERY_TASK_DEFAULT_QUEUE}"}}'
            metric("tutor_celery_queue_depth", "gauge", "Tasks waiting in the Celery queue.", depth, queue)
    return "\n".join(lines) + "\n"
