"""Reads: a course's draft as faculty see it (its problems, what publishing would change) and its history."""

from dataclasses import dataclass

from content.ramp import Course as CourseData
from webapp.authoring import changes as changing
from webapp.authoring.course_folder import Validation, course_meta, validate
from webapp.authoring.models import Draft, PublishedVersion
from webapp.learning import selectors as learning
from webapp.learning.models import Course


def published_ramp(course: Course) -> CourseData | None:
    """The course as learners have it now, or None when nothing has been published yet."""
    if not course.kcs.filter(archived=False).exists():
        return None
    return learning.course_ramp(course)


@dataclass(frozen=True)
class DraftState:
    course: Course
    draft: Draft
    validation: Validation
    changes: changing.Changes | None  # what publishing would change; None while the draft has problems

    @property
    def publishable(self) -> bool:
        return self.validation.valid and bool(self.changes)


def draft_state(course: Course, draft: Draft) -> DraftState:
    validation = validate(draft.files, course.slug)
    changes = changing.between(published_ramp(course), validation.course) if validation.valid else None
    return DraftState(course, draft, validation, changes)


def last_version(course: Course) -> PublishedVersion | None:
    return course.versions.select_related("published_by").first()


def versions(course: Course) -> list[PublishedVersion]:
    return list(course.versions.select_related("published_by"))


def next_version_number(course: Course) -> int:
    last = PublishedVersion.objects.filter(course=course).order_by("-number").first()
    return last.number + 1 if last else 1


@dataclass(frozen=True)
class DashboardRow:
    course: Course
    state: DraftState | None  # None: no draft started; the course is as published
    version: PublishedVersion | None
    published: bool  # learners can see the course


def dashboard(courses) -> list[DashboardRow]:
    drafts = {draft.course_id: draft for draft in Draft.objects.filter(course__in=courses)}
    return [
        DashboardRow(
            course=course,
            state=draft_state(course, drafts[course.id]) if course.id in drafts else None,
            version=last_version(course),
            published=course.kcs.filter(archived=False).exists(),
        )
        for course in courses
    ]


def draft_ramp(files: dict[str, str]) -> list[str]:
    """The KC ids course.toml's ramp names, as far as it parses."""
    ramp = course_meta(files).get("ramp")
    return [kc for kc in ramp if isinstance(kc, str)] if isinstance(ramp, list) else []
