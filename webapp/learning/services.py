"""Writes: importing a course, enrolling, recording answers, serving items.

Explanations (and hints, and answers to questions) are in webapp/learning/explanations.py;
refitting the learner model (proposing and applying parameters) in webapp/learning/refit.py.

Each function that writes does so in one transaction and takes keyword arguments.
"""

import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.active import CAP
from content import load_course
from content.ramp import Course as CourseData
from learner_model import bkt
from tutor.grading import grade
from tutor.loop import ability_after, after_answer, item_params, next_item, personal_params
from webapp.analytics import events
from webapp.learning import placement, selectors
from webapp.learning import state as learner_state
from webapp.learning.models import (
    Course,
    Enrollment,
    Explanation,
    Item,
    KnowledgeComponent,
    Mastery,
    Response,
)

# Importing a course ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    course: Course
    outcome: str  # "created", "updated" or "unchanged"


def import_course(*, path: str | Path, force: bool = False) -> ImportResult:
    """Import the course folder at `path`, all or nothing.

    The folder is parsed and validated before anything is written (a CourseError lists
    every problem). A re-import updates KCs and items by their stable ids, archives
    those no longer in the files, and leaves learners' responses and mastery alone.
    """
    data = load_course(path)
    existing = Course.objects.filter(slug=data.id).first()
    if existing and existing.digest == data.digest and not force:
        return ImportResult(existing, "unchanged")
    with transaction.atomic():
        course, created = Course.objects.update_or_create(
            slug=data.id,
            defaults={
                "title": data.title,
                "description": data.description,
                "authors": list(data.authors),
                "band_low": data.target_band[0],
                "band_high": data.target_band[1],
                "mastery_threshold": data.mastery_threshold,
                "digest": data.digest,
            },
        )
        _write_ramp(course, data)
    return ImportResult(course, "created" if created else "updated")


def _write_ramp(course: Course, data: CourseData) -> None:
    rows: dict[str, KnowledgeComponent] = {}
    for position, kc in enumerate(data.kcs):
        rows[kc.id], _ = KnowledgeComponent.objects.update_or_create(
            course=course,
            slug=kc.id,
            defaults={
                "title": kc.title,
                "position": position,
                "motivation": kc.motivation,
                "explanation": kc.explanation,
                "worked_example": kc.worked_example,
                "minutes": kc.minutes,
                "tags": list(kc.tags),
                "prior": kc.bkt.prior,
                "learn": kc.bkt.learn,
                "guess": kc.bkt.guess,
                "slip": kc.bkt.slip,
                "forget": kc.bkt.forget,
                "archived": False,
            },
        )
        for item_position, item in enumerate(kc.items):
            Item.objects.update_or_create(
                course=course,
                slug=item.id,
                defaults={"kc": rows[kc.id], "position": item_position, "spec": item.spec(), "archived": False},
            )
    for kc in data.kcs:
        rows[kc.id].prerequisites.set([rows[p] for p in kc.prerequisites])
    item_ids = [item.id for kc in data.kcs for item in kc.items]
    course.kcs.exclude(slug__in=rows).update(archived=True)
    course.items.exclude(slug__in=item_ids).update(archived=True)


# Learning -------------------------------------------------------------------------------------------


def enroll(*, learner, course: Course) -> Enrollment:
    enrollment, _ = Enrollment.objects.get_or_create(learner=learner, course=course)
    return enrollment


class NotEnrolled(Exception):
    """The learner answered in a course they have not enrolled in."""


@dataclass(frozen=True)
class AnswerResult:
    response: Response
    replayed: bool  # True when this idempotency key had been recorded before: nothing new was written


