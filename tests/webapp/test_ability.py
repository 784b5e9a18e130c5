"""The deployed tutor is the benchmarked one (benchmarks/policies.py): each learner's ability
offsets within a KC's states (learner_model.proficiency) are kept per answer and steer the
items served (tutor.loop.next_item)."""

from django.contrib.auth import get_user_model

from learner_model import bkt
from learner_model.proficiency import Ability, KCAbility
from tests.webapp.conftest import answer
from tutor.loop import ability_after, after_answer, kc_params, next_item
from webapp.learning import placement, selectors, services
from webapp.learning import state as learner_state
from webapp.learning.models import Mastery


def test_each_practice_answer_moves_the_stored_ability_as_ability_after_says(course, enrolled, learner):
    ramp = selectors.course_ramp(course)
    counting, band = ramp.kc("counting"), ramp.target_band
    items = {item.id: item for item in counting.items}
    letters, apples = items["counting-letters"], items["counting-apples"]
    answer(learner, course.items.get(slug="counting-letters"), "4")
    first = bkt.initial_belief(kc_params(counting))
    ability = ability_after(counting, letters, first, KCAbility(), True)
    assert Mastery.objects.get(learner=learner, kc__slug="counting").ability == ability.to_list()
    # Two answers elsewhere: the offsets drift for them before the next answer on counting moves them.
    answer(learner, course.items.get(slug="adding-small"), "5")
    answer(learner, course.items.get(slug="adding-small"), "4")
    answer(learner, course.items.get(slug="counting-apples"), "2")
    belief = after_answer(counting, letters, first, True, band)  # counting's forget is 0: no fading
    drifted = ability.drift(2)
    assert drifted.unmastered.variance > ability.unmastered.variance
    after = ability_after(counting, apples, belief, drifted, False)
    stored = Mastery.objects.get(learner=learner, kc__slug="counting")
    assert stored.ability == after.to_list() and stored.kc_ability.unmastered.mean < ability.unmastered.mean


def test_placement_answers_leave_the_ability_at_the_prior(course, learner):
    services.enroll(learner=learner, course=course)  # not skipped: this answer is a placement one
    answer(learner, course.items.get(slug="counting-apples"), "3")
    assert Mastery.objects.get(learner=learner, kc__slug="counting").ability == []


def test_every_kc_has_an_ability_read_in_one_query(course, enrolled, learner, django_assert_num_queries):
    answer(learner, course.items.get(slug="counting-letters"), "4")
    answer(learner, course.items.get(slug="adding-small"), "5")
    answer(learner, course.items.get(slug="adding-small"), "4")
    counting = Mastery.objects.get(learner=learner, kc__slug="counting").kc_ability
    adding = Mastery.objects.get(learner=learner, kc__slug="adding").kc_ability
    ramp = selectors.course_ramp(course)
    with django_assert_num_queries(1):
        abilities = learner_state.read(learner, course, to_choose=False).abilities(ramp)
    # Two answers elsewhere since counting's: drifted; KCs not answered yet: the prior, not absent.
    assert abilities == {"counting": counting.drift(2), "adding": adding, "multiplying": KCAbility()}
    assert abilities["counting"] != counting


def test_one_belief_but_different_abilities_give_different_predictions(course, enrolled, learner):
    """Two learners with the same answers and BKT belief on counting; one has the ability offsets
    that many right answers as a novice would leave. The tutor tells them different chances."""
    other = get_user_model().objects.create_user(username="bob", password="correct-horse-battery")
    placement.skip(enrollment=services.enroll(learner=other, course=course))
    for who in (learner, other):
        answer(who, course.items.get(slug="counting-pairs"), "3")
    Mastery.objects.filter(kc__slug="counting").update(belief=0.0)  # P(mastered) 0.5: counting stays on the frontier
    able_novice = KCAbility(unmastered=Ability(1.5, 0.05))
    Mastery.objects.filter(learner=other, kc__slug="counting").update(ability=able_novice.to_list())
    ramp = selectors.course_ramp(course)
    reasons = []
    for who in (learner, other):
        served = services.serve_item(enrollment=selectors.enrollment_for(who, course))
        expected = next_item(
            ramp,
            learner_state.read(who, course).beliefs,
            times_answered={"counting-pairs": 1},
            last_item_id="counting-pairs",
            recent=[("counting", True)],
            certain=learner_state.read(who, course).certain(ramp),
            abilities=learner_state.read(who, course).abilities(ramp),
        )
        assert (served.item.slug, served.reason) == (expected.item.id, expected.reason)
        reasons.append(served.reason)
    assert reasons[0] != reasons[1]
