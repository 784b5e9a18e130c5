"""Rollups (daily per KC, per item and per calibration bin; times to eureka; discrimination):
refreshed batch by batch they equal a rebuild from scratch, and agree with analytics/."""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model

import analytics
from tests.webapp.conftest import answer
from webapp.analytics import rollups
from webapp.analytics.models import (
    DailyCalibrationRollup,
    DailyItemRollup,
    DailyKCRollup,
    EurekaTime,
    ItemDiscrimination,
    LearningEvent,
)
from webapp.learning import explanations, placement, services
from webapp.learning.models import Enrollment
from workers.tasks import refresh_rollups

ITEMS = {  # item -> its right answer, in ramp order
    "counting-letters": "4",
    "counting-pairs": "3",
    "adding-small": "5",
    "adding-half": "0.5",
    "multiplying-small": "12",
    "multiplying-zero": "0",
}
GAPS = [20, 45, 90, 200, 400, 2500, 9 * 3600]  # seconds between a learner's actions: some idle, some a new session


def study(course, learner, start: datetime, actions: int, rng: random.Random) -> datetime:
    """The learner works through the items in order (mostly right, some hints and questions), at
    the times of a clock that moves on by a random gap before each action; most answers are to the
    item served some seconds before (timed), the others untimed. Returns the clock at the end."""
    clock = start
    slugs = list(ITEMS)
    serving = random.Random(rng.random())  # its own draws: the draws of `rng` stay as they were
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock):
        for step in range(actions):
            clock += timedelta(seconds=rng.choice(GAPS))
            item = course.items.get(slug=slugs[min(step // 7, len(slugs) - 1)])
            if serving.random() < 0.7:
                shown = clock - timedelta(seconds=serving.choice([3, 25, 80, 400]))
                Enrollment.objects.filter(learner=learner, course=course).update(current_item=item, served_at=shown)
            if rng.random() < 0.1:
                explanations.ask_hint(learner=learner, item=item)
            elif serving.random() < 0.05:
                explanations.ask_question(learner=learner, item=item, question="Why?")
            else:
                answer(learner, item, ITEMS[item.slug] if rng.random() < 0.8 else "7")
    return clock


def tables(course) -> tuple[dict, ...]:
    """The course's rollup rows, per KC and day, per calibration bin, per item and day, per eureka and
    per item's discrimination: exact values, then one float (None where it is)."""
    kcs = {
        (r.kc_id, r.day): (
            r.answers,
            r.correct,
            r.eurekas,
            r.stuck_episodes,
            r.served,
            r.in_band,
            r.bounces,
            r.active_seconds,
        )
        for r in DailyKCRollup.objects.filter(course=course)
    }
    bins = {
        (r.day, r.bin): (r.answers, r.correct, r.predicted_sum)
        for r in DailyCalibrationRollup.objects.filter(course=course)
    }
    items = {
        (r.item_id, r.day): (r.answers, r.correct, r.placement_answers, r.timed, r.hinted, r.explained, r.seconds)
        for r in DailyItemRollup.objects.filter(course=course)
    }
    times = {(r.learner_id, r.kc_id): (r.day, r.seconds) for r in EurekaTime.objects.filter(course=course)}
    discrimination = {
        r.item_id: (r.learners, r.discrimination) for r in ItemDiscrimination.objects.filter(course=course)
    }
    return kcs, bins, items, times, discrimination


def assert_same(found: tuple[dict, ...], expected: tuple[dict, ...]):
    assert len(found) == len(expected)
    for table, other in zip(found, expected):
        assert table.keys() == other.keys()
        for key, values in other.items():
            assert table[key][:-1] == values[:-1], key
            assert table[key][-1] == pytest.approx(values[-1], abs=1e-6), key


def vars_of(stats: analytics.ItemStats) -> dict:
    return {field: getattr(stats, field) for field in rollups.rollups_items.ITEM_FIELDS}


@pytest.fixture
def learners(course):
    made = []
    for name in ("ada", "bo", "cy"):
        learner = get_user_model().objects.create_user(username=f"{name}-r", password="a-long-passphrase-here")
        placement.skip(enrollment=services.enroll(learner=learner, course=course))
        made.append(learner)
    return made


def test_refreshed_rollups_equal_a_rebuild_and_the_analytics_functions(course, learners):
    rng = random.Random(7)
    ada, bo, cy = learners
    day1 = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)  # late evening: sessions cross midnight
    # Batches as a worker would see them, refreshed in between; bo's first batch comes in
    # after ada has reached later days, so a refresh meets events older than its last one.
    ada_at = study(course, ada, day1, 25, rng)
    assert rollups.refresh(course) > 0
    bo_at = study(course, bo, day1 + timedelta(hours=1), 20, rng)
    ada_at = study(course, ada, ada_at, 20, rng)
    rollups.refresh(course)
    study(course, cy, day1 + timedelta(days=1), 30, rng)
    study(course, bo, bo_at, 25, rng)
    rollups.refresh(course)
    study(course, ada, ada_at, 10, rng)
    rollups.refresh(course)
    incremental = tables(course)

    assert rollups.refresh(course) == 0 and refresh_rollups(course.id) == 0  # nothing new: nothing added
    assert tables(course) == incremental
    rollups.rebuild(course)
    rebuilt = tables(course)
    assert_same(incremental, rebuilt)
    kc_rows, bin_rows, item_rows, time_rows, discrimination_rows = rebuilt
    assert len({day for _, day in kc_rows}) >= 3

    events = rollups.records(LearningEvent.objects.values_list(*rollups.COLUMNS))
    eurekas = defaultdict(int)
    for eureka in analytics.eurekas(events, threshold=course.mastery_threshold):
        eurekas[eureka.kc, datetime.fromtimestamp(eureka.at, UTC).date()] += 1
    assert sum(eurekas.values()) >= 3
    assert {key: values[2] for key, values in kc_rows.items() if values[2]} == dict(eurekas)
    assert sum(eurekas.values()) == LearningEvent.objects.filter(verb=LearningEvent.Verb.MASTERED).count()
    assert sum(values[-1] for values in kc_rows.values()) == pytest.approx(
        sum(analytics.active_seconds(events).values())
    )
    band = (course.band_low, course.band_high)
    bounced = defaultdict(int)
    for bounce in analytics.bounces(events, band=band):
        bounced[bounce.kc, datetime.fromtimestamp(bounce.at, UTC).date()] += 1
    assert {key: values[6] for key, values in kc_rows.items() if values[6]} == dict(bounced)

    per_item = defaultdict(analytics.ItemStats)
    for (item, _), (answers, correct, placed, timed, hinted, explained, seconds) in item_rows.items():
        per_item[item] += analytics.ItemStats(answers, correct, placed, timed, seconds, hinted, explained)
    stats = analytics.item_stats(events)
    assert per_item.keys() == stats.keys()
    for item, expected in stats.items():
        found = per_item[item]
        assert found.seconds == pytest.approx(expected.seconds)
        assert found == analytics.ItemStats(**{**vars_of(expected), "seconds": found.seconds}), item
    assert sum(s.timed for s in stats.values()) > 10 and sum(s.hinted for s in stats.values()) > 3
    assert 0 < sum(s.explained for s in stats.values()) < sum(s.answers for s in stats.values())

    times = analytics.times_to_eureka(events, threshold=course.mastery_threshold)
    assert len(times) == sum(eurekas.values()) and len(time_rows) == len(times)
    for time in times:
        day, seconds = time_rows[time.learner, time.kc]
        assert day == datetime.fromtimestamp(time.at, UTC).date() and seconds == pytest.approx(time.seconds)

    moments = analytics.discrimination(events)
    assert {item: row[0] for item, row in discrimination_rows.items()} == {item: m.n for item, m in moments.items()}
    assert any(row[1] is not None for row in discrimination_rows.values())
    for item, (_, value) in discrimination_rows.items():
        assert value == (None if moments[item].correlation is None else pytest.approx(moments[item].correlation))
    answers = [e for e in events if isinstance(e, analytics.Answer)]
    assert sum(values[0] for values in kc_rows.values()) == len(answers)
    assert sum(values[1] for values in kc_rows.values()) == sum(a.correct for a in answers)
    whole = analytics.calibration(events, band=(course.band_low, course.band_high))
    assert sum(values[5] for values in kc_rows.values()) == whole.in_band
    for index, bin in enumerate(whole.bins):
        rows = [values for (_, at), values in bin_rows.items() if at == index]
        assert sum(values[0] for values in rows) == bin.count
        assert sum(values[2] for values in rows) == pytest.approx(bin.predicted_sum)


def test_a_rebuild_of_a_course_without_events_is_empty(course):
    rollups.rebuild(course)
    assert rollups.refresh(course) == 0 and tables(course) == ({}, {}, {}, {}, {})


def test_a_refresh_that_reads_only_the_new_events_would_differ_from_a_rebuild(course, learners):
    """The comparison above can fail: a refresh that forgot each learner's history (counting the new
    events alone) leaves other numbers in each of the new tables than a rebuild does."""
    rng = random.Random(7)
    ada, bo, _ = learners
    day1 = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)
    ada_at, bo_at = study(course, ada, day1, 25, rng), study(course, bo, day1, 25, rng)
    letters = course.items.get(slug="counting-letters")
    with mock.patch("django.utils.timezone.now", return_value=ada_at + timedelta(seconds=60)):
        explanations.ask_hint(learner=ada, item=letters)
    rollups.refresh(course)
    with mock.patch("django.utils.timezone.now", return_value=ada_at + timedelta(seconds=90)):
        answer(ada, letters, "4")  # hinted, by a hint the refresh before read
    study(course, ada, ada_at + timedelta(seconds=90), 25, rng)
    study(course, bo, bo_at, 25, rng)
    real = rollups.history

    def forgetful(course, learner, upto):
        mark = rollups.RollupWatermark.objects.get(course=course).last_event_id
        return [row for row in real(course, learner, upto) if row[0] > mark]

    with mock.patch.object(rollups, "history", forgetful):
        rollups.refresh(course)
    broken = tables(course)
    rollups.rebuild(course)
    rebuilt = tables(course)
    for index in (0, 2, 3):  # the KC table (here: seconds, bounces), the items (the hint), the eureka times
        with pytest.raises(AssertionError):
            assert_same((broken[index],), (rebuilt[index],))
