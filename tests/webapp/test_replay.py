"""Stored mastery is derived data: a replay of the response log rebuilds it exactly."""

import pytest

from tests.webapp.conftest import answer
from webapp.learning import replay, services
from webapp.learning.models import KnowledgeComponent, Mastery

LOG = [
    ("counting-apples", "3"),
    ("counting-letters", "5"),
    ("adding-small", "5"),
    ("counting-pairs", "3"),
    ("adding-small", "4"),
    ("counting-apples", "3"),
]


@pytest.fixture
def forgetful(course):
    """Counting is forgotten between answers, so the replay must fade it as record_answer does."""
    KnowledgeComponent.objects.filter(course=course, slug="counting").update(forget=0.05)
    return course


def test_the_replay_of_a_learners_answers_equals_their_stored_mastery(forgetful, enrolled, learner):
    for slug, given in LOG:
        answer(learner, forgetful.items.get(slug=slug), given)
    replayed = replay.replay(learner, forgetful)
    assert {m.kc_id: m.responses for m in Mastery.objects.filter(learner=learner)} == {
        kc_id: r.responses for kc_id, r in replayed.items()
    }
    # Counting's ability drifted over the adding answers between its own: the replay drifts it too.
    counting = Mastery.objects.get(learner=learner, kc__slug="counting")
    assert replayed[counting.kc_id].ability.to_list() == pytest.approx(counting.ability, abs=1e-12)
    assert replay.mismatches(learner, forgetful) == []


def test_a_tampered_mastery_row_is_reported(course, enrolled, learner):
    for slug, given in LOG:
        answer(learner, course.items.get(slug=slug), given)
    Mastery.objects.filter(learner=learner, kc__slug="adding").update(belief=0.0)
    problems = replay.mismatches(learner, course)
    assert len(problems) == 1 and "stored (0.0" in problems[0]


def test_a_tampered_ability_is_reported(course, enrolled, learner):
    for slug, given in LOG:
        answer(learner, course.items.get(slug=slug), given)
    stored = Mastery.objects.get(learner=learner, kc__slug="adding")
    tampered = stored.ability[:2] + [stored.ability[2] + 0.5, stored.ability[3]]  # the mastered state's mean
    Mastery.objects.filter(pk=stored.pk).update(ability=tampered)
    problems = replay.mismatches(learner, course)
    assert len(problems) == 1 and f"KC {stored.kc_id}: stored" in problems[0]


def test_learners_placed_by_the_probe_cannot_be_replayed(course, learner):
    services.enroll(learner=learner, course=course)  # placement not skipped: the answer is a placement one
    answer(learner, course.items.get(slug="counting-apples"), "3")
    with pytest.raises(ValueError, match="placement"):
        replay.replay(learner, course)
