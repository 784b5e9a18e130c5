"""Daily rollups: refreshed batch by batch they equal a rebuild from scratch, and agree with analytics/."""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model

import analytics
from tests.webapp.conftest import answer
from webapp.analytics import rollups
from webapp.analytics.models import DailyCalibrationRollup, DailyKCRollup, LearningEvent
from webapp.learning import explanations, placement, services
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
    """The learner works through the items in order (mostly right, some hints), at the times of a
    clock that moves on by a random gap before each action; returns the clock at the end."""
    clock = start
    slugs = list(ITEMS)
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock):
        for step in range(actions):
            clock += timedelta(seconds=rng.choice(GAPS))
            item = course.items.get(slug=slugs[min(step // 7, len(slugs) - 1)])
            if rng.random() < 0.1:
                explanations.ask_hint(learner=learner, item=item)
            else:
                answer(learner, item, ITEMS[item.slug] if rng.random() < 0.8 else "7")
    return clock


def tables(course) -> tuple[dict, dict]:
    """The course's rollup rows, per KC and day and per calibration bin: exact counts, then a float sum."""
    kcs = {
        (r.kc_id, r.day): (r.answers, r.correct, r.eurekas, r.stuck_episodes, r.served, r.in_band, r.active_seconds)
        for r in DailyKCRollup.objects.filter(course=course)
    }
    bins = {
        (r.day, r.bin): (r.answers, r.correct, r.predicted_sum)
        for r in DailyCalibrationRollup.objects.filter(course=course)
    }
    return kcs, bins


def assert_same(found: tuple[dict, dict], expected: tuple[dict, dict]):
    for table, other in zip(found, expected):
        assert table.keys() == other.keys()
        for key, values in other.items():
            assert table[key][:-1] == values[:-1], key
            assert table[key][-1] == pytest.approx(values[-1], abs=1e-6), key


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
    kc_rows, bin_rows = rebuilt
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
    assert rollups.refresh(course) == 0 and tables(course) == ({}, {})