def record_answer(*, learner, item: Item, answer: str, idempotency_key: uuid.UUID) -> AnswerResult:
    """Record one answer and update the learner's mastery of its KC, in one transaction.

    An answer that cannot be graded raises tutor.grading.AnswerError before anything is
    written. A resubmission with the same idempotency key returns the first response.
    """
    result = grade(item.content, answer)
    try:
        with transaction.atomic():
            # Locking the enrollment serializes a learner's answers, so two submissions of
            # one answer cannot both pass the check below.
            enrollment = (
                Enrollment.objects.select_for_update().filter(learner=learner, course_id=item.course_id).first()
            )
            if enrollment is None:
                raise NotEnrolled(f"not enrolled in course {item.course_id}")
            earlier = Response.objects.filter(learner=learner, idempotency_key=idempotency_key).first()
            if earlier:
                return AnswerResult(earlier, replayed=True)
            kc = item.kc
            kc_data = selectors.kc_content(kc, (), ())
            params = item_params(kc_data, item.content)
            now = selectors.answers_given(learner, item.course)
            mastery, _ = Mastery.objects.select_for_update().get_or_create(
                learner=learner, kc=kc, defaults={"belief": bkt.initial_belief(params), "step": now}
            )
            before = bkt.fade(mastery.belief, now - mastery.step, kc.forget)
            band = (item.course.band_low, item.course.band_high)
            placing = enrollment.placed_at is None
            # What the tutor expected of this learner: with their ability offsets in practice.
            predicted = bkt.p_correct(before, params)
            if not placing:
                # The learner's ability offsets move with each practice answer, from where they had
                # drifted to over the answers given elsewhere since (as the belief fades). Placement
                # answers leave them be, as the probe does in benchmarks/policies.py (it only
                # updates the graph belief that placement.finish turns into beliefs).
                ability = mastery.kc_ability.drift(now - mastery.step)
                predicted = bkt.p_correct(before, personal_params(params, ability))
                mastery.ability = ability_after(kc_data, item.content, before, ability, result.correct).to_list()
            mastery.belief = after_answer(kc_data, item.content, before, result.correct, band)
            mastery.step = now + 1
            mastery.once_mastered |= bkt.p_mastered(mastery.belief) >= item.course.mastery_threshold
            mastery.responses += 1
            mastery.save()
            answered_at = timezone.now()
            response = Response.objects.create(
                learner=learner,
                item=item,
                kc=kc,
                idempotency_key=idempotency_key,
                answer=result.answer,
                correct=result.correct,
                predicted_correct=predicted,
                p_mastered_before=bkt.p_mastered(before),
                p_mastered_after=bkt.p_mastered(mastery.belief),
                placement=placing,
                answered_at=answered_at,
                seconds=_seconds_taken(enrollment, item, answered_at),
            )
            events.answered(response=response, threshold=item.course.mastery_threshold)
            if enrollment.current_item_id == item.id:
                enrollment.current_item = None
                enrollment.save(update_fields=["current_item"])
            if not result.correct:
                explanation = Explanation.objects.create(
                    learner=learner, item=item, response=response, kind=Explanation.Kind.WRONG_ANSWER
                )
                events.explanation_created(explanation)
            return AnswerResult(response, replayed=False)
    except IntegrityError:
        # A concurrent twin of this answer committed first (possible where the database
        # cannot lock rows): it is the one recorded.
        earlier = Response.objects.filter(learner=learner, idempotency_key=idempotency_key).first()
        if earlier is None:
            raise
        return AnswerResult(earlier, replayed=True)


def _seconds_taken(enrollment: Enrollment, item: Item, answered_at) -> float | None:
    """Seconds from serving the item to its answer, capped as analytics caps an idle gap; None
    unless the item answered is the one served (a stale tab, an older enrollment)."""
    if enrollment.current_item_id != item.id or enrollment.served_at is None:
        return None
    return min(CAP, max(0.0, (answered_at - enrollment.served_at).total_seconds()))


@dataclass(frozen=True)
class Served:
    item: Item
    reason: str
    placement: bool = False  # a question of the placement probe


def serve_item(*, enrollment: Enrollment, course_data=None, state=None) -> Served | None:
    """The item the learner should work on now (the same one until it is answered), or None when done.

    A learner not yet placed gets the placement probe's questions first; when the probe
    ends, `enrollment.placed_at` is set and teaching begins. `course_data` (selectors.course_ramp)
    and `state` (webapp.learning.state.read) where the caller has them.
    """
    current = enrollment.current_item
    if current is not None and not current.archived:
        return Served(current, enrollment.current_reason, placement=enrollment.placed_at is None)
    if enrollment.placed_at is None:
        question = placement.next_question(enrollment=enrollment)
        if question is not None:
            item, reason = question
            enrollment.current_item, enrollment.current_reason = item, reason
            enrollment.served_at = timezone.now()
            enrollment.save(update_fields=["current_item", "current_reason", "served_at"])
            return Served(item, reason, placement=True)
        state = None  # the probe has just ended and set the learner's mastery: read it afresh
    course, learner = enrollment.course, enrollment.learner
    course_data = selectors.course_ramp(course) if course_data is None else course_data
    if state is None or not state.to_choose:
        state = learner_state.read(learner, course)
    choice = next_item(
        course_data,
        state.beliefs,
        times_answered=state.times_answered,
        last_item_id=state.last_item_slug,
        recent=state.recent,
        once_mastered=state.once_mastered,
        certain=state.certain(course_data),
        abilities=state.abilities(course_data),
    )
    if choice is None:
        return None
    item = course.items.select_related("kc").get(slug=choice.item.id)
    enrollment.current_item, enrollment.current_reason = item, choice.reason
    enrollment.served_at = timezone.now()
    enrollment.save(update_fields=["current_item", "current_reason", "served_at"])
    return Served(item, choice.reason)
