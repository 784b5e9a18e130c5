"""A learner's standing in a course, read once per request: what serving an item and the
mastery sidebar both need.

Per KC the learner has met: their belief (faded to now), whether they mastered it once,
their ability offsets (drifted to now) and their last answer on it. It is one query over
their Mastery rows. The count of answers they have given in the course, the clock that
forgetting runs on, is the sum of those rows' `responses` (record_answer counts each answer
on its KC's row in the answer's transaction), so it needs no query of its own.

Each of these was once a query of its own, and some ran twice a page: about 20 queries for
the next item. Under load (benchmarks/load.py) those round trips were most of a request's
time.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery

from content import ramp
from learner_model import bkt
from learner_model.proficiency import KCAbility
from tutor.loop import is_certain
from webapp.learning.models import Course, Mastery, Response, ability_of


@dataclass(frozen=True)
class KCState:
    belief: float  # log-odds of mastery, faded by forgetting to now
    once_mastered: bool
    ability: KCAbility  # drifted to now
    last_item: str | None  # slug of the learner's last answer on the KC, if any
    last_correct: bool | None
    last_at: datetime | None


@dataclass(frozen=True)
class LearnerState:
    answers_given: int
    kcs: dict[str, KCState]  # by KC slug: the KCs with a Mastery row (answered, or placed)
    with_last_answers: bool = True  # False: read without each KC's last answer (see read)

    @property
    def beliefs(self) -> dict[str, float]:
        return {slug: kc.belief for slug, kc in self.kcs.items()}

    @property
    def once_mastered(self) -> set[str]:
        return {slug for slug, kc in self.kcs.items() if kc.once_mastered}

    @property
    def last_item_slug(self) -> str | None:
        """The item of the learner's last answer in the course."""
        answered = [kc for kc in self.kcs.values() if kc.last_at is not None]
        return max(answered, key=lambda kc: kc.last_at).last_item if answered else None

    def abilities(self, course: ramp.Course) -> dict[str, KCAbility]:
        """Ability offsets for every KC of `course`: the prior where the learner has none yet, as
        the benchmarked tutor has it (a KC left out would get the population's rates instead)."""
        return {kc.id: self.kcs[kc.id].ability if kc.id in self.kcs else KCAbility() for kc in course.kcs}

    def certain(self, course: ramp.Course) -> set[str]:
        """The KCs whose last answer settled that they are mastered (tutor.loop.is_certain)."""
        settled = set()
        for kc in course.kcs:
            mine = self.kcs.get(kc.id)
            item = next((i for i in kc.items if i.id == mine.last_item), None) if mine and mine.last_item else None
            if item is not None and is_certain(course, kc, item, mine.last_correct, mine.belief):
                settled.add(kc.id)
        return settled


def read(learner, course: Course, *, last_answers: bool = True) -> LearnerState:
    """The learner's state in `course`, in one query; without `last_answers` (the sidebar needs
    none) each KC's last answer is left out (None)."""
    columns = ["kc__slug", "belief", "step", "kc__forget", "once_mastered", "ability", "responses"]
    masteries = Mastery.objects.filter(learner=learner, kc__course=course)
    if last_answers:
        # The learner's last answer per KC, found by the database (index response_learner_kc_last):
        # their whole log is not read.
        last = Response.objects.filter(learner=learner, kc=OuterRef("kc")).order_by("-answered_at", "-id")
        masteries = masteries.annotate(
            last_item=Subquery(last.values("item__slug")[:1]),
            last_correct=Subquery(last.values("correct")[:1]),
            last_at=Subquery(last.values("answered_at")[:1]),
        )
        rows = list(masteries.values_list(*columns, "last_item", "last_correct", "last_at"))
    else:
        rows = [(*row, None, None, None) for row in masteries.values_list(*columns)]
    now = sum(row[6] for row in rows)
    kcs = {
        slug: KCState(
            belief=bkt.fade(belief, now - step, forget),
            once_mastered=once,
            ability=ability_of(ability).drift(now - step),
            last_item=last_item,
            last_correct=last_correct,
            last_at=last_at,
        )
        for slug, belief, step, forget, once, ability, _, last_item, last_correct, last_at in rows
    }
    return LearnerState(answers_given=now, kcs=kcs, with_last_answers=last_answers)
