"""What the course dashboard shows, read from the rollups and the course's KCs and items only.

Never from the learning events themselves: the rollups are small (a row per KC and day, per
item and day, per calibration bin and day, per learner's eureka, per item's discrimination)
however long the log grows, so the page stays fast.
Each row's figures are rounded here, once, so the page and its CSV show the same numbers.
"""

from dataclasses import dataclass
from datetime import date, datetime
from statistics import mean

from django.db import connection
from django.db.models import Count, Sum

from analytics import Rate
from analytics.calibration import BINS
from webapp.analytics.models import (
    DailyCalibrationRollup,
    DailyItemRollup,
    DailyKCRollup,
    EurekaTime,
    ItemDiscrimination,
    RollupWatermark,
)
from webapp.learning.models import Course, Item, KnowledgeComponent


def per_hour(eurekas: int, seconds: float) -> float | None:
    """Eurekas per hour of active time (analytics.Rate), rounded; None without active time."""
    rate = Rate(eurekas, seconds).per_hour
    return None if rate is None else round(rate, 2)


def share(part: int, whole: int, digits: int = 3) -> float | None:
    return round(part / whole, digits) if whole else None


class EurekasOverTime:
    """What every row with `eurekas` and `active_seconds` shows of them."""

    eurekas: int
    active_seconds: float

    @property
    def active_minutes(self) -> float:
        return round(self.active_seconds / 60, 1)

    @property
    def eurekas_per_hour(self) -> float | None:
        return per_hour(self.eurekas, self.active_seconds)


@dataclass(frozen=True)
class KCRow(EurekasOverTime):
    """One KC's totals over all days and learners."""

    kc: KnowledgeComponent
    answers: int
    correct: int
    eurekas: int
    active_seconds: float
    stuck_episodes: int
    served: int
    in_band: int
    bounces: int
    median_seconds_to_eureka: float | None  # over the learners' times to eureka (analytics.times_to_eureka)

    @property
    def correct_rate(self) -> float | None:
        return share(self.correct, self.answers)

    @property
    def median_minutes_to_eureka(self) -> float | None:
        seconds = self.median_seconds_to_eureka
        return None if seconds is None else round(seconds / 60, 1)

    @property
    def band_share(self) -> float | None:
        """Of the answers to items the tutor chose, the share predicted inside the target band."""
        return share(self.in_band, self.served)


@dataclass(frozen=True)
class DayRow(EurekasOverTime):
    """One UTC day's eurekas and active seconds, over all KCs and learners."""

    day: date
    eurekas: int
    active_seconds: float


@dataclass(frozen=True)
class BinRow:
    """One calibration bin over all days: answers predicted to succeed with a chance in [low, high)."""

    bin: int
    answers: int
    predicted_sum: float
    correct: int

    @property
    def low(self) -> float:
        return self.bin / BINS  # the rollups keep analytics.calibration's bins

    @property
    def high(self) -> float:
        return (self.bin + 1) / BINS

    @property
    def mean_predicted(self) -> float:
        return round(self.predicted_sum / self.answers, 3)

    @property
    def observed(self) -> float:
        return round(self.correct / self.answers, 3)


def kc_rows(course: Course) -> list[KCRow]:
    """Every KC in ramp order with its totals; an archived KC only where it has rollups."""
    fields = ("answers", "correct", "eurekas", "active_seconds", "stuck_episodes", "served", "in_band", "bounces")
    summed = {
        row["kc_id"]: row
        for row in DailyKCRollup.objects.filter(course=course)
        .values("kc_id")
        .annotate(**{field: Sum(field) for field in fields})
    }
    medians = median_seconds_to_eureka(course)
    rows = []
    for kc in course.kcs.order_by("position"):
        if kc.archived and kc.id not in summed:
            continue
        found = summed.get(kc.id, {})
        median = medians.get(kc.id)
        rows.append(KCRow(kc=kc, median_seconds_to_eureka=median, **{field: found.get(field) or 0 for field in fields}))
    return rows


