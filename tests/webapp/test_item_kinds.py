"""Short-text and ordering items in the web app: shown, answered through the answer endpoint, fed back."""

import re
import uuid

import pytest
from django.urls import reverse

from tests.conftest import FIXTURES
from tutor.grading import display_order
from webapp.learning import placement, services
from webapp.learning.models import Enrollment, Explanation, Response


@pytest.fixture
def kinds(db, learner):
    course = services.import_course(path=FIXTURES / "kinds").course
    placement.skip(enrollment=services.enroll(learner=learner, course=course))
    return course


def serve(course, learner, slug):
    """Make `slug` the item the learner is working on (the page shows it until it is answered)."""
    Enrollment.objects.filter(learner=learner, course=course).update(
        current_item=course.items.get(slug=slug), current_reason="Chosen by the test."
    )


def submit(client, item, fields):
    return client.post(
        reverse("answer", args=["kinds"]), {"item": item, "idempotency_key": str(uuid.uuid4()), **fields}
    )


def page_after(client, reply) -> str:
    assert reply.status_code == 302, reply.content.decode()
    return client.get(reply.url).content.decode()


def test_a_short_text_item_is_a_text_field_and_accepts_spacing_and_case_variants(logged_in, kinds, learner):
    serve(kinds, learner, "operations-name")
    page = logged_in.get(reverse("learn", args=["kinds"])).content.decode()
    assert 'data-item="operations-name"' in page and 'name="answer"' in page and 'inputmode="decimal"' not in page
    page = page_after(logged_in, submit(logged_in, "operations-name", {"answer": "  MULTIPLY(3,  4) "}))
    assert "Correct! You answered MULTIPLY(3,  4)." in page
    assert Response.objects.get().correct


def test_a_wrong_short_answer_shows_the_canonical_answer_and_its_misconception(logged_in, kinds, learner):
    page = page_after(logged_in, submit(logged_in, "operations-name", {"answer": "Addition"}))
    assert "Not quite. You answered Addition; the answer is multiplication (also accepted: multiplying)." in page
    assert "Adding 3 and 4 gives 7; × repeats the addition instead." in page
    assert Explanation.objects.get().response.answer == "Addition"


def test_an_empty_short_answer_is_refused_with_a_clear_message(logged_in, kinds):
    reply = submit(logged_in, "operations-name", {"answer": "   "})
    assert reply.status_code == 400 and "Choose or type an answer first." in reply.content.decode()
    assert not Response.objects.exists()


def shown_steps(page: str) -> list[str]:
    return re.findall(r'<label for="position-(\d+)">([^<]*)</label>', page)


def test_an_ordering_item_shows_the_steps_shuffled_with_a_position_select_each(logged_in, kinds, learner):
    serve(kinds, learner, "operations-column-addition")
    page = logged_in.get(reverse("learn", args=["kinds"])).content.decode()
    item = kinds.items.get(slug="operations-column-addition").content
    shown = display_order(item, str(learner.pk))
    assert shown_steps(page) == [(str(i), step) for i, step in enumerate(shown)]
    assert tuple(shown) != item.steps
    for i in range(3):
        select = re.search(rf'<select id="position-{i}" name="position-{i}" required>(.*?)</select>', page, re.S)
        assert re.findall(r'<option value="(\d*)">', select.group(1)) == ["", "1", "2", "3"]


def positions_for(order: list[str], shown: list[str]) -> dict[str, str]:
    """The form fields that put the steps, shown as `shown`, in `order`."""
    return {f"position-{i}": str(order.index(step) + 1) for i, step in enumerate(shown)}


def test_an_ordering_item_answered_in_the_right_order_is_correct(logged_in, kinds, learner):
    item = kinds.items.get(slug="operations-column-addition").content
    shown = display_order(item, str(learner.pk))
    page = page_after(logged_in, submit(logged_in, item.id, positions_for(list(item.steps), shown)))
    assert "Correct! That is the right order." in page
    response = Response.objects.get()
    assert response.correct and response.answer == "\n".join(item.steps)


def test_a_wrong_order_is_shown_beside_the_right_one_with_its_feedback(logged_in, kinds, learner):
    item = kinds.items.get(slug="operations-column-addition").content
    shown = display_order(item, str(learner.pk))
    wrong = [item.steps[2], item.steps[0], item.steps[1]]  # "3 1 2" in the authored numbering
    page = page_after(logged_in, submit(logged_in, item.id, positions_for(wrong, shown)))
    assert "Not quite: the steps go in another order." in page
    given = re.search(r'data-testid="given-order">(.*?)</ol>', page, re.S).group(1)
    right = re.search(r'data-testid="right-order">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<li[^>]*>([^<]*)", given) == [step + " " for step in wrong]  # each followed by its tag
    assert given.count("out of place") == 3
    assert re.findall(r"<li>([^<]*)</li>", right) == list(item.steps)
    assert "The tens need the carry from the ones, so the ones come first." in page
    assert not Response.objects.get().correct


def test_an_order_can_also_be_posted_as_the_steps_one_a_line(logged_in, kinds):
    steps = kinds.items.get(slug="operations-column-addition").content.steps
    page = page_after(logged_in, submit(logged_in, "operations-column-addition", {"answer": "\n".join(steps)}))
    assert "Correct! That is the right order." in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"position-0": "1", "position-1": "1", "position-2": "2"}, "Position 1 is given to more than one step"),
        ({"position-0": "1", "position-1": "2"}, "Give every step a position from 1 to 3."),
        ({"position-0": "1", "position-1": "2", "position-2": "9"}, "Give every step a position from 1 to 3."),
    ],
)
def test_an_incomplete_order_is_refused_on_the_item_page_and_nothing_is_recorded(
    logged_in, kinds, learner, fields, message
):
    serve(kinds, learner, "operations-column-addition")
    reply = submit(logged_in, "operations-column-addition", fields)
    page = reply.content.decode()
    assert reply.status_code == 400 and message in page and 'name="position-0"' in page
    assert not Response.objects.exists()
