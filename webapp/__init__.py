"""The Django web app: pages for learners, admin for staff, persistence of answers and mastery."""

# Load the Celery app with Django so that tasks sent from views use its configuration.
from workers.celery import app as celery_app

__all__ = ["celery_app"]
