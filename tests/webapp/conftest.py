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


@pytest.fixture
def faculty(course):
    """Faculty of the tiny course (not staff)."""
    from webapp.authoring.models import CourseFaculty

    user = get_user_model().objects.create_user(username="grace", password="a-long-faculty-passphrase")
    CourseFaculty.objects.create(user=user, course=course)
    return user


def zip_of(files: dict, *, folder: str = "") -> bytes:
    """A zip holding `files` ({name: text or bytes}), under `folder`/ when given."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"{folder}/{name}" if folder else name, content)
    return buffer.getvalue()


def folder_files(path) -> dict[str, str]:
    """A course folder on disk as {relative path: text}."""
    return {str(p.relative_to(path)): p.read_text() for p in sorted(path.rglob("*")) if p.is_file()}
