"""The course as the tutor sees it is built once per process and rebuilt when what it is made of changes."""

from webapp.learning import selectors
from webapp.learning.models import KnowledgeComponent


def test_the_ramp_is_reused_until_a_kc_parameter_or_the_items_in_use_change(course):
    first = selectors.course_ramp(course)
    assert selectors.course_ramp(course) is first  # nothing changed: no rebuild

    KnowledgeComponent.objects.filter(course=course, slug="adding").update(guess=0.31)  # as a refit does
    refit = selectors.course_ramp(course)
    assert refit is not first and refit.kc("adding").bkt.guess == 0.31

    course.items.filter(slug="counting-pairs").update(archived=True)  # as a re-import does
    fewer = selectors.course_ramp(course)
    assert "counting-pairs" not in {item.id for item in fewer.kc("counting").items}
    assert "counting-pairs" in {item.id for item in refit.kc("counting").items}
