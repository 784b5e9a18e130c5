"""Daily rollups: per (course, KC, day) answers, right answers, eurekas, active seconds, stuck
episodes, bounces and answers in the target band; per (course, day, bin) the tutor's
calibration; and the item rollups, times to eureka and discrimination of
webapp.analytics.rollups_items.

The numbers come from the pure functions of analytics/ over the learning events (turned
into analytics.Answer and analytics.PageEvent records); days are UTC days, and active
seconds are cut at midnight as analytics.active_seconds_by_day cuts them.

Two ways to keep them:

- `rebuild(course)` deletes the course's rollups and computes them from all its events,
  in one transaction.
- `refresh(course)` reads only what changed since its watermark (the last event id it
  read). A learner's numbers depend on more than their new events: an event's active
  seconds on the gap since the learner's previous event (which may lie on the day
  before), a eureka on every earlier answer on the KC (a KC settled once gives none
  again). So refresh recomputes, for each learner with new events, that learner's totals
  from all their events with and without the new ones, and adds the difference to the
  rows. Every total is a sum over learners, so the rows stay equal to a rebuild's (up to
  float rounding of the seconds). The cost is the history of the learners active since
  the last refresh, not the course's. Calibration depends on each answer alone: its
  rows just add the new answers. A session counts as ended (for bounces) at its last
  event so far; if the learner comes back within 30 minutes, the refresh that reads their
  return takes the bounce away again, as a rebuild would.

Both read only events older than `LAG`: ids are handed out at insert and become visible
at commit, so a young event with a small id may still be uncommitted while a larger one
is visible; skipping past it would lose it for good. An answer's transaction lasts well
under a second, so events older than `LAG` have all committed.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import BooleanField, FloatField, Max, QuerySet, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Extract
from django.utils import timezone

from analytics import (
    Answer,
    Event,
    PageEvent,
    active_spans,
    bounces,
    calibration,
    eurekas,
    sort_key,
    stuck_episodes,
)
from analytics.active import span_days
from webapp.analytics import rollups_items
from webapp.analytics.models import (
    DailyCalibrationRollup,
    DailyItemRollup,
    DailyKCRollup,
    LearningEvent,
    RollupWatermark,
)
from webapp.learning.models import Course

LAG = timedelta(minutes=5)
FIELDS = ("answers", "correct", "eurekas", "active_seconds", "stuck_episodes", "served", "in_band", "bounces")
PAGE_VERBS = (LearningEvent.Verb.HINTED, LearningEvent.Verb.ASKED, LearningEvent.Verb.EXPLAINED)
COLUMNS = ("id", "learner_id", "timestamp", "verb", "kc_id", "item_id", "result")

Totals = dict[tuple, dict[str, float]]  # (kc id, day), (item id, day) or (day, bin) -> field -> value


def refresh(course: Course) -> int:
    """Add the events since the watermark to the course's rollups; returns how many were read.
    Running it twice, or at once in two workers (the watermark row is locked), adds nothing twice."""
    with transaction.atomic():
        mark = _watermark(course)
        upto = _readable_until(course, after=mark.last_event_id)
        if upto is None:
            return 0
        fresh = LearningEvent.objects.filter(course=course, id__gt=mark.last_event_id, id__lte=upto)
        learners = set(fresh.values_list("learner_id", flat=True))
        delta: Totals = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
        item_delta: Totals = defaultdict(lambda: dict.fromkeys(rollups_items.ITEM_FIELDS, 0))
        eureka_times = []
        for learner in sorted(learners):
            rows = history(course, learner, upto)
            now, before = records(rows), records([row for row in rows if row[0] <= mark.last_event_id])
            _add(delta, totals(now, course), +1)
            _add(delta, totals(before, course), -1)
            _add(item_delta, rollups_items.item_totals(now), +1)
            _add(item_delta, rollups_items.item_totals(before), -1)
            eureka_times += rollups_items.eureka_rows(course, now)
        _save_changes(DailyKCRollup, course, ("kc_id", "day"), delta)
        _save_changes(DailyItemRollup, course, ("item_id", "day"), item_delta)
        rollups_items.replace_eureka_times(course, eureka_times, learners=learners)
        rollups_items.replace_discrimination(course, upto)
        _save_changes(
            DailyCalibrationRollup, course, ("day", "bin"), calibration_totals(records(fresh.values_list(*COLUMNS)))
        )
        # A late event can take a eureka or seconds away from a day: drop rows left empty.
        DailyKCRollup.objects.filter(
            course=course, answers=0, eurekas=0, stuck_episodes=0, bounces=0, active_seconds__lt=1e-6
        ).delete()
        read = fresh.count()
        mark.last_event_id = upto
        mark.save()
        return read


def rebuild(course: Course) -> None:
    """Recompute the course's rollups from all its events, in one transaction."""
    with transaction.atomic():
        mark = _watermark(course)
        upto = _readable_until(course, after=0) or 0
        events = stored_records(LearningEvent.objects.filter(course=course, id__lte=upto))
        DailyKCRollup.objects.filter(course=course).delete()
        DailyKCRollup.objects.bulk_create(
            DailyKCRollup(course=course, kc_id=kc, day=day, **values)
            for (kc, day), values in sorted(totals(events, course).items())
        )
        DailyCalibrationRollup.objects.filter(course=course).delete()
        DailyCalibrationRollup.objects.bulk_create(
            DailyCalibrationRollup(course=course, day=day, bin=index, **values)
            for (day, index), values in sorted(calibration_totals(events).items())
        )
        DailyItemRollup.objects.filter(course=course).delete()
        DailyItemRollup.objects.bulk_create(
            DailyItemRollup(course=course, item_id=item, day=day, **values)
            for (item, day), values in sorted(rollups_items.item_totals(events).items())
        )
        rollups_items.replace_eureka_times(course, rollups_items.eureka_rows(course, events))
        rollups_items.replace_discrimination(course, upto)
        mark.last_event_id = upto
        mark.save()


