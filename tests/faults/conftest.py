import uuid

import kombu.pools
import pytest
from django.db import connection

from tests.faults.servers import Redis
from tests.webapp.conftest import course, enrolled, learner, logged_in  # noqa: F401  (shared fixtures)
from workers.celery import app as celery_app


@pytest.fixture
def database_url():
    """The test database, for processes the test starts (they need PostgreSQL to share it)."""
    if connection.vendor != "postgresql":
        pytest.fail("the fault tests need PostgreSQL: run them through the README's test command")
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def redis():
    """A Redis of the test's own (started), which the test may kill and start again."""
    server = Redis()
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


@pytest.fixture
def broker(redis):
    """This process sends tasks to `redis` (not eagerly), on a queue of the test's own."""
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    before = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=redis.url, task_always_eager=False, task_default_queue=queue)
    _forget_connections()
    try:
        yield queue
    finally:
        celery_app.conf.update(before)
        _forget_connections()


def _forget_connections():
    """Celery keeps its connection and producer pools, and kombu a registry of them per broker
    URL: all closed and forgotten, so that the next task is sent over a new connection to the
    broker_url now set (a pool closed but still registered would refuse every later test)."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
