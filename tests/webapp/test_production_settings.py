"""Production settings, read in a fresh process from the environment a deployment sets
(docs/PRODUCTION.md): `check --deploy` is clean, logs are JSON lines; the embedded default
(no variables) stays as it was."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict[str, str]:
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith("postgres") or not redis:
        pytest.skip("needs the test PostgreSQL and Redis (DATABASE_URL, REDIS_URL): make services")
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return keep | {
        "DJANGO_SETTINGS_MODULE": "webapp.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "tutor.example.org",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://tutor.example.org",
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "CACHE_URL": redis.rsplit("/", 1)[0] + "/1",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        **extra,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.services
def test_check_deploy_is_clean_with_production_settings():
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING", "--database", "default"], production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


@pytest.mark.services
def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    done = run(["manage.py", "check"], env)
    assert done.returncode != 0 and "DJANGO_SECRET_KEY" in done.stderr


@pytest.mark.services
def test_with_log_format_json_every_line_is_a_json_object():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('webapp.learning').warning('learner %s stuck', 7, extra={'course': 'tiny'}); "
        "logging.getLogger('django.request').error('a server error')"
    )
    done = run(["-c", code], production_env(LOG_FORMAT="json"))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["level"], line["message"]) for line in lines] == [
        ("webapp.learning", "WARNING", "learner 7 stuck"),
        ("django.request", "ERROR", "a server error"),
    ]
    assert lines[0]["course"] == "tiny" and lines[0]["request_id"] == "-"


def test_the_embedded_default_is_unchanged(settings):
    """This process runs with no production variables: plain HTTP cookies, no static pipeline."""
    assert not settings.SESSION_COOKIE_SECURE and not settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS == 0 and not settings.SECURE_SSL_REDIRECT
    assert "whitenoise.middleware.WhiteNoiseMiddleware" not in settings.MIDDLEWARE
    assert settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert settings.LOG_FORMAT == "plain" and settings.LOGGING["handlers"]["console"]["formatter"] == "plain"
