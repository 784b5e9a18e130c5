import math
import threading
import uuid

import pytest
from django.db import connection

from learner_model import bkt
from learner_model.proficiency import KCAbility
from tests.webapp.conftest import answer
from tutor.grading import AnswerError
from tutor.loop import after_answer, kc_params
from webapp.learning import selectors, services
from webapp.learning import state as learner_state
from webapp.learning.models import Enrollment, Explanation, Mastery, Response


def test_a_right_answer_raises_mastery_by_the_bkt_update(course, enrolled, learner):
    item = course.items.get(slug="counting-letters")  # guess 0.05, slip 0.1 (the KC's), prior 0.1, learn 0.2
    result = answer(learner, item, "4")
    posterior = 0.1 * 0.9 / (0.1 * 0.9 + 0.9 * 0.05)
    # The chance to learn is scaled by how well the item suits a learner who has not mastered
    # the KC: they succeed with its guess, 0.05, which is 0.65 below the band (0.7 to 0.85).
    fits = math.exp(-0.5 * (0.65 / 0.15) ** 2)
    expected = posterior + (1 - posterior) * 0.2 * fits
    mastery = Mastery.objects.get(learner=learner, kc=item.kc)
    assert mastery.p_mastered == pytest.approx(expected)
    assert result.response.correct and result.response.p_mastered_after == pytest.approx(expected)
    # Predicted for this learner: the population's 0.1 * 0.9 + 0.9 * 0.05 = 0.135, moved by the
    # uncertainty of their (still prior) ability offsets on the KC (learner_model.proficiency).
    prior = KCAbility()
    unmastered, mastered = prior.rates(0.05, 0.9)
    assert result.response.predicted_correct == pytest.approx(0.1 * mastered + 0.9 * unmastered)
    assert 0.135 < result.response.predicted_correct < 0.15
    assert not Explanation.objects.exists()


def test_a_wrong_answer_lowers_mastery_and_asks_for_an_explanation(course, enrolled, learner):
    item = course.items.get(slug="counting-apples")
    result = answer(learner, item, "4")
    assert not result.response.correct
    assert result.response.p_mastered_after < 0.1 + 0.2  # below a right answer's outcome
    explanation = Explanation.objects.get()
    assert explanation.response == result.response and explanation.status == "pending"


def test_a_resubmitted_answer_is_stored_once_and_mastery_updated_once(course, enrolled, learner):
    item = course.items.get(slug="counting-letters")
    key = uuid.uuid4()
    first = answer(learner, item, "4", key)
    after_first = Mastery.objects.get(learner=learner, kc=item.kc).belief
    second = answer(learner, item, "4", key)
    assert second.replayed and second.response.pk == first.response.pk
    assert Response.objects.count() == 1
    mastery = Mastery.objects.get(learner=learner, kc=item.kc)
    assert mastery.belief == after_first and mastery.responses == 1


def test_an_ungradable_answer_changes_nothing(course, enrolled, learner):
    with pytest.raises(AnswerError):
        answer(learner, course.items.get(slug="counting-letters"), "four")
    assert not Response.objects.exists() and not Mastery.objects.exists()


def test_answering_without_enrolling_is_refused(course, learner):
    with pytest.raises(services.NotEnrolled):
        answer(learner, course.items.get(slug="counting-letters"), "4")
    assert not Response.objects.exists()


def test_mastery_equals_a_replay_of_the_response_log(course, enrolled, learner):
    for slug, given in [
        ("counting-apples", "3"),
        ("counting-letters", "5"),
        ("counting-pairs", "3"),
        ("counting-apples", "3"),
        ("adding-small", "5"),
    ]:
        answer(learner, course.items.get(slug=slug), given)
    # Replay: each KC's belief starts at its prior, fades for the answers given elsewhere
    # (forget is 0 in this course, so fading is a no-op here) and is updated by each answer.
    ramp = selectors.course_ramp(course)
    for mastery in Mastery.objects.filter(learner=learner):
        kc = ramp.kc(mastery.kc.slug)
        belief = bkt.initial_belief(kc_params(kc))
        for response in Response.objects.filter(learner=learner, kc=mastery.kc).order_by("answered_at", "id"):
            item = next(i for i in kc.items if i.id == response.item.slug)
            belief = after_answer(kc, item, belief, response.correct, ramp.target_band)
        assert mastery.belief == pytest.approx(belief)


def test_serving_keeps_the_same_item_until_it_is_answered(course, enrolled, learner):
    first = services.serve_item(enrollment=enrolled)
    assert services.serve_item(enrollment=Enrollment.objects.get(pk=enrolled.pk)).item == first.item
    answer(learner, first.item, first.item.content.answer_text)
    following = services.serve_item(enrollment=Enrollment.objects.get(pk=enrolled.pk))
    assert following.item != first.item


@pytest.mark.django_db(transaction=True)
def test_the_same_answer_submitted_twice_at_once_is_stored_once(course, enrolled, learner):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (the test command provides it)")
    item = course.items.get(slug="counting-letters")
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results = []

    def submit():
        barrier.wait()
        try:
            results.append(answer(learner, item, "4", key))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and sorted(r.replayed for r in results) == [False, True]
    assert Response.objects.count() == 1
    assert Mastery.objects.get(learner=learner, kc=item.kc).responses == 1


def test_three_misses_on_a_kc_step_back_to_its_prerequisite(course, enrolled, learner):
    counting = course.kcs.get(slug="counting")
    Mastery.objects.create(learner=learner, kc=counting, belief=3.5)  # P = 0.97: mastered
    served = services.serve_item(enrollment=Enrollment.objects.get(pk=enrolled.pk))
    assert served.item.kc.slug == "adding"
    for _ in range(3):
        served = services.serve_item(enrollment=Enrollment.objects.get(pk=enrolled.pk))
        answer(learner, served.item, "999" if served.item.content.kind == "numeric" else "100")
    stepped_back = services.serve_item(enrollment=Enrollment.objects.get(pk=enrolled.pk))
    assert stepped_back.item.kc.slug == "counting" and "step back to 'Counting'" in stepped_back.reason


def test_a_kc_is_settled_by_a_last_right_answer_that_tells_and_unsettled_by_a_miss(course, enrolled, learner):
    letters = course.items.get(slug="counting-letters")  # guess 0.05, slip 0.1: a right answer tells
    ramp = selectors.course_ramp(course)
    for _ in range(3):  # three right answers take P(mastered) from 0.1 past 0.95
        answer(learner, letters, "4")
    assert learner_state.read(learner, course).certain(ramp) == {"counting"}
    answer(learner, letters, "5")
    assert learner_state.read(learner, course).certain(ramp) == set()
