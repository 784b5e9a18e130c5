import re
import uuid

import pytest
from django.urls import reverse

from tests.webapp.conftest import answer
from webapp.learning import placement, services
from webapp.learning.models import Enrollment, Mastery, Response


@pytest.fixture
def placing(course, learner):
    return services.enroll(learner=learner, course=course)


def test_placement_asks_at_most_its_budget_then_sets_every_kcs_mastery(placing, learner, course):
    asked = []
    while (served := services.serve_item(enrollment=placing)) is not None and served.placement:
        asked.append(served.item.slug)
        assert "Placement question" in served.reason
        answer(learner, served.item, served.item.content.answer_text)  # right every time
        placing.refresh_from_db()
    assert 1 <= len(asked) <= placement.budget(3) == 2
    assert len(set(asked)) == len(asked)
    assert placing.placed_at is not None
    assert Response.objects.filter(placement=True).count() == len(asked)
    masteries = {m.kc.slug: m.p_mastered for m in Mastery.objects.filter(learner=learner)}
    assert set(masteries) == {"counting", "adding", "multiplying"}
    # Right answers move belief up the graph: the first step is believed more than the prior.
    assert masteries["counting"] > 0.5
    # Teaching follows, with reasons.
    assert served is None or not served.placement


def wrong_answer(item):
    spec = item.content
    return "999" if spec.kind == "numeric" else next(c for c in spec.choices if c != spec.answer)


def test_wrong_placement_answers_keep_the_learner_at_the_start(placing, learner):
    while (served := services.serve_item(enrollment=placing)) is not None and served.placement:
        answer(learner, served.item, wrong_answer(served.item))
        placing.refresh_from_db()
    masteries = {m.kc.slug: m.p_mastered for m in Mastery.objects.filter(learner=learner)}
    # Below the prior plus one learning step (0.1 + 0.9 * 0.2): nothing is believed known.
    assert all(p < 0.28 for p in masteries.values()), masteries
    assert served.item.kc.slug == "counting"


def test_the_placement_result_page_then_teaching(logged_in, placing, course):
    url = reverse("learn", args=["tiny"])
    pages = []
    for _ in range(placement.budget(3) + 1):
        page = logged_in.get(url).content.decode()
        pages.append(page)
        if 'data-testid="placed"' in page:
            break
        item = course.items.get(slug=re.search(r'data-item="([^"]+)"', page).group(1))
        logged_in.post(
            reverse("answer", args=["tiny"]),
            {"item": item.slug, "answer": item.content.answer_text, "idempotency_key": str(uuid.uuid4())},
        )
    assert all("Placement question" in page for page in pages[:-1])
    assert 'data-testid="placed"' in pages[-1] and "Start learning" in pages[-1]
    page = logged_in.get(url).content.decode()
    assert "Why this question?" in page and 'data-testid="placement"' not in page


def test_placing_again_and_skipping(logged_in, enrolled, learner):
    assert logged_in.post(reverse("placement_restart", args=["tiny"])).status_code == 302
    assert Enrollment.objects.get(pk=enrolled.pk).placed_at is None
    assert 'data-testid="placement"' in logged_in.get(reverse("learn", args=["tiny"])).content.decode()
    assert logged_in.post(reverse("placement_skip", args=["tiny"])).status_code == 302
    assert Enrollment.objects.get(pk=enrolled.pk).placed_at is not None
