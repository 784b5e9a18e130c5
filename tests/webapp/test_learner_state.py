"""A learner's state read once per request (webapp.learning.state): the same figures as reading
the log itself, and a learning round in a bounded number of queries."""

import re

from learner_model import bkt
from tests.webapp.conftest import answer
from webapp.learning import placement, selectors, services
from webapp.learning import state as learner_state
from webapp.learning.models import Response


def test_the_answer_count_is_the_sum_of_the_mastery_rows_and_equals_the_log(course, learner):
    services.enroll(learner=learner, course=course)  # placement not skipped: its answers count too
    answer(learner, course.items.get(slug="counting-apples"), "3")
    enrollment = services.enroll(learner=learner, course=course)
    placement.skip(enrollment=enrollment)
    for slug, given in [("counting-letters", "4"), ("adding-small", "5"), ("adding-small", "4")]:
        answer(learner, course.items.get(slug=slug), given)
    state = learner_state.read(learner, course)
    assert state.answers_given == Response.objects.filter(learner=learner).count() == 4
    assert state.answers_given == selectors.answers_given(learner, course)


def test_the_last_item_and_each_kcs_last_answer_are_the_logs(course, enrolled, learner):
    answer(learner, course.items.get(slug="counting-letters"), "4")
    answer(learner, course.items.get(slug="adding-small"), "5")
    answer(learner, course.items.get(slug="counting-apples"), "2")
    state = learner_state.read(learner, course)
    assert state.last_item_slug == "counting-apples"
    assert (state.kcs["counting"].last_item, state.kcs["counting"].last_correct) == ("counting-apples", False)
    assert state.kcs["adding"].last_item == "adding-small"
    assert state.times_answered == {"counting-letters": 1, "adding-small": 1, "counting-apples": 1}
    assert state.recent == [("counting", True), ("adding", True), ("counting", False)]
    sidebar = learner_state.read(learner, course, to_choose=False)
    assert sidebar.last_item_slug is None and not sidebar.to_choose
    assert sidebar.beliefs == state.beliefs and sidebar.answers_given == 3


def test_beliefs_are_faded_to_now_by_the_answers_given_since(course, enrolled, learner):
    course.kcs.filter(slug="counting").update(forget=0.2)
    answer(learner, course.items.get(slug="counting-letters"), "4")
    stored = learner.masteries.get(kc__slug="counting").belief
    answer(learner, course.items.get(slug="adding-small"), "5")
    answer(learner, course.items.get(slug="adding-small"), "4")
    assert learner_state.read(learner, course).beliefs["counting"] == bkt.fade(stored, 2, 0.2)


def test_a_learning_round_takes_a_bounded_number_of_queries(course, enrolled, logged_in, django_assert_max_num_queries):
    """Answer, feedback, next item: the round every learner repeats (benchmarks/load.py). The
    bounds hold the queries that reading the learner's state once per request saved."""
    learn = f"/courses/{course.slug}/learn/"
    page = logged_in.get(learn).content.decode()

    def right_answer(page):
        slug = re.search(r'name="item" value="([^"]+)"', page).group(1)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
        return {"item": slug, "idempotency_key": key, "answer": course.items.get(slug=slug).content.answer_text}

    # A first round makes the KC's Mastery row; the second is a round as most are.
    posted = logged_in.post(f"/courses/{course.slug}/answer/", right_answer(page))
    logged_in.get(posted["Location"])
    form = right_answer(logged_in.get(learn).content.decode())
    with django_assert_max_num_queries(14):  # a transaction's two included
        posted = logged_in.post(f"/courses/{course.slug}/answer/", form)
    assert "answered=" in posted["Location"]
    with django_assert_max_num_queries(10):
        assert logged_in.get(posted["Location"]).status_code == 200
    with django_assert_max_num_queries(12):
        assert 'name="item"' in logged_in.get(learn).content.decode()


def test_the_sidebar_rows_escape_what_authors_wrote():
    from content.ramp import KC, BKTParams
    from webapp.learning.selectors import MasteryRow
    from webapp.learning.templatetags.tutor_tags import mastery_rows

    nasty = KC(
        id='k"1', title='<script>alert("x")</script> & co', prerequisites=(), items=(), bkt=BKTParams(), explanation=""
    )
    html = mastery_rows([MasteryRow(nasty, 0.456, "learning")])
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    assert 'data-kc="k&quot;1"' in html and 'aria-valuenow="46"' in html and 'class="kc learning"' in html