def median_seconds_to_eureka(course: Course) -> dict[int, float]:
    """Per KC with eurekas, the median of the learners' times to eureka (the mean of the middle
    two when their number is even)."""
    if connection.vendor == "postgresql":
        # One aggregate over the course's rows (a few per learner and KC at most).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT kc_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) "
                f"FROM {EurekaTime._meta.db_table} WHERE course_id = %s GROUP BY kc_id",
                [course.pk],
            )
            return dict(cursor.fetchall())
    # Elsewhere (SQLite, embedded): the middle one or two rows of each KC, read by the index
    # (course, KC, seconds), so no KC's rows are all fetched.
    counts = EurekaTime.objects.filter(course=course).values("kc_id").annotate(n=Count("id")).order_by()
    medians = {}
    for row in counts:
        n = row["n"]
        ordered = EurekaTime.objects.filter(course=course, kc_id=row["kc_id"]).order_by("seconds")
        medians[row["kc_id"]] = mean(ordered.values_list("seconds", flat=True)[(n - 1) // 2 : n // 2 + 1])
    return medians


ITEM_FIELDS = ("answers", "correct", "placement_answers", "timed", "seconds", "hinted", "explained")


@dataclass(frozen=True)
class ItemRow:
    """One item's totals over all days and learners (analytics.items), with its discrimination."""

    item: Item
    answers: int  # served by the tutor; placement answers are counted apart
    correct: int
    placement_answers: int
    timed: int
    seconds: float
    hinted: int
    explained: int
    discrimination: float | None
    discrimination_learners: int

    @property
    def success(self) -> float | None:
        return share(self.correct, self.answers)

    @property
    def mean_seconds(self) -> float | None:
        return round(self.seconds / self.timed, 1) if self.timed else None

    @property
    def hint_share(self) -> float | None:
        return share(self.hinted, self.answers)

    @property
    def explanation_share(self) -> float | None:
        return share(self.explained, self.answers)

    @property
    def discrimination_rounded(self) -> float | None:
        return None if self.discrimination is None else round(self.discrimination, 3)


@dataclass(frozen=True)
class ItemGroup:
    """A KC's items, in the order the KC lists them."""

    kc: KnowledgeComponent
    items: list[ItemRow]


def item_groups(course: Course) -> list[ItemGroup]:
    """Every item under its KC, KCs in ramp order; an archived item only where it has rollups."""
    summed = {
        row["item_id"]: row
        for row in DailyItemRollup.objects.filter(course=course)
        .values("item_id")
        .annotate(**{field: Sum(field) for field in ITEM_FIELDS})
        .order_by()
    }
    discriminations = {row.item_id: row for row in ItemDiscrimination.objects.filter(course=course)}
    groups: dict[int, ItemGroup] = {}
    for item in course.items.select_related("kc").order_by("kc__position", "position", "id"):
        if item.archived and item.id not in summed:
            continue
        found = summed.get(item.id, {})
        known = discriminations.get(item.id)
        row = ItemRow(
            item=item,
            discrimination=known.discrimination if known else None,
            discrimination_learners=known.learners if known else 0,
            **{field: found.get(field) or 0 for field in ITEM_FIELDS},
        )
        groups.setdefault(item.kc_id, ItemGroup(item.kc, [])).items.append(row)
    return list(groups.values())


def day_rows(course: Course) -> list[DayRow]:
    """Each day with rollups, oldest first."""
    days = (
        DailyKCRollup.objects.filter(course=course)
        .values("day")
        .annotate(eurekas=Sum("eurekas"), active_seconds=Sum("active_seconds"))
        .order_by("day")
    )
    return [DayRow(**row) for row in days]


def calibration_rows(course: Course) -> list[BinRow]:
    """The calibration bins that hold answers, lowest prediction first."""
    bins = (
        DailyCalibrationRollup.objects.filter(course=course)
        .values("bin")
        .annotate(answers=Sum("answers"), predicted_sum=Sum("predicted_sum"), correct=Sum("correct"))
        .filter(answers__gt=0)
        .order_by("bin")
    )
    return [BinRow(**row) for row in bins]


def band_share(rows: list[KCRow]) -> float | None:
    """Of all the answers to items the tutor chose, the share predicted inside the target band."""
    return share(sum(row.in_band for row in rows), sum(row.served for row in rows))


def refreshed_at(course: Course) -> datetime | None:
    """When the rollups last read the course's events; None if never."""
    mark = RollupWatermark.objects.filter(course=course).first()
    return mark.refreshed_at if mark else None
