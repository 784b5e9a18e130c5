"""A learner answers a short-text and an ordering item in the browser, without JavaScript help."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from content import load_course
from tests.conftest import FIXTURES
from webapp.learning import placement, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEMS = {item.id: item for kc in load_course(FIXTURES / "kinds").kcs for item in kc.items}


@pytest.fixture
def learner_in_kinds(transactional_db):
    course = services.import_course(path=FIXTURES / "kinds").course
    learner = get_user_model().objects.create_user(username="ada", password="a-long-learner-passphrase")
    placement.skip(enrollment=services.enroll(learner=learner, course=course))
    return learner


def test_a_short_answer_is_typed_and_an_order_is_given_with_one_menu_per_step(
    page: Page, live_server, learner_in_kinds
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("a-long-learner-passphrase")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/courses/kinds/learn/")
    seen = set()
    for _ in range(6):
        form = page.get_by_test_id("item")
        if not form.count():
            break
        item = ITEMS[form.get_attribute("data-item")]
        seen.add(item.kind)
        if item.kind == "ordering":
            for position, step in enumerate(item.steps, start=1):
                form.get_by_label(step, exact=True).select_option(str(position))
        else:
            form.get_by_label("Your answer").fill(f"  {item.answer_text.upper()} ")
        page.get_by_role("button", name="Check answer").click()
        expect(page.get_by_test_id("verdict")).to_contain_text("Correct!")
        page.get_by_role("link", name="Next question").click()
        if {"short_text", "ordering"} <= seen:
            break
    assert {"short_text", "ordering"} <= seen
