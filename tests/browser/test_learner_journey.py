"""A learner signs up, enrolls in LLM101N, answers wrong and right, and is taught."""

import re

import pytest
from playwright.sync_api import Page, expect

from content import load_course
from tests.conftest import LLM101N
from webapp.learning import services

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.django_db(transaction=True)]

COURSE = load_course(LLM101N)
ITEMS = {item.id: item for kc in COURSE.kcs for item in kc.items}


@pytest.fixture
def llm101n(transactional_db):
    return services.import_course(path=LLM101N).course


def mastery_of(page: Page, kc_id: str) -> int:
    return int(page.get_by_test_id(f"mastery-{kc_id}").inner_text().rstrip("%"))


def answer_current_item(page: Page, *, right: bool) -> tuple[str, str]:
    """Answer the item on the page, rightly or wrongly; return its id and its KC's id."""
    form = page.get_by_test_id("item")
    item = ITEMS[form.get_attribute("data-item")]
    kc_id = next(kc.id for kc in COURSE.kcs if item in kc.items)
    if item.kind == "multiple_choice":
        choice = item.answer if right else next(c for c in item.choices if c != item.answer)
        form.get_by_role("radio", name=choice, exact=True).check()
    else:
        form.get_by_label("Your answer").fill(item.answer_text if right else str(item.answer + 1000))
    page.get_by_role("button", name="Check answer").click()
    return item.id, kc_id


def test_a_new_learner_learns_in_the_browser(page: Page, live_server, llm101n):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("lin")
    page.locator("#id_password1").fill("a-long-learner-passphrase")
    page.locator("#id_password2").fill("a-long-learner-passphrase")
    page.get_by_role("button", name="Sign up").click()

    page.get_by_role("button", name=re.compile("Enroll in LLM101N")).click()
    expect(page.get_by_test_id("item")).to_be_visible()
    expect(page.get_by_text("Why this question?")).to_be_visible()

    first_kc = COURSE.kcs[0].id
    before = mastery_of(page, first_kc)
    _, kc_id = answer_current_item(page, right=False)
    expect(page.get_by_test_id("verdict")).to_contain_text("Not quite")
    # BKT counts even a wrong answer as practice (the learning step), so from the prior
    # mastery may move either way; it must move, and less than a right answer moves it.
    assert mastery_of(page, kc_id) != before

    # The explanation is written by the real local model, from the course notes.
    explanation = page.locator("section.explanation")
    expect(explanation).to_have_attribute("data-source", "model", timeout=120_000)
    expect(explanation.locator(".explanation-source")).to_contain_text("SmolLM2-135M-Instruct")
    assert len(explanation.locator(".explanation-body").inner_text().split()) >= 5

    after_wrong = mastery_of(page, kc_id)
    page.get_by_role("link", name="Next question").click()
    answered, kc_id = answer_current_item(page, right=True)
    expect(page.get_by_test_id("verdict")).to_contain_text("Correct!")
    assert kc_id == first_kc
    assert mastery_of(page, kc_id) > after_wrong

    page.get_by_role("link", name="Next question").click()
    expect(page.get_by_test_id("item")).not_to_have_attribute("data-item", answered)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile("/accounts/login/"))
