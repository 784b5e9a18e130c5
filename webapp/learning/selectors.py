"""Reads: the course as the tutor sees it, and a learner's state in it."""

from dataclasses import dataclass

from django.db import connection

from content import ramp
from learner_model import bkt
from tutor.loop import belief_of
from tutor.loop import mastered as is_mastered
from webapp.learning import state as learner_state
from webapp.learning.models import Course, Enrollment, Item, KnowledgeComponent, Response


def kc_content(kc: KnowledgeComponent, prerequisite_slugs: tuple[str, ...], items: tuple[ramp.Item, ...]) -> ramp.KC:
    return ramp.KC(
        id=kc.slug,
        title=kc.title,
        prerequisites=prerequisite_slugs,
        motivation=kc.motivation,
        explanation=kc.explanation,
        worked_example=kc.worked_example,
        items=items,
        bkt=kc.bkt_params,
        minutes=kc.minutes,
        tags=tuple(kc.tags),
    )


def offered_courses():
    """The courses learners may see and enroll in: those with something to learn.

    A course created by faculty has no KCs until its first version is published
    (webapp.authoring), and is kept from learners until then."""
    return Course.objects.filter(kcs__archived=False).distinct()


# Each process keeps the last ramp it built per course: turning 300 items' JSON into the
# tutor's data took most of the time of serving an item. The key holds what the ramp is made
# of that can change, read by two small queries: the imported files' digest (KCs, items,
# prerequisites), each KC's parameters (a refit changes them without an import) and archived
# flag, and the ids of the items in use.
_ramps: dict[int, tuple[tuple, ramp.Course]] = {}
RAMP_PARAMETERS = f"""
    SELECT id, archived, prior, learn, guess, slip, forget FROM {KnowledgeComponent._meta.db_table}
    WHERE course_id = %s ORDER BY id
"""
ANSWERS_GIVEN = f"""
    SELECT COUNT(*) FROM {Response._meta.db_table} r JOIN {Item._meta.db_table} i ON i.id = r.item_id
    WHERE r.learner_id = %s AND i.course_id = %s
"""
RAMP_ITEMS = f"SELECT id FROM {Item._meta.db_table} WHERE course_id = %s AND NOT archived ORDER BY id"


def course_ramp(course: Course) -> ramp.Course:
    """The course's current (not archived) KCs and items, as plain data for the tutor."""
    # In SQL: on every learning request, building these two queries in the ORM cost more CPU
    # than running them (as in webapp.learning.state).
    with connection.cursor() as cursor:
        cursor.execute(RAMP_PARAMETERS, [course.pk])
        params = tuple(cursor.fetchall())
        cursor.execute(RAMP_ITEMS, [course.pk])
        items = tuple(cursor.fetchall())
    key = (course.digest, course.title, course.band_low, course.band_high, course.mastery_threshold, params, items)
    cached = _ramps.get(course.pk)
    if cached is not None and cached[0] == key:
        return cached[1]
    built = _build_ramp(course)
    _ramps[course.pk] = (key, built)
    return built


def _build_ramp(course: Course) -> ramp.Course:
    kcs = list(course.kcs.filter(archived=False).prefetch_related("prerequisites"))
    items_by_kc: dict[int, list[ramp.Item]] = {kc.id: [] for kc in kcs}
    for item in course.items.filter(archived=False).order_by("position"):
        items_by_kc.setdefault(item.kc_id, []).append(item.content)
    return ramp.Course(
        id=course.slug,
        title=course.title,
        description=course.description,
        authors=tuple(course.authors),
        target_band=(course.band_low, course.band_high),
        mastery_threshold=course.mastery_threshold,
        digest=course.digest,
        kcs=tuple(
            kc_content(kc, tuple(p.slug for p in kc.prerequisites.all() if not p.archived), tuple(items_by_kc[kc.id]))
            for kc in kcs
        ),
    )


def answers_given(learner, course: Course) -> int:
    """The learner's count of answers in the course: the clock that forgetting runs on."""
    with connection.cursor() as cursor:  # in SQL: it is read with every answer (see course_ramp)
        cursor.execute(ANSWERS_GIVEN, [learner.pk, course.pk])
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class MasteryRow:
    kc: ramp.KC
    p_mastered: float
    state: str  # "mastered", "learning" (on the frontier or started) or "locked"

    @property
    def percent(self) -> int:
        return round(100 * self.p_mastered)


def mastery_map(learner, course: Course, *, course_data: ramp.Course | None = None, state=None) -> list[MasteryRow]:
    """Every KC in ramp order with the learner's P(mastered) and where it stands. `course_data`
    and `state` (webapp.learning.state.read) where the caller has them already."""
    course_data = course_ramp(course) if course_data is None else course_data
    state = learner_state.read(learner, course, to_choose=False) if state is None else state
    beliefs, before = state.beliefs, state.once_mastered
    mastered = {kc.id for kc in course_data.kcs if is_mastered(course_data, kc, beliefs, before)}
    rows = []
    for kc in course_data.kcs:
        if kc.id in mastered:
            standing = "mastered"
        elif all(p in mastered for p in kc.prerequisites):
            standing = "learning"
        else:
            standing = "locked"
        rows.append(MasteryRow(kc, bkt.p_mastered(belief_of(kc, beliefs)), standing))
    return rows


def enrollment_in(learner, course_slug: str) -> Enrollment | None:
    """The learner's enrollment in the course `course_slug`, with the course and the item being
    served, in one query (on every learning request)."""
    enrollment = (
        Enrollment.objects.filter(learner=learner, course__slug=course_slug)
        .select_related("course", "current_item")
        .first()
    )
    if enrollment is not None:
        enrollment.learner = learner  # the caller's, so that serving an item does not fetch it again
    return enrollment


def enrollment_for(learner, course: Course) -> Enrollment | None:
    enrollment = Enrollment.objects.filter(learner=learner, course=course).select_related("current_item").first()
    if enrollment is not None:
        # The caller's objects, so that serving an item does not fetch them again.
        enrollment.learner, enrollment.course = learner, course
    return enrollment
