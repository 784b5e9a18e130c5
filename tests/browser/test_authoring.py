"""The acceptance scenario of faculty authoring, in the browser: a faculty member uploads a zip of the
course folder, sees a validation error with its file and line, fixes it in the form, publishes,
and a learner who had finished the course is served an item of the new KC."""

import math
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.conftest import FIXTURES
from tests.webapp.conftest import folder_files, zip_of
from webapp.authoring.models import CourseFaculty
from webapp.learning import placement, services
from webapp.learning.models import Mastery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DIVIDING = """+++
id = "dividing"
title = "Dividing"
prerequisites = ["multiplying"]
+++

## Explanation

Dividing shares a count out into equal groups: 6 / 2 = 3 gives each of 2 groups 3.

## Items

```toml
[[items]]
id = "dividing-sharing"
type = "numeric"
prompt = "6 apples shared by 2 people: how many each?"
answer = 3
hints = ["Hand them out one at a time."]

[[items]]
id = "dividing-by-one"
type = "multiple_choice"
prompt = "7 / 1 = ?"
choices = ["1", "7"]
answer = "8"
hints = ["One group gets everything."]

[[items]]
id = "dividing-half"
type = "numeric"
prompt = "10 / 4 = ?"
answer = 2.5
tolerance = 0.001
hints = ["It is not a whole number."]
```
"""
PLANTED = 'answer = "8"'  # not among the choices: the defect the faculty member fixes
ANSWERS = {"dividing-sharing": "3", "dividing-by-one": "7", "dividing-half": "2.5"}


@pytest.fixture
def tiny_course_zip() -> bytes:
    files = folder_files(FIXTURES / "tiny")
    files["course.toml"] = files["course.toml"].replace('"multiplying"]', '"multiplying", "dividing"]')
    files["kcs/dividing.md"] = DIVIDING
    return zip_of(files, folder="tiny")


@pytest.fixture
def people(transactional_db):
    """Faculty of the tiny course, and a learner who has mastered all of it."""
    course = services.import_course(path=FIXTURES / "tiny").course
    users = get_user_model().objects
    faculty = users.create_user(username="grace", password="a-long-faculty-passphrase")
    CourseFaculty.objects.create(user=faculty, course=course)
    learner = users.create_user(username="ada", password="a-long-learner-passphrase")
    placement.skip(enrollment=services.enroll(learner=learner, course=course))
    for kc in course.kcs.all():
        Mastery.objects.create(learner=learner, kc=kc, belief=math.log(99), once_mastered=True)
    return faculty, learner


def log_in(page: Page, url: str, username: str, password: str):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_faculty_upload_a_zip_fix_its_error_in_the_form_and_publish_then_a_learner_sees_the_new_item(
    page: Page, live_server, people, tiny_course_zip
):
    line = DIVIDING.splitlines().index('id = "dividing-by-one"') + 1  # the validator points at the item's id
    log_in(page, live_server.url, "grace", "a-long-faculty-passphrase")
    page.get_by_role("link", name="Authoring").click()
    page.get_by_role("link", name="Tiny arithmetic").click()

    page.get_by_label("Course folder as a zip").set_input_files(
        {"name": "tiny.zip", "mimeType": "application/zip", "buffer": tiny_course_zip}
    )
    page.get_by_role("button", name="Upload into the draft").click()
    expect(page.get_by_text("Uploaded 5 files into the draft: 1 problem to fix before publishing.")).to_be_visible()
    problem = page.get_by_test_id("problems").get_by_role("link")
    expect(problem).to_have_text(
        f"kcs/dividing.md:{line}: item 'dividing-by-one': its answer '8' is not among its choices ['1', '7']"
    )

    problem.click()
    expect(page.get_by_role("heading", name="Edit kcs/dividing.md")).to_be_visible()
    editor = page.get_by_label("Text of kcs/dividing.md")
    expect(editor).to_be_focused()  # at the line the problem names
    assert page.evaluate("() => document.activeElement.value.slice(0, document.activeElement.selectionStart)").count(
        "\n"
    ) == (line - 1)
    editor.fill(editor.input_value().replace(PLANTED, 'answer = "7"'))
    expect(page.get_by_test_id("file-ok")).to_have_text("No problems in kcs/dividing.md.")  # the live check
    page.get_by_role("button", name="Save to the draft").click()
    expect(page.get_by_text("Saved kcs/dividing.md.")).to_be_visible()

    page.get_by_role("link", name="Publish", exact=True).click()
    changes = page.get_by_test_id("changes")
    expect(changes).to_contain_text("KCs added (1): dividing")
    expect(changes).to_contain_text("Items added (3): dividing-sharing, dividing-by-one, dividing-half")
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_text("Published version 1. Learners now work on it.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server.url, "ada", "a-long-learner-passphrase")
    expect(page.get_by_role("link", name="Authoring")).to_have_count(0)
    page.get_by_role("link", name="Continue learning").click()
    form = page.get_by_test_id("item")
    expect(form).to_have_attribute("data-item", re.compile("^dividing-"))
    expect(page.locator(".breadcrumb")).to_contain_text("Dividing")
    item = form.get_attribute("data-item")
    if item == "dividing-by-one":
        form.get_by_role("radio", name="7", exact=True).check()
    else:
        form.get_by_label("Your answer").fill(ANSWERS[item])
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_test_id("verdict")).to_contain_text("Correct!")
