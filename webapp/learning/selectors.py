"""Reads: the course as the tutor sees it, and a learner's state in it."""

from dataclasses import dataclass

from django.db.models import Count, FilteredRelation, OuterRef, Q, Subquery

from content import ramp
from learner_model import bkt
from learner_model.proficiency import KCAbility
from tutor.loop import belief_of, is_certain
from tutor.loop import mastered as is_mastered
from webapp.learning.models import Course, Enrollment, KnowledgeComponent, Mastery, Response, ability_of


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


def course_ramp(course: Course) -> ramp.Course:
    """The course's current (not archived) KCs and items, as plain data for the tutor."""
    params = tuple(course.kcs.order_by("id").values_list("id", "archived", "prior", "learn", "guess", "slip", "forget"))
    items = tuple(course.items.filter(archived=False).order_by("id").values_list("id", flat=True))
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
    return Response.objects.filter(learner=learner, item__course=course).count()


def beliefs_for(learner, course: Course, now: int | None = None) -> dict[str, float]:
    """Log-odds of mastery per KC slug, for the KCs the learner has answered on, faded by
    forgetting for the answers given elsewhere since (learner_model.bkt.fade). `now`: the
    learner's answers_given, where the caller has it."""
    now = answers_given(learner, course) if now is None else now
    rows = Mastery.objects.filter(learner=learner, kc__course=course).values_list(
        "kc__slug", "belief", "step", "kc__forget"
    )
    return {slug: bkt.fade(belief, now - step, forget) for slug, belief, step, forget in rows}


def abilities_for(learner, course: Course, now: int | None = None) -> dict[str, KCAbility]:
    """The learner's ability offsets (learner_model.proficiency) per slug of every current KC of
    the course, drifted for the answers given elsewhere since the KC's last; the prior on a KC
    with no practice answer yet, as the benchmarked tutor has it (benchmarks/policies.py): a KC
    left out would get the population's rates instead. `now` as for beliefs_for."""
    now = answers_given(learner, course) if now is None else now
    # Every KC with the learner's Mastery row, if any, in one query (a left join).
    rows = (
        course.kcs.filter(archived=False)
        .annotate(mine=FilteredRelation("masteries", condition=Q(masteries__learner=learner)))
        .values_list("slug", "mine__ability", "mine__step")
    )
    return {slug: ability_of(stored).drift(now - step) if stored else KCAbility() for slug, stored, step in rows}


def certain(learner, course: Course, course_data: ramp.Course) -> set[str]:
    """The KCs whose last answer settled that they are mastered (tutor.loop.is_certain)."""
    # One row per KC with the learner's last answer on it, found by the database: the
    # learner's whole log is not read on every item served.
    last = Response.objects.filter(learner=learner, kc=OuterRef("kc")).order_by("-answered_at", "-id")
    rows = (
        Mastery.objects.filter(learner=learner, kc__course=course)
        .annotate(last_item=Subquery(last.values("item__slug")[:1]), last_correct=Subquery(last.values("correct")[:1]))
        .values_list("kc__slug", "belief", "last_item", "last_correct")
    )
    kcs = {kc.id: kc for kc in course_data.kcs}
    settled = set()
    for kc_slug, belief, item_slug, correct in rows:
        kc = kcs.get(kc_slug)
        item = next((i for i in kc.items if i.id == item_slug), None) if kc and item_slug else None
        if item is not None and is_certain(course_data, kc, item, correct, belief):
            settled.add(kc_slug)
    return settled


def once_mastered(learner, course: Course) -> set[str]:
    """The KCs the learner has mastered at least once (if faded now, they come back as review)."""
    rows = Mastery.objects.filter(learner=learner, kc__course=course, once_mastered=True)
    return set(rows.values_list("kc__slug", flat=True))


def times_answered(learner, course: Course) -> dict[str, int]:
    rows = (
        Response.objects.filter(learner=learner, item__course=course)
        .values("item__slug")
        .annotate(count=Count("id"))
        .values_list("item__slug", "count")
    )
    return dict(rows)


def recent_answers(learner, course: Course, count: int) -> list[tuple[str, bool]]:
    """The learner's last `count` practice answers in the course as (KC slug, right), oldest first."""
    rows = (
        Response.objects.filter(learner=learner, item__course=course, placement=False)
        .order_by("-answered_at", "-id")
        .values_list("kc__slug", "correct")[:count]
    )
    return list(reversed(rows))


def last_item_slug(learner, course: Course) -> str | None:
    last = Response.objects.filter(learner=learner, item__course=course).order_by("-answered_at", "-id")
    return last.values_list("item__slug", flat=True).first()


@dataclass(frozen=True)
class MasteryRow:
    kc: ramp.KC
    p_mastered: float
    state: str  # "mastered", "learning" (on the frontier or started) or "locked"

    @property
    def percent(self) -> int:
        return round(100 * self.p_mastered)


def mastery_map(learner, course: Course) -> list[MasteryRow]:
    """Every KC in ramp order with the learner's P(mastered) and where it stands."""
    course_data = course_ramp(course)
    beliefs = beliefs_for(learner, course)
    before = once_mastered(learner, course)
    mastered = {kc.id for kc in course_data.kcs if is_mastered(course_data, kc, beliefs, before)}
    rows = []
    for kc in course_data.kcs:
        if kc.id in mastered:
            state = "mastered"
        elif all(p in mastered for p in kc.prerequisites):
            state = "learning"
        else:
            state = "locked"
        rows.append(MasteryRow(kc, bkt.p_mastered(belief_of(kc, beliefs)), state))
    return rows


def enrollment_for(learner, course: Course) -> Enrollment | None:
    enrollment = Enrollment.objects.filter(learner=learner, course=course).select_related("current_item").first()
    if enrollment is not None:
        # The caller's objects, so that serving an item does not fetch them again.
        enrollment.learner, enrollment.course = learner, course
    return enrollment
