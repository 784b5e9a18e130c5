"""The answer endpoint on random form bodies: a normal page (the answer recorded, 302) or a
clear 4xx, never a server error; and a refused answer changes nothing in the database."""

import uuid

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from webapp.analytics.models import LearningEvent
from webapp.learning import placement, services
from webapp.learning.models import Explanation, Mastery, Response

ITEMS = {
    "tiny": ["counting-apples", "counting-letters", "adding-half", "adding-choice", "multiplying-zero"],
    "kinds": ["operations-name", "operations-column-addition", "operations-product"],
}
# Near-answers with odd characters (NUL, zero-width space, tabs), drawn most often.
NEAR = st.text(alphabet=st.sampled_from("Adition3.5 \x00\n\t\u200bé"), min_size=1, max_size=12)
TEXT = st.one_of(
    NEAR,
    NEAR,
    st.text(max_size=40),
    st.sampled_from(["3", "0.5", "1e309", "nan", "-0", "½", "3\x00", "\x00", " 20 ", "４", "1,5", "Addition"]),
    st.builds(lambda piece, times: piece * times, st.sampled_from(["9", "é", "🙂", "a b\n"]), st.integers(1, 100_000)),
)
KEY = st.one_of(st.uuids().map(str), st.text(max_size=40), st.just(""), st.just("00000000-0000-0000-0000-00000000000g"))


@st.composite
def answer_form(draw):
    slug = draw(st.sampled_from(sorted(ITEMS)))
    form = {}
    # Mostly an item of the course and a valid key, so that the answer itself is reached.
    if draw(st.integers(0, 4)):
        items = st.sampled_from(ITEMS[slug])
        form["item"] = draw(items if draw(st.integers(0, 3)) else st.one_of(st.sampled_from(ITEMS["tiny"]), st.text()))
    if draw(st.integers(0, 4)):
        form["idempotency_key"] = draw(st.uuids().map(str) if draw(st.integers(0, 3)) else KEY)
    if draw(st.integers(0, 4)):
        form["answer"] = draw(TEXT)
    for n in range(draw(st.integers(0, 4))):  # an ordering item's positions
        form[f"position-{n}"] = draw(st.one_of(st.integers(-2, 5).map(str), st.text(max_size=5)))
    return slug, form


@pytest.fixture
def two_courses(enrolled, learner):
    """The learner enrolled in the tiny course and the one with every item kind."""
    kinds = services.import_course(path=FIXTURES / "kinds").course
    placement.skip(enrollment=services.enroll(learner=learner, course=kinds))


def stored() -> tuple[int, ...]:
    return (
        Response.objects.count(),
        Mastery.objects.count(),
        sum(Mastery.objects.values_list("responses", flat=True)),
        Explanation.objects.count(),
        LearningEvent.objects.count(),
    )


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(answer_form())
def test_any_answer_form_gets_a_page_or_a_clear_4xx_and_a_refusal_changes_nothing(logged_in, two_courses, form):
    slug, data = form
    before = stored()
    reply = logged_in.post(reverse("answer", args=[slug]), data)  # a server error would raise here
    assert reply.status_code in (302, 400), reply.status_code
    if reply.status_code == 400:
        assert stored() == before
        assert reply.content.strip(), "a refusal says why"
    else:
        assert reply.url.startswith(reverse("learn", args=[slug]))


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.just(None))
def test_the_strategies_reach_a_recorded_answer(logged_in, two_courses, _):
    """A control: a well-formed answer through the same path is recorded (the test above can see both outcomes)."""
    data = {"item": "counting-apples", "idempotency_key": str(uuid.uuid4()), "answer": "3"}
    assert logged_in.post(reverse("answer", args=["tiny"]), data).status_code == 302
    assert Response.objects.count() == 1
