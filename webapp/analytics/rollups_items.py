"""The rollups per item and per eureka, kept by `webapp.analytics.rollups.refresh` and `rebuild`.

- Daily item rollups (analytics.ItemStats per item and UTC day of the answer): additive,
  so refresh adds the difference each recomputed learner makes, as for the KC rollups.
- Times to eureka (analytics.times_to_eureka), a row per (learner, KC): a median does not
  add up, so refresh replaces the rows of each learner it recomputes.
- Discrimination (analytics.items): a correlation over learners does not add up either, so
  every refresh recomputes it for the whole course from one SQL aggregate over the answered
  events (the per learner and item counts, then the sums analytics.Moments needs), a few
  seconds at a million answers.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import connection
from django.db.models import Case, Value, When

from analytics import AnswerUse, Event, ItemStats, Moments, answer_uses, times_to_eureka
from webapp.analytics.models import EurekaTime, ItemDiscrimination, LearningEvent
from webapp.learning.models import Course

ITEM_FIELDS = ("answers", "correct", "placement_answers", "timed", "seconds", "hinted", "explained")


def item_totals(events: list[Event]) -> dict[tuple, dict[str, float]]:
    """The item rollup numbers of the events (of one learner or many), per (item, day of the answer)."""
    uses: dict[tuple, list[AnswerUse]] = defaultdict(list)
    for use in answer_uses(events):
        uses[use.answer.item, _day(use.answer.at)].append(use)
    found = {}
    for key, group in uses.items():
        stats = ItemStats.of(group)
        found[key] = {field: getattr(stats, field) for field in ITEM_FIELDS}
    return found


def eureka_rows(course: Course, events: list[Event]) -> list[EurekaTime]:
    """The events' times to eureka, as unsaved rows."""
    return [
        EurekaTime(course=course, learner_id=time.learner, kc_id=time.kc, day=_day(time.at), seconds=time.seconds)
        for time in times_to_eureka(events, threshold=course.mastery_threshold)
    ]


def replace_eureka_times(course: Course, rows: Iterable[EurekaTime], *, learners: Iterable | None = None) -> None:
    """Put `rows` in place of the course's rows (of `learners` only, when given)."""
    old = EurekaTime.objects.filter(course=course)
    if learners is not None:
        old = old.filter(learner_id__in=list(learners))
    old.delete()
    EurekaTime.objects.bulk_create(rows)


def replace_discrimination(course: Course, upto: int) -> None:
    """Recompute every item's discrimination from the course's answered events with ids up to `upto`."""
    ItemDiscrimination.objects.filter(course=course).delete()
    ItemDiscrimination.objects.bulk_create(
        ItemDiscrimination(course=course, item_id=item, learners=moments.n, discrimination=moments.correlation)
        for item, moments in sorted(discrimination_moments(course, upto).items())
    )


def discrimination_moments(course: Course, upto: int) -> dict[int, Moments]:
    """Per item, the sums of (x, y) over learners (analytics.discrimination's pairs), in one query.

    The innermost query, the tutor's answers as (learner, KC, item, right or not), is the ORM's (it
    knows how each database reads the JSON result) and leaves the JSON behind before anything is
    sorted or grouped; the rest is plain SQL: per (learner, KC, item) and per (learner, KC) the
    answers and right ones, then each item's sums."""
    answers = (
        LearningEvent.objects.filter(course=course, verb=LearningEvent.Verb.ANSWERED, id__lte=upto)
        .exclude(result__placement=True)
        .order_by()
        .values("learner_id", "kc_id", "item_id")
        .annotate(correct=Case(When(result__correct=True, then=Value(1)), default=Value(0)))
    )
    answers_sql, params = answers.query.sql_with_params()
    sql = f"""
        WITH per_item AS (
            SELECT learner_id, kc_id, item_id, COUNT(*) AS n, SUM(correct) AS c
            FROM ({answers_sql}) answers GROUP BY learner_id, kc_id, item_id
        ),
        per_kc AS (SELECT learner_id, kc_id, SUM(n) AS n, SUM(c) AS c FROM per_item GROUP BY learner_id, kc_id),
        pairs AS (
            SELECT i.item_id, CAST(i.c AS FLOAT) / i.n AS x, CAST(k.c - i.c AS FLOAT) / (k.n - i.n) AS y
            FROM per_item i JOIN per_kc k ON k.learner_id = i.learner_id AND k.kc_id = i.kc_id
            WHERE k.n > i.n
        )
        SELECT item_id, COUNT(*), SUM(x), SUM(y), SUM(x * x), SUM(y * y), SUM(x * y) FROM pairs GROUP BY item_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {item: Moments(n, *map(float, sums)) for item, n, *sums in cursor.fetchall()}


def _day(at: float):
    return datetime.fromtimestamp(at, UTC).date()
