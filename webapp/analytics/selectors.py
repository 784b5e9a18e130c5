"""What the course dashboard shows, read from the daily rollups and the course's KCs only.

Never from the learning events themselves: the rollups are small (a row per KC and day, a
row per calibration bin and day) however long the log grows, so the page stays fast.
Each row's figures are rounded here, once, so the page and its CSV show the same numbers.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Sum

from analytics import Rate
from analytics.calibration import BINS
from webapp.analytics.models import DailyCalibrationRollup, DailyKCRollup, RollupWatermark
from webapp.learning.models import Course, KnowledgeComponent


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

    @property
    def correct_rate(self) -> float | None:
        return share(self.correct, self.answers)

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
    fields = ("answers", "correct", "eurekas", "active_seconds", "stuck_episodes", "served", "in_band")
    summed = {
        row["kc_id"]: row
        for row in DailyKCRollup.objects.filter(course=course)
        .values("kc_id")
        .annotate(**{field: Sum(field) for field in fields})
    }
    rows = []
    for kc in course.kcs.order_by("position"):
        if kc.archived and kc.id not in summed:
            continue
        found = summed.get(kc.id, {})
        rows.append(KCRow(kc=kc, **{field: found.get(field) or 0 for field in fields}))
    return rows


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
