"""Calibration: does predicted success come true, and does the tutor serve items in the band?

Answers to items served by the tutor (placement answers are left out: the probe chooses
items for what they tell, not for the band) fall into `bins` equal-width bins of
predicted success, bin i holding predictions in [i/bins, (i+1)/bins) (the last one
includes 1). Per bin: the count, the mean prediction and the observed rate of right
answers; a calibrated model has the two close in every bin. The share in band is the
share of those answers whose predicted success lies in the target band, ends included.

Counts and sums are kept rather than means, so calibrations add up: a course's is the
sum of its days' (`+`).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from analytics.events import Answer, Event
from analytics.struggle import BAND, check_band

BINS = 10


@dataclass(frozen=True, slots=True)
class Bin:
    low: float
    high: float
    count: int = 0
    predicted_sum: float = 0.0
    correct: int = 0

    @property
    def mean_predicted(self) -> float | None:
        return self.predicted_sum / self.count if self.count else None

    @property
    def observed(self) -> float | None:
        return self.correct / self.count if self.count else None


@dataclass(frozen=True, slots=True)
class Calibration:
    bins: tuple[Bin, ...]
    answers: int
    in_band: int

    @property
    def share_in_band(self) -> float | None:
        return self.in_band / self.answers if self.answers else None

    def __add__(self, other: "Calibration") -> "Calibration":
        if [(b.low, b.high) for b in self.bins] != [(b.low, b.high) for b in other.bins]:
            raise ValueError("only calibrations with the same bins add up")
        bins = tuple(
            Bin(a.low, a.high, a.count + b.count, a.predicted_sum + b.predicted_sum, a.correct + b.correct)
            for a, b in zip(self.bins, other.bins)
        )
        return Calibration(bins, self.answers + other.answers, self.in_band + other.in_band)


def calibration(events: Iterable[Event], *, band: tuple[float, float] = BAND, bins: int = BINS) -> Calibration:
    """The calibration of the tutor's answers among the events (in any order)."""
    check_band(band)
    if bins < 1:
        raise ValueError(f"need at least one bin, got bins={bins!r}")
    low, high = band
    count, predicted_sum, correct = [0] * bins, [0.0] * bins, [0] * bins
    in_band = 0
    for answer in events:
        if not isinstance(answer, Answer) or answer.placement:
            continue
        i = min(int(answer.predicted * bins), bins - 1)
        count[i] += 1
        predicted_sum[i] += answer.predicted
        correct[i] += answer.correct
        in_band += low <= answer.predicted <= high
    edges = [i / bins for i in range(bins + 1)]
    return Calibration(
        tuple(Bin(edges[i], edges[i + 1], count[i], predicted_sum[i], correct[i]) for i in range(bins)),
        answers=sum(count),
        in_band=in_band,
    )
