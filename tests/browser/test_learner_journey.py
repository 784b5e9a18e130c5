"""A learner signs up, enrolls in LLM101N, is placed by the probe, answers wrong and right, and is taught."""

import math
import re

import pytest
from playwright.sync_api import Page, expect

from content import load_course
from tests.conftest import LLM101N
from tutor.answer_guard import reveals_answer
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
    elif item.kind == "ordering":
        order = list(item.steps) if right else [*item.steps[1:], item.steps[0]]
        for position, step in enumerate(order, start=1):
            form.get_by_label(step, exact=True).select_option(str(position))
    elif item.kind == "short_text":
        form.get_by_label("Your answer").fill(item.answer_text if right else "no idea")
    else:
        form.get_by_label("Your answer").fill(item.answer_text if right else str(item.answer + 1000))
    page.get_by_role("button", name="Check answer").click()
    return item.id, kc_id


def test_a_new_learner_is_placed_then_learns_in_the_browser(page: Page, live_server, llm101n):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("lin")
    page.locator("#id_password1").fill("a-long-learner-passphrase")
    page.locator("#id_password2").fill("a-long-learner-passphrase")
    page.get_by_role("button", name="Sign up").click()

    page.get_by_role("button", name=re.compile("Enroll in LLM101N")).click()
    expect(page.get_by_test_id("placement")).to_be_visible()
    expect(page.get_by_text("Why this question?")).to_contain_text("Placement question 1")

    # A wrong answer: the verdict, the mastery change, and an explanation by the real local model.
    _, kc_id = answer_current_item(page, right=False)
    expect(page.get_by_test_id("verdict")).to_contain_text("Not quite")
    expect(page.get_by_text(re.compile("^Mastery of "))).to_be_visible()
    explanation = page.locator("section.explanation")
    expect(explanation).to_have_attribute("data-source", "model", timeout=120_000)
    expect(explanation.locator(".explanation-source")).to_contain_text("SmolLM2-135M-Instruct")
    assert len(explanation.locator(".explanation-body").inner_text().split()) >= 5

    # The rest of the placement (at most a third of the KCs), answered right, ends on the mastery map.
    for _ in range(math.ceil(len(COURSE.kcs) / 3)):
        page.get_by_role("link", name="Next question").click()
        if page.get_by_test_id("placed").count():
            break
        answer_current_item(page, right=True)
    expect(page.get_by_test_id("placed")).to_be_visible()
    page.get_by_role("link", name="Start learning").click()

    # Teaching: each item says why it was chosen; a right answer raises that KC's mastery.
    expect(page.get_by_text("Why this question?")).to_be_visible()
    expect(page.get_by_test_id("placement")).to_have_count(0)
    item = ITEMS[page.get_by_test_id("item").get_attribute("data-item")]
    kc_id = next(kc.id for kc in COURSE.kcs if item in kc.items)
    before = mastery_of(page, kc_id)

    # A hint before answering, written by the real model (or the authored one if the model's
    # gave too much away): it never contains the answer.
    page.get_by_role("button", name="Hint").click()
    hint = page.locator("section.explanation")
    expect(hint).to_have_attribute("data-source", re.compile("^(model|authored)$"), timeout=120_000)
    assert hint.locator(".explanation-body").inner_text().strip()
    assert not reveals_answer(item, hint.locator(".explanation-body").inner_text())

    answer_current_item(page, right=True)
    expect(page.get_by_test_id("verdict")).to_contain_text("Correct!")
    assert mastery_of(page, kc_id) > before

    # A question of the learner's after answering, answered by the model on the page.
    page.get_by_label("Ask the tutor about this").fill("Why is that the answer?")
    page.get_by_role("button", name="Ask").click()
    asked = page.locator("section.explanation").last
    expect(asked.get_by_test_id("learner-question")).to_have_text("Why is that the answer?")
    expect(asked).to_have_attribute("data-source", re.compile("^(model|authored)$"), timeout=120_000)

    page.get_by_role("link", name="Next question").click()
    expect(page.get_by_test_id("item")).not_to_have_attribute("data-item", item.id)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile("/accounts/login/"))
