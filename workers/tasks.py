"""Tasks. Each is safe to run twice: delivery is at least once."""

from workers.celery import app


@app.task(name="tutor.write_explanation")
def write_explanation(explanation_id: int) -> str:
    """Generate the text of a pending explanation (see learning.services.write_explanation)."""
    from webapp.learning import services

    return services.write_explanation(explanation_id=explanation_id).status
