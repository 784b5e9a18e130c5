"""Tasks. Each is safe to run twice: delivery is at least once."""

from workers.celery import app


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
    """Queue a rollup refresh for every course; Celery beat sends this (CELERY_BEAT_SCHEDULE)."""
    from webapp.learning.models import Course

    course_ids = list(Course.objects.values_list("pk", flat=True))
    for course_id in course_ids:
        refresh_rollups.delay(course_id)
    return len(course_ids)
