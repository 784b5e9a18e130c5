"""Celery tasks: thin, idempotent wrappers that take ids and call a service of the web app."""