def history(course: Course, learner: int, upto: int) -> list[tuple]:
    """All of a learner's events in the course with ids up to `upto`, as rows of COLUMNS."""
    return list(LearningEvent.objects.filter(course=course, learner_id=learner, id__lte=upto).values_list(*COLUMNS))


def records(rows: Iterable[tuple]) -> list[Event]:
    """Learning events (rows of COLUMNS) as the records analytics/ reads, grouped by learner and in
    time order (ties in the order of the rows). `mastered` events are left out: analytics.eurekas
    finds them again in the answers."""
    found: list[Event] = []
    for _, learner, timestamp, verb, kc, item, result in rows:
        answer = None
        if verb == LearningEvent.Verb.ANSWERED:
            fields = ("correct", "predicted", "p_before", "p_after")
            answer = (*(result[name] for name in fields), result.get("seconds"), result.get("placement", False))
        _add_record(found, learner, timestamp.timestamp(), verb, kc, item, answer)
    return sorted(found, key=sort_key)


def _add_record(found: list[Event], learner, at: float, verb: str, kc, item, answer: tuple | None) -> None:
    """Append the record of one event; `answer` holds an answer's (correct, predicted, p_before,
    p_after, seconds, placement)."""
    if verb == LearningEvent.Verb.ANSWERED:
        correct, predicted, p_before, p_after, seconds, placement = answer
        found.append(
            Answer(
                learner=learner,
                at=at,
                kc=kc,
                item=item,
                correct=correct,
                predicted=predicted,
                p_before=p_before,
                p_after=p_after,
                seconds=seconds,
                placement=placement,
            )
        )
    elif verb in PAGE_VERBS:
        found.append(PageEvent(learner=learner, at=at, kind=verb, kc=kc, item=item))


