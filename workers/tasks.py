"""Tasks. Each is safe to run twice: delivery is at least once."""

from workers.celery import app


@app.task(name="tutor.write_explanation")
def write_explanation(explanation_id: int) -> str:
    """Generate the text of a pending explanation (see webapp/learning/explanations.py)."""
    from webapp.learning import explanations

    return explanations.write(explanation_id=explanation_id).status
