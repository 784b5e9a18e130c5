import uuid

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import FIXTURES
from webapp.learning import placement, services


@pytest.fixture
def course(db):
    return services.import_course(path=FIXTURES / "tiny").course


@pytest.fixture
def learner(db):
    return get_user_model().objects.create_user(username="ada", password="correct-horse-battery")


@pytest.fixture
def enrolled(course, learner):
    """Enrolled, with placement skipped: teaching starts at the beginning of the ramp."""
    enrollment = services.enroll(learner=learner, course=course)
    placement.skip(enrollment=enrollment)
    return enrollment


@pytest.fixture
def logged_in(client, learner):
    client.force_login(learner)
    return client


def answer(learner, item, given, key=None):
    return services.record_answer(learner=learner, item=item, answer=given, idempotency_key=key or uuid.uuid4())
