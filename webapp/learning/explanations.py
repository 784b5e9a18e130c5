"""Explanations, hints and answers to learners' questions: asked for, written by a task, shown.

The life of one (an `Explanation` row):
1. It is created: after a wrong answer (explain mode), by the Hint button (hint mode), or
   by a question typed on the item or feedback page (ask mode).
2. The page polls for it; the first poll sends the task (`dispatch`), once. In embedded
   mode the task runs eagerly inside that poll; in production a Celery worker runs it.
3. The task (`write`) asks the model through tutor.explain.respond and saves the text as
   it grows (status WRITING), so the page shows it streaming; guarded modes (a hint, a
   question on an open item) are saved only whole, after the answer guard.
4. A reply already written for the identical prompt (same model, same messages) comes
   from the cache instead: a wrong answer many learners give is explained once.
5. If nothing is done by the deadline (the model or the worker down or slow), the next
   poll writes the authored text, marked as such (`expire`); the failure is logged and
   stays counted in the row's `error` (see `failures`).
"""

import hashlib
import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tutor import explain as explaining
from tutor.llm import LLMConfig, load_model
from tutor.prompts import ASK, EXPLAIN, HINT
from webapp.analytics import events
from webapp.learning import selectors
from webapp.learning.models import Explanation, Item, Response
from webapp.ops import counters

logger = logging.getLogger(__name__)

MODES = {Explanation.Kind.WRONG_ANSWER: EXPLAIN, Explanation.Kind.ASKED: HINT, Explanation.Kind.QUESTION: ASK}
SAVE_EVERY = 0.25  # seconds between saves of a growing reply: each is one UPDATE
GRACE_SECONDS = 2.0  # past the model's deadline, before a poll gives up on the task
CACHE_SECONDS = 7 * 24 * 3600


def ask_hint(*, learner, item: Item, text: str = "") -> Explanation:
    """The learner pressed Hint on an item they have not answered yet."""
    with transaction.atomic():
        explanation = Explanation.objects.create(learner=learner, item=item, kind=Explanation.Kind.ASKED, question=text)
        events.explanation_created(explanation)
    return explanation


def ask_question(*, learner, item: Item, question: str, response: Response | None = None) -> Explanation:
    """A question of the learner's about the item's KC; `response` when they have answered the item."""
    with transaction.atomic():
        explanation = Explanation.objects.create(
            learner=learner, item=item, response=response, kind=Explanation.Kind.QUESTION, question=question
        )
        events.explanation_created(explanation)
    return explanation


def dispatch(*, explanation: Explanation) -> Explanation:
    """Send the task that writes `explanation`, once, when it is first wanted; give up on it
    (the authored text) once it is past the deadline. In embedded mode the task runs eagerly."""
    from workers.tasks import write_explanation  # the task module imports this one

    if explanation.status == Explanation.Status.PENDING and explanation.dispatched_at is None:
        claimed = Explanation.objects.filter(pk=explanation.pk, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now()
        )
        if claimed:
            try:
                write_explanation.delay(explanation.pk)
            except Exception:
                # The broker is unreachable: release the claim so the next poll tries again.
                logger.exception("could not queue explanation %s", explanation.pk)
                Explanation.objects.filter(pk=explanation.pk).update(dispatched_at=None)
        explanation.refresh_from_db()
    return expire(explanation=explanation)


def expire(*, explanation: Explanation) -> Explanation:
    """If `explanation` is still not done past the model's deadline, write the authored text."""
    if explanation.status == Explanation.Status.DONE:
        return explanation
    waited = (timezone.now() - explanation.created_at).total_seconds()
    if waited < settings.LLM_DEADLINE_SECONDS + GRACE_SECONDS:
        return explanation
    fallback = explaining.authored(_request(explanation), error=f"no reply within {waited:.0f} s")
    _finish(explanation.pk, fallback)
    logger.error("explanation %s: no reply within %.0f s; served the authored text", explanation.pk, waited)
    explanation.refresh_from_db()
    return explanation


def write(*, explanation_id: int) -> Explanation:
    """Generate the text of an explanation; running it twice (a redelivered task) writes it once."""
    explanation = Explanation.objects.select_related("item__kc", "item__course", "response").get(pk=explanation_id)
    if explanation.status == Explanation.Status.DONE:
        return explanation
    config = llm_config().for_course(explanation.item.course.slug)
    request = _request(explanation)
    key = _cache_key(config, request)
    cached = cache.get(key)
    if cached is not None:
        _finish(
            explanation_id,
            explaining.Explanation(text=cached["text"], source=explaining.MODEL, model_name=cached["model"]),
        )
        explanation.refresh_from_db()
        return explanation
    last_save = [0.0]

    def save_partial(text: str) -> None:
        if time.monotonic() - last_save[0] >= SAVE_EVERY:
            last_save[0] = time.monotonic()
            Explanation.objects.filter(pk=explanation_id).exclude(status=Explanation.Status.DONE).update(
                status=Explanation.Status.WRITING, text=text
            )

    result = explaining.respond(
        request,
        load_model=lambda: load_model(config),
        max_new_tokens=config.max_new_tokens,
        deadline_seconds=config.deadline_seconds,
        on_text=save_partial,
    )
    counters.llm_call(failed=result.source != explaining.MODEL)
    if result.source == explaining.MODEL:
        cache.set(key, {"text": result.text, "model": result.model_name}, CACHE_SECONDS)
    _finish(explanation_id, result)
    explanation.refresh_from_db()
    return explanation


def failures(*, since=None) -> int:
    """How many explanations the model failed to write (served the authored text instead)."""
    rows = Explanation.objects.filter(source=explaining.AUTHORED).exclude(error="")
    return rows.filter(created_at__gte=since).count() if since else rows.count()


def llm_config() -> LLMConfig:
    return LLMConfig(
        backend=settings.LLM_BACKEND,
        model_dir=settings.LLM_MODEL_DIR,
        max_new_tokens=settings.LLM_MAX_NEW_TOKENS,
        deadline_seconds=settings.LLM_DEADLINE_SECONDS,
        base_url=settings.LLM_BASE_URL,
        model=settings.LLM_MODEL,
        course_models=settings.LLM_COURSE_MODELS,
        api_key=settings.LLM_API_KEY,
        connect_timeout=settings.LLM_CONNECT_TIMEOUT,
        retries=settings.LLM_RETRIES,
    )


def _request(explanation: Explanation) -> explaining.Request:
    item = explanation.item
    response = explanation.response
    return explaining.Request(
        mode=MODES[explanation.kind],
        course_title=item.course.title,
        kc=selectors.kc_content(item.kc, (), ()),
        item=item.content,
        learner_answer=response.answer if response else "",
        learner_text=explanation.question,
        answered=response is not None,
    )


def _cache_key(config: LLMConfig, request: explaining.Request) -> str:
    """The same model, prompt and budget give the same (greedy) reply."""
    what = json.dumps([config.backend, config.model, config.max_new_tokens, request.messages()], sort_keys=True)
    return "llm-reply:" + hashlib.sha256(what.encode()).hexdigest()


def _finish(explanation_id: int, result: explaining.Explanation) -> None:
    """Save the final text, unless another run finished first (first finished wins)."""
    Explanation.objects.filter(pk=explanation_id).exclude(status=Explanation.Status.DONE).update(
        status=Explanation.Status.DONE,
        text=result.text,
        source=result.source,
        model_name=result.model_name,
        error=result.error,
        finished_at=timezone.now(),
    )
