"""A NUL character (which PostgreSQL cannot store in text) in any text a user sends: a 4xx
saying so, and nothing stored. The answer endpoint's property test found the first of these."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import FIXTURES
from tests.webapp.conftest import folder_files, zip_of
from webapp.authoring.models import Draft
from webapp.learning import placement, services
from webapp.learning.models import Explanation, Mastery, Response


@pytest.fixture
def kinds(db, learner):
    course = services.import_course(path=FIXTURES / "kinds").course
    placement.skip(enrollment=services.enroll(learner=learner, course=course))
    return course


def test_a_short_answer_with_a_nul_is_refused_and_nothing_is_stored(logged_in, kinds):
    data = {"item": "operations-name", "idempotency_key": str(uuid.uuid4()), "answer": "o\x00"}
    reply = logged_in.post(reverse("answer", args=["kinds"]), data)
    assert reply.status_code == 400 and "holds a NUL character" in reply.content.decode()
    assert not Response.objects.exists() and not Mastery.objects.exists()


def test_a_question_with_a_nul_is_refused_and_nothing_is_asked(logged_in, enrolled):
    data = {"item": "counting-apples", "question": "why\x00"}
    reply = logged_in.post(reverse("ask", args=["tiny"]), data)
    assert reply.status_code == 400 and "holds a NUL character" in reply.content.decode()
    assert not Explanation.objects.exists()


@pytest.fixture
def as_faculty(faculty):
    client = Client()
    client.force_login(faculty)
    client.get(reverse("authoring:draft", args=["tiny"]))  # the draft starts from the published course
    return client


def test_a_course_file_saved_with_a_nul_is_refused_with_its_line(as_faculty):
    before = Draft.objects.get().files
    url = reverse("authoring:edit_file", args=["tiny", "kcs/adding.md"])
    reply = as_faculty.post(url, {"action": "save", "text": "line one\nline two \x00"})
    assert reply.status_code == 400 and "kcs/adding.md:2: a NUL character" in reply.content.decode()
    assert Draft.objects.get().files == before


def test_a_zip_with_a_nul_in_a_file_is_refused_naming_it(as_faculty):
    before = Draft.objects.get().files
    files = folder_files(FIXTURES / "tiny")
    data = zip_of({**files, "kcs/adding.md": files["kcs/adding.md"] + "\x00"})
    zipped = SimpleUploadedFile("course.zip", data, content_type="application/zip")
    reply = as_faculty.post(reverse("authoring:upload", args=["tiny"]), {"course_zip": zipped})
    page = reply.content.decode().replace("&#x27;", "'")
    assert reply.status_code == 400 and "'kcs/adding.md' holds a NUL character at line" in page
    assert Draft.objects.get().files == before
