"""A learner's standing in a course, read once per request: what serving an item and the
mastery sidebar both need.

Per KC the learner has met: their belief (faded to now), whether they mastered it once,
their ability offsets (drifted to now) and their last answer on it, from their Mastery rows.
The count of answers they have given in the course, the clock that forgetting runs on, is
the sum of those rows' `responses` (record_answer counts each answer on its KC's row in the
answer's transaction), so it needs no query of its own. To choose an item the tutor also
needs how often they answered each item and their last few answers.

Each of these was once a query of its own, some read twice a page: about 20 queries for
the next item. They are now three, written in SQL: on this hot path (every request of every
learner, benchmarks/load.py) Django's ORM spent more CPU building the queries than the
database spent running them (4.8 ms against about 0.3 for the Mastery rows with their last
answers). The SQL is plain enough for both PostgreSQL and SQLite.
"""

import json
from dataclasses import dataclass

from django.db import connection

from content import ramp
from learner_model import bkt
from learner_model.proficiency import KCAbility
from tutor.loop import STUCK_WINDOW, is_certain
from webapp.learning.models import Course, Item, KnowledgeComponent, Mastery, Response

MASTERY, KC, RESPONSE, ITEM = (model._meta.db_table for model in (Mastery, KnowledgeComponent, Response, Item))

_MASTERY_ROWS = f"""
    SELECT kc.slug, m.belief, m.step, kc.forget, m.once_mastered, m.ability, m.responses {{last_answers}}
    FROM {MASTERY} m JOIN {KC} kc ON kc.id = m.kc_id {{joins}}
    WHERE m.learner_id = %s AND kc.course_id = %s
"""
MASTERY_ROWS = _MASTERY_ROWS.format(last_answers="", joins="")
# Each KC's last answer, joined by its id: one probe of index response_learner_kc_last per row.
MASTERY_ROWS_WITH_LAST_ANSWERS = _MASTERY_ROWS.format(
    last_answers=", i.slug, r.correct",
    joins=f"""
    LEFT JOIN {RESPONSE} r ON r.id = (
        SELECT last.id FROM {RESPONSE} last WHERE last.learner_id = m.learner_id AND last.kc_id = m.kc_id
        ORDER BY last.answered_at DESC, last.id DESC LIMIT 1
    )
    LEFT JOIN {ITEM} i ON i.id = r.item_id""",
)
TIMES_ANSWERED = f"""
    SELECT i.slug, COUNT(*) FROM {RESPONSE} r JOIN {ITEM} i ON i.id = r.item_id
    WHERE r.learner_id = %s AND i.course_id = %s GROUP BY i.slug
"""
LAST_ANSWERS = f"""
    SELECT kc.slug, i.slug, r.correct, r.placement FROM {RESPONSE} r
    JOIN {ITEM} i ON i.id = r.item_id JOIN {KC} kc ON kc.id = r.kc_id
    WHERE r.learner_id = %s AND i.course_id = %s ORDER BY r.answered_at DESC, r.id DESC LIMIT %s
"""


@dataclass(frozen=True)
class KCState:
    belief: float  # log-odds of mastery, faded by forgetting to now
    once_mastered: bool
    ability: KCAbility  # drifted to now
    last_item: str | None = None  # slug of the learner's last answer on the KC (read only to choose)
    last_correct: bool | None = None


@dataclass(frozen=True)
class LearnerState:
    answers_given: int
    kcs: dict[str, KCState]  # by KC slug: the KCs with a Mastery row (answered, or placed)
    # What choosing an item needs beside (read with `to_choose`; None otherwise):
    times_answered: dict[str, int] | None = None  # by item slug
    recent: list[tuple[str, bool]] | None = None  # the last practice answers as (KC slug, right), oldest first
    last_item_slug: str | None = None  # the item of the learner's last answer, placement included

    @property
    def to_choose(self) -> bool:
        return self.times_answered is not None

    @property
    def beliefs(self) -> dict[str, float]:
        return {slug: kc.belief for slug, kc in self.kcs.items()}

    @property
    def once_mastered(self) -> set[str]:
        return {slug for slug, kc in self.kcs.items() if kc.once_mastered}

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


def read(learner, course: Course, *, to_choose: bool = True) -> LearnerState:
    """The learner's state in `course`: one query for the mastery sidebar; with `to_choose`,
    three, with what choosing the next item needs (each KC's last answer, the times each item
    was answered, the last answers)."""
    with connection.cursor() as cursor:
        cursor.execute(MASTERY_ROWS_WITH_LAST_ANSWERS if to_choose else MASTERY_ROWS, [learner.pk, course.pk])
        rows = cursor.fetchall()
        now = sum(row[6] for row in rows)
        kcs = {row[0]: _kc_state(row, now) for row in rows}
        if not to_choose:
            return LearnerState(answers_given=now, kcs=kcs)
        cursor.execute(TIMES_ANSWERED, [learner.pk, course.pk])
        times = dict(cursor.fetchall())
        # The last STUCK_WINDOW answers, of which the stuck rule looks at the practice ones.
        cursor.execute(LAST_ANSWERS, [learner.pk, course.pk, STUCK_WINDOW])
        last = cursor.fetchall()
    recent = [(kc, bool(right)) for kc, _, right, placement in reversed(last) if not placement]
    return LearnerState(now, kcs, times, recent, last[0][1] if last else None)


def _kc_state(row: tuple, now: int) -> KCState:
    _, belief, step, forget, once, stored_ability, _, *last = row
    stored_ability = json.loads(stored_ability) if isinstance(stored_ability, str) else stored_ability
    ability = (KCAbility.from_list(stored_ability) if stored_ability else KCAbility()).drift(now - step)
    last_item, last_correct = last or (None, None)
    return KCState(
        belief=bkt.fade(belief, now - step, forget),
        once_mastered=bool(once),
        ability=ability,
        last_item=last_item,
        last_correct=None if last_correct is None else bool(last_correct),
    )