# What `records` reads of each event, extracted by the database: a million events load about
# three times faster than through values_list(*COLUMNS), whose every row has its JSON result
# decoded and its timestamp parsed in Python.
EXTRACTED = dict(
    at=Cast(Extract("timestamp", "epoch"), FloatField()),
    correct=Cast(KT("result__correct"), BooleanField()),
    predicted=Cast(KT("result__predicted"), FloatField()),
    p_before=Cast(KT("result__p_before"), FloatField()),
    p_after=Cast(KT("result__p_after"), FloatField()),
    seconds=Cast(KT("result__seconds"), FloatField()),
    placement=Coalesce(Cast(KT("result__placement"), BooleanField()), Value(False)),
)


def stored_records(events: QuerySet) -> list[Event]:
    """`records` of the learning events of `events`, the same records, read faster (see EXTRACTED)."""
    names = ("learner_id", "at", "verb", "kc_id", "item_id", *list(EXTRACTED)[1:])
    found: list[Event] = []
    for learner, at, verb, kc, item, *answer in events.annotate(**EXTRACTED).values_list(*names).iterator(10_000):
        _add_record(found, learner, at, verb, kc, item, answer)
    return sorted(found, key=sort_key)


def totals(events: list[Event], course: Course) -> Totals:
    """The per-KC rollup numbers of the events (of one learner or many), per (KC, day)."""
    found: Totals = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    answers = defaultdict(list)
    for event in events:
        if isinstance(event, Answer):
            answers[event.kc, _day(event.at)].append(event)
    for key, group in answers.items():
        served = calibration(group, band=(course.band_low, course.band_high))
        found[key].update(answers=len(group), correct=sum(a.correct for a in group))
        found[key].update(served=served.answers, in_band=served.in_band)
    for eureka in eurekas(events, threshold=course.mastery_threshold):
        found[eureka.kc, _day(eureka.at)]["eurekas"] += 1
    for episode in stuck_episodes(events, threshold=course.mastery_threshold):
        found[episode.kc, _day(episode.first_at)]["stuck_episodes"] += 1
    for bounce in bounces(events, band=(course.band_low, course.band_high)):
        found[bounce.kc, _day(bounce.at)]["bounces"] += 1
    for span in active_spans(events):
        if span.kc is not None:
            for day, seconds in span_days(span):
                found[span.kc, day]["active_seconds"] += seconds
    return found


def calibration_totals(events: list[Event]) -> Totals:
    """The calibration bins of the events' answers, per (day, bin); empty bins left out."""
    by_day = defaultdict(list)
    for event in events:
        if isinstance(event, Answer):
            by_day[_day(event.at)].append(event)
    found: Totals = {}
    for day, answers in by_day.items():
        for index, part in enumerate(calibration(answers).bins):
            if part.count:
                found[day, index] = {
                    "answers": part.count,
                    "predicted_sum": part.predicted_sum,
                    "correct": part.correct,
                }
    return found


def _day(at: float) -> date:
    return datetime.fromtimestamp(at, UTC).date()


def _add(into: Totals, found: Totals, sign: int) -> None:
    for key, values in found.items():
        for field, value in values.items():
            into[key][field] += sign * value


def _save_changes(model, course: Course, key_names: tuple[str, str], changes: Totals) -> None:
    """Add each change to its row of `model` (made if missing), keyed by `key_names`."""
    for key, change in changes.items():
        if not any(change.values()):
            continue  # a learner's day that their new events left as it was
        row, _ = model.objects.select_for_update().get_or_create(course=course, **dict(zip(key_names, key)))
        for field, value in change.items():
            setattr(row, field, getattr(row, field) + value)
        row.save()


def _watermark(course: Course) -> RollupWatermark:
    """The course's watermark row, locked: refreshes and rebuilds of one course run one at a time."""
    RollupWatermark.objects.get_or_create(course=course)
    return RollupWatermark.objects.select_for_update().get(course=course)


def _readable_until(course: Course, *, after: int) -> int | None:
    """The largest id past `after` that is safe to read up to (see LAG), or None if nothing new is."""
    old_enough = LearningEvent.objects.filter(course=course, id__gt=after, timestamp__lte=timezone.now() - LAG)
    return old_enough.aggregate(Max("id"))["id__max"]
