"""PostgreSQL restarted during traffic: requests fail cleanly (a 503 asking to try again, never
a traceback), nothing is half written, and the app recovers by itself, without a restart.

Everything here is the test's own: a PostgreSQL cluster in a temporary folder, and the app
under gunicorn (as in production, psycopg's pool on) pointing at it. Learners answer over
HTTP in threads while `pg_ctl restart -m fast` drops every connection."""

import os
import re
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest

from tests.faults.servers import ROOT, PostgreSQL, free_port, listening, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.services]

LEARNERS = 3
PASSWORD = "correct-horse-battery"
SETUP = f"""
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
executor = MigrationExecutor(connection)
assert not executor.migration_plan(executor.loader.graph.leaf_nodes()), "the copied schema is not fully migrated"
from django.contrib.auth import get_user_model
from tests.conftest import FIXTURES
from webapp.learning import placement, services
course = services.import_course(path=FIXTURES / "tiny").course
for n in range({LEARNERS}):
    learner = get_user_model().objects.create_user(username=f"learner{{n}}", password="{PASSWORD}")
    placement.skip(enrollment=services.enroll(learner=learner, course=course))
"""
AUDIT = """
from webapp.learning.models import Mastery, Response
import json
print(json.dumps({
    "keys": [str(key) for key in Response.objects.values_list("idempotency_key", flat=True)],
    "counted": sum(Mastery.objects.values_list("responses", flat=True)),
}))
"""


@pytest.fixture
def postgres(django_db_setup, django_db_blocker):
    """A cluster of the test's own, with the schema of the (migrated) test database copied in:
    a copy takes a second where `migrate` takes tens."""
    from django.db import connection

    cluster = PostgreSQL()
    try:
        cluster.init()
        with django_db_blocker.unblock():
            db = connection.settings_dict
            cluster.copy_schema(host=db["HOST"], port=db["PORT"], user=db["USER"], name=db["NAME"])
        yield cluster
    finally:
        cluster.destroy()


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def app(postgres, tmp_path):
    """The app under gunicorn against `postgres`, migrated, with the tiny course and its learners."""
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "fault-test-" + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no redirect to HTTPS, cookies a plain client sends back.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "CELERY_EAGER": "1",
        "REDIS_URL": "",
        # Production pages name hashed static files: they must have been collected (here, apart).
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(env, "shell", "-c", SETUP)
    port = free_port()
    with open(tmp_path / "gunicorn.log", "w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "webapp.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                "1",
                "--threads",
                str(LEARNERS + 1),
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(lambda: listening(port), timeout=30, what="gunicorn to listen")
            yield f"http://127.0.0.1:{port}", env
        finally:
            server.terminate()
            server.wait(timeout=30)


def logged_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    reply = client.post(
        "/accounts/login/", data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert reply.status_code == 302, reply.text[:300]
    return client


def test_a_postgres_restart_fails_requests_cleanly_loses_nothing_and_recovers(postgres, app):
    base, env = app
    clients = [logged_in(base, f"learner{n}") for n in range(LEARNERS)]
    outcomes = []  # (idempotency key, status, body)
    restarted = threading.Event()
    stop = threading.Event()

    def learn(client):
        token = client.cookies["csrftoken"]
        while not stop.is_set():
            key = str(uuid.uuid4())
            try:
                reply = client.post(
                    "/courses/tiny/answer/",
                    data={
                        "item": "counting-letters",
                        "answer": "4",
                        "idempotency_key": key,
                        "csrfmiddlewaretoken": token,
                    },
                )
                outcomes.append((key, reply.status_code, reply.text, restarted.is_set(), reply.headers))
            except httpx.TransportError as error:  # never expected: the app must answer
                outcomes.append((key, type(error).__name__, str(error), restarted.is_set(), {}))
            time.sleep(0.05)

    threads = [threading.Thread(target=learn, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: sum(o[1] == 302 for o in outcomes) >= 10, timeout=30, what="answers before the restart")
        before = len(outcomes)
        postgres.ctl("restart", "-m", "fast")
        restarted.set()
        restarted_at = time.monotonic()
        wait_until(
            lambda: sum(o[1] == 302 and o[3] for o in outcomes[-10:]) >= 6,
            timeout=40,
            what="answers to succeed again after the restart",
        )
        recovered = time.monotonic() - restarted_at
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    statuses = [o[1] for o in outcomes]
    print(
        f"{before} answers before the restart; recovered {recovered:.1f} s after it;",
        {status: statuses.count(status) for status in set(statuses)},
    )
    assert set(statuses) <= {302, 503}, [o[:3] for o in outcomes if o[1] not in (302, 503)][:3]
    for _, _, body, _, headers in (o for o in outcomes if o[1] == 503):
        assert "try again" in body and "Traceback" not in body and headers["retry-after"]
    import json

    audit = json.loads(manage(env, "shell", "-c", AUDIT).splitlines()[-1])
    stored = audit["keys"]
    assert len(stored) == len(set(stored)), "an answer stored twice"
    succeeded = {o[0] for o in outcomes if o[1] == 302}
    assert succeeded <= set(stored), "an answer confirmed to the learner was lost"
    assert set(stored) <= {o[0] for o in outcomes}
    assert audit["counted"] == len(stored), "mastery counts an answer whose response was not stored, or back"


@pytest.mark.django_db
def test_a_database_error_in_a_view_is_a_503_asking_to_try_again(client, monkeypatch):
    """The middleware alone (webapp/learning/db_errors.py), with the connection error raised on cue."""
    from django.contrib.auth import get_user_model
    from django.db import OperationalError

    client.force_login(get_user_model().objects.create_user(username="ada", password=PASSWORD))

    def unreachable(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr("webapp.learning.selectors.offered_courses", unreachable)
    reply = client.get("/")
    assert reply.status_code == 503 and reply["Retry-After"] == "5"
    assert "try again" in reply.content.decode() and "Connection refused" not in reply.content.decode()
