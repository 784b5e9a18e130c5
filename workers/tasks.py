"""Tasks. Each is safe to run twice: delivery is at least once."""

import logging

from workers.celery import app

logger = logging.getLogger(__name__)


@app.task(name="tutor.write_explanation")
def write_explanation(explanation_id: int) -> str:
    """Generate the text of a pending explanation (see webapp/learning/explanations.py)."""
    from webapp.learning import explanations

    return explanations.write(explanation_id=explanation_id).status


@app.task(name="tutor.refresh_rollups")
def refresh_rollups(course_id: int) -> int:
    """Add a course's new learning events to its daily rollups (safe to repeat: a watermark keeps its place)."""
    from webapp.analytics import rollups
    from webapp.learning.models import Course

    return rollups.refresh(Course.objects.get(pk=course_id))


@app.task(name="tutor.refresh_all_rollups")
def refresh_all_rollups() -> int:
    """Queue `tutor.refresh_rollups` for every course (beat sends this: CELERY_BEAT_SCHEDULE); returns how many."""
    from webapp.learning.models import Course

    course_ids = list(Course.objects.values_list("pk", flat=True))
    for course_id in course_ids:
        refresh_rollups.delay(course_id)
    return len(course_ids)


@app.task(name="tutor.nightly_refit")
def nightly_refit() -> dict[str, int | None]:
    """Record a refit proposal for each course with enough responses (beat runs this at 03:00 UTC).

    Returns {course slug: the new proposal's id, or None when the log and the KCs had not changed
    since the last one (so running it twice proposes once), or when its fit failed}. One course's
    failure is logged and does not stop the others.
    """
    from webapp.learning import refit

    proposals = {}
    for course in refit.courses_to_refit():
        try:
            proposal = refit.propose_if_new(course=course)
        except Exception:  # one course's bad log or failed fit must not cost the others their proposals
            logger.exception("the nightly refit of %s failed", course.slug)
            proposal = None
        proposals[course.slug] = proposal.pk if proposal else None
    return proposals
