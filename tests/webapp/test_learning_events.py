"""Learning events: written in the answer's transaction, once, with the eureka rule of analytics/."""

import uuid
from unittest import mock

import pytest
from django.contrib.auth import get_user_model

import analytics
from tests.webapp.conftest import answer
from webapp.analytics import events, rollups
from webapp.analytics.models import LearningEvent
from webapp.learning import explanations, placement, services
from webapp.learning.models import Enrollment, Response

Verb = LearningEvent.Verb


def test_an_answer_records_one_answered_event_with_its_result(course, enrolled, learner):
    response = answer(learner, course.items.get(slug="counting-letters"), "4").response
    event = LearningEvent.objects.get()
    assert (event.verb, event.learner, event.course, event.kc, event.item) == (
        Verb.ANSWERED,
        learner,
        course,
        response.kc,
        response.item,
    )
    assert event.timestamp == response.answered_at
    assert event.result == {
        "correct": True,
        "predicted": response.predicted_correct,
        "p_before": response.p_mastered_before,
        "p_after": response.p_mastered_after,
        "placement": False,
    }


def test_a_replayed_answer_records_nothing_more(course, enrolled, learner):
    key = uuid.uuid4()
    answer(learner, course.items.get(slug="counting-letters"), "7", key)
    counts = list(LearningEvent.objects.values_list("verb", flat=True).order_by("verb"))
    assert counts == [Verb.ANSWERED, Verb.EXPLAINED]
    assert answer(learner, course.items.get(slug="counting-letters"), "7", key).replayed
    assert LearningEvent.objects.count() == 2


def test_an_answer_that_fails_after_its_event_is_written_leaves_no_event(course, enrolled, learner):
    written = events.answered

    def then_fail(**kwargs):
        written(**kwargs)
        assert LearningEvent.objects.filter(verb=Verb.ANSWERED).count() == 1  # inside the transaction
        raise RuntimeError("after the event")

    with mock.patch.object(events, "answered", then_fail), pytest.raises(RuntimeError):
        answer(learner, course.items.get(slug="counting-letters"), "4")
    assert not LearningEvent.objects.exists() and not Response.objects.exists()


def test_hints_questions_and_explanations_are_events(course, enrolled, learner):
    item = course.items.get(slug="counting-letters")
    explanations.ask_hint(learner=learner, item=item)
    response = answer(learner, item, "7").response
    explanations.ask_question(learner=learner, item=item, question="why?", response=response)
    verbs = list(LearningEvent.objects.values_list("verb", flat=True))
    assert verbs == [Verb.HINTED, Verb.ANSWERED, Verb.EXPLAINED, Verb.ASKED]


def test_mastered_events_are_the_eurekas_of_analytics(course, learner):
    """Right answers until mastery, forgetting on another KC, more answers: one eureka, as analytics counts."""
    other = get_user_model().objects.create_user(username="bo", password="another-long-passphrase")
    for who in (learner, other):
        services.enroll(learner=who, course=course)
        placement.skip(enrollment=Enrollment.objects.get(learner=who, course=course))
        for _ in range(12):
            answer(who, course.items.get(slug="counting-letters"), "4")
        for _ in range(4):
            answer(who, course.items.get(slug="adding-small"), "5")
        answer(who, course.items.get(slug="counting-letters"), "7")
        answer(who, course.items.get(slug="counting-letters"), "4")
    rows = LearningEvent.objects.values_list(*rollups.COLUMNS)
    found = analytics.eurekas(rollups.records(rows), threshold=course.mastery_threshold)
    mastered = LearningEvent.objects.filter(verb=Verb.MASTERED)
    assert len(found) >= 2
    assert sorted((e.learner, e.kc, e.item, e.at) for e in found) == sorted(
        (m.learner_id, m.kc_id, m.item_id, m.timestamp.timestamp()) for m in mastered
    )


RIGHT = {"counting-apples": "3", "counting-letters": "4", "counting-pairs": "3", "adding-small": "5"}


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_an_answer_to_the_item_served_carries_its_seconds_capped_at_the_idle_cap(course, enrolled, learner):
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    with at(start):
        served = services.serve_item(enrollment=enrolled).item
    enrolled.refresh_from_db()
    assert enrolled.served_at == start
    with at(start + timedelta(seconds=5)):
        assert services.serve_item(enrollment=enrolled).item == served  # a reload: still timed from the start
    with at(start + timedelta(seconds=42.5)):
        response = answer(learner, served, RIGHT[served.slug]).response
    assert response.seconds == 42.5 and response.answered_at == start + timedelta(seconds=42.5)
    event = LearningEvent.objects.get(verb=Verb.ANSWERED)
    assert event.result["seconds"] == 42.5
    (record,) = rollups.records(LearningEvent.objects.filter(pk=event.pk).values_list(*rollups.COLUMNS))
    assert record.seconds == 42.5  # what analytics.active credits a session's first answer with

    enrolled.refresh_from_db()  # as the next request would load it
    with at(start + timedelta(minutes=1)):
        second = services.serve_item(enrollment=enrolled).item
    with at(start + timedelta(minutes=30)):
        assert answer(learner, second, RIGHT[second.slug]).response.seconds == 300.0  # idle: 5 minutes at most
    enrolled.refresh_from_db()
    with at(start + timedelta(minutes=31)):
        other = course.items.filter(slug__in=RIGHT).exclude(pk=services.serve_item(enrollment=enrolled).item.pk).first()
        unserved = answer(learner, other, RIGHT[other.slug]).response
    assert unserved.seconds is None  # not the item served: unknown
    assert "seconds" not in LearningEvent.objects.get(response=unserved, verb=Verb.ANSWERED).result
