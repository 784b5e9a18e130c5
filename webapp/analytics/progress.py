"""A learner's own progress in a course: the mastery map, their eurekas, their active time, what is next.

Read in a fixed number of queries whatever the length of the learner's log: the mastery
map's (webapp.learning.selectors.mastery_map), one for the learner's events in the course
and one for the KCs' names. Eurekas and active seconds come from the same functions of
analytics/ as the faculty dashboard's, over the learner's events alone.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from analytics import Rate, eurekas, eurekas_per_second
from content import ramp
from content.graph_svg import Mark, course_svg
from webapp.analytics import rollups
from webapp.analytics.models import LearningEvent
from webapp.learning import selectors
from webapp.learning.models import Course, Enrollment

# Fills by P(mastered) for a KC not mastered: (below this, fill, what the legend says); light
# to mid blue, so the dark label stays readable on every fill. Mastered KCs are green.
SHADES = (
    (0.2, "#f7fbff", "under 20%"),
    (0.4, "#deebf7", "20% to 39%"),
    (0.6, "#c6dbef", "40% to 59%"),
    (0.8, "#9ecae1", "60% to 79%"),
    (1.01, "#6baed6", "80% or more, not yet mastered"),
)
MASTERED_FILL = "#74c476"
NEXT_STROKE = "#c2410c"  # the frontier's boxes: what to learn next


@dataclass(frozen=True)
class EurekaRow:
    kc_slug: str
    kc_title: str
    at: datetime


@dataclass(frozen=True)
class Progress:
    mastery: list[selectors.MasteryRow]  # ramp order
    eurekas: list[EurekaRow]  # time order
    rate: Rate  # all eurekas over all active seconds
    next_kcs: list  # ramp.KC on the frontier (not mastered, prerequisites mastered)
    placing: bool  # the placement probe has not ended
    map_svg: str

    @property
    def active_minutes(self) -> float:
        return round(self.rate.seconds / 60, 1)

    @property
    def eurekas_per_hour(self) -> float | None:
        per_hour = self.rate.per_hour
        return None if per_hour is None else round(per_hour, 1)


def legend() -> list[tuple[str, str]]:
    """(fill, meaning) for each colour of the map, as the page's legend shows them."""
    return [(fill, label) for _, fill, label in SHADES] + [(MASTERED_FILL, "mastered")]


def fill_for(row: selectors.MasteryRow) -> str:
    if row.state == "mastered":
        return MASTERED_FILL
    return next(fill for below, fill, _ in SHADES if row.p_mastered < below)


STATES = {"mastered": "mastered", "learning": "next to learn", "locked": "locked until its prerequisites are mastered"}


def mark_for(row: selectors.MasteryRow) -> Mark:
    note = f"Your P(mastered): {row.percent}%, {STATES[row.state]}"
    if row.state == "learning":
        return Mark(fill=fill_for(row), badge=f"{row.percent}%", note=note, stroke=NEXT_STROKE, stroke_width=3)
    return Mark(fill=fill_for(row), badge=f"{row.percent}%", note=note)


def progress(learner, course: Course, enrollment: Enrollment) -> Progress:
    mastery = selectors.mastery_map(learner, course)
    rows = LearningEvent.objects.filter(course=course, learner=learner).values_list(*rollups.COLUMNS)
    events = rollups.records(rows)
    threshold = course.mastery_threshold
    names = {pk: (slug, title) for pk, slug, title in course.kcs.values_list("id", "slug", "title")}
    found = [
        EurekaRow(*names[eureka.kc], datetime.fromtimestamp(eureka.at, UTC))
        for eureka in eurekas(events, threshold=threshold)
    ]
    rate = eurekas_per_second(events, threshold=threshold).get(learner.pk, Rate())
    course_data = _ramp_of(mastery, course)
    svg = course_svg(
        course_data,
        {row.kc.id: mark_for(row) for row in mastery},
        note="Each box is coloured by your P(mastered) of it (see the legend), with the percentage "
        "on its corner; boxes outlined thick and orange are what to learn next.",
    )
    return Progress(
        mastery=mastery,
        eurekas=found,
        rate=rate,
        next_kcs=[row.kc for row in mastery if row.state == "learning"],
        placing=enrollment.placed_at is None,
        map_svg=svg,
    )


def _ramp_of(mastery: list[selectors.MasteryRow], course: Course) -> ramp.Course:
    """The course's graph as content.ramp.Course, from the KCs the mastery map already read."""
    return ramp.Course(id=course.slug, title=course.title, description="", kcs=tuple(row.kc for row in mastery))
