"""Recording learning events: one call at each place where a learner does something.

Each function writes in the caller's transaction, so an event exists exactly when what
it records does: an answer rolled back leaves no `answered` event, and a replayed answer
(the same idempotency key) returns before anything is written, so it records nothing.
"""

from django.db.models import Q

from webapp.analytics.models import LearningEvent
from webapp.learning.models import Explanation, Response

VERBS = {
    Explanation.Kind.WRONG_ANSWER: LearningEvent.Verb.EXPLAINED,
    Explanation.Kind.ASKED: LearningEvent.Verb.HINTED,
    Explanation.Kind.QUESTION: LearningEvent.Verb.ASKED,
}


def answered(*, response: Response, threshold: float) -> None:
    """An `answered` event for the response, and a `mastered` one when it is the learner's eureka on its KC."""
    common = dict(
        learner_id=response.learner_id,
        course_id=response.item.course_id,
        kc_id=response.kc_id,
        item_id=response.item_id,
        timestamp=response.answered_at,
        response=response,
    )
    result = {
        "correct": response.correct,
        "predicted": response.predicted_correct,
        "p_before": response.p_mastered_before,
        "p_after": response.p_mastered_after,
        "placement": response.placement,
    }
    if response.seconds is not None:
        result["seconds"] = response.seconds  # measured from the item served (analytics.Answer.seconds)
    LearningEvent.objects.create(verb=LearningEvent.Verb.ANSWERED, result=result, **common)
    if _is_eureka(response, threshold):
        LearningEvent.objects.create(verb=LearningEvent.Verb.MASTERED, result=result, **common)


def _is_eureka(response: Response, threshold: float) -> bool:
    """The rule of analytics.eurekas: this answer crosses the threshold (below before, at or above
    after, not in placement), and no earlier answer on the KC settled it (started at or above the
    threshold, or ended there: an earlier eureka, or a placement answer that found it known)."""
    if response.placement or response.p_mastered_before >= threshold or response.p_mastered_after < threshold:
        return False
    earlier = Response.objects.filter(learner_id=response.learner_id, kc_id=response.kc_id).exclude(pk=response.pk)
    return not earlier.filter(Q(p_mastered_before__gte=threshold) | Q(p_mastered_after__gte=threshold)).exists()


def explanation_created(explanation: Explanation) -> None:
    """A hint asked for, a question typed, or an explanation of a wrong answer given."""
    LearningEvent.objects.create(
        learner_id=explanation.learner_id,
        course_id=explanation.item.course_id,
        kc_id=explanation.item.kc_id,
        item_id=explanation.item_id,
        verb=VERBS[explanation.kind],
        timestamp=explanation.created_at,
        response_id=explanation.response_id,
        explanation=explanation,
    )
