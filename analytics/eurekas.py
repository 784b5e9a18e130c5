"""Eurekas, and eurekas per second of active time.

A eureka is a learner's first arrival at mastery of a KC, when an answer carries them
across the threshold: P(mastered) below it before the answer, at or above it after. Only
the first arrival counts: a KC that fades below the threshold (forgetting) and is crossed
again gives no second eureka, and a KC first seen at or above the threshold (an answer
that starts there, or a placement answer that ends there: known before the course taught
it) gives none at all.

Time to eureka: the learner's active seconds (analytics.active, on any KC: a detour to a
prerequisite is part of the way) credited to their events from their first answer on the
KC served by the tutor (placement answers are passed over) to the answer that made the
eureka, both included.
"""

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass

from analytics.active import CAP, SESSION_GAP, check_timing, check_window, learner_spans, seconds_within
from analytics.events import Answer, Event, by_learner

THRESHOLD = 0.95  # the course's mastery threshold (content.ramp.Course.mastery_threshold)


@dataclass(frozen=True, slots=True)
class Eureka:
    learner: Hashable
    kc: Hashable
    item: Hashable  # the item whose answer caused it
    at: float  # when that answer was given


def learner_eurekas(run: list[Event], threshold: float) -> Iterator[Eureka]:
    """The eurekas of one learner's events (a run from `by_learner`), in time order."""
    settled = set()  # KCs whose eureka has come, or never will
    for answer in run:
        if not isinstance(answer, Answer) or answer.kc in settled:
            continue
        if answer.p_before >= threshold or (answer.placement and answer.p_after >= threshold):
            settled.add(answer.kc)
        elif answer.p_after >= threshold:
            settled.add(answer.kc)
            yield Eureka(answer.learner, answer.kc, answer.item, answer.at)


def check_threshold(threshold: float) -> None:
    if not 0 < threshold < 1:
        raise ValueError(f"the mastery threshold must be strictly between 0 and 1, got {threshold!r}")


def eurekas(events: Iterable[Event], *, threshold: float = THRESHOLD) -> list[Eureka]:
    """Every eureka in the events (grouped by learner, in time order: see analytics.events)."""
    check_threshold(threshold)
    return [eureka for _, run in by_learner(events) for eureka in learner_eurekas(run, threshold)]


@dataclass(frozen=True, slots=True)
class Rate:
    """Eurekas over active seconds. Rates add up (eurekas to eurekas, seconds to seconds), so a
    cohort's or a course's rate is the sum of its learners': sum(rates, Rate())."""

    eurekas: int = 0
    seconds: float = 0.0

    def __add__(self, other: "Rate") -> "Rate":
        return Rate(self.eurekas + other.eurekas, self.seconds + other.seconds)

    @property
    def per_second(self) -> float | None:
        """None where there was no active time to divide by."""
        return self.eurekas / self.seconds if self.seconds > 0 else None

    @property
    def per_hour(self) -> float | None:
        return self.eurekas * 3600 / self.seconds if self.seconds > 0 else None


GROUPINGS = ("learner", "kc")


def eurekas_per_second(
    events: Iterable[Event],
    *,
    by: str = "learner",
    start: float = -math.inf,
    end: float = math.inf,
    threshold: float = THRESHOLD,
    cap: float = CAP,
    session_gap: float = SESSION_GAP,
) -> dict[Hashable, Rate]:
    """Eurekas at times in the window [start, end) and the active seconds inside it, per learner
    or per KC (`by`). A KC's seconds are those of the spans credited to its answers and to page
    events that name it. Everyone with a eureka or active time in the window has an entry."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")
    check_window(start, end)
    check_threshold(threshold)
    check_timing(cap, session_gap)
    counts, seconds = defaultdict(int), defaultdict(float)
    for learner, run in by_learner(events):
        for eureka in learner_eurekas(run, threshold):
            if start <= eureka.at < end:
                counts[learner if by == "learner" else eureka.kc] += 1
        for span in learner_spans(run, cap, session_gap):
            key = learner if by == "learner" else span.kc
            within = seconds_within(span, start, end)
            if key is not None and within > 0:
                seconds[key] += within
    return {key: Rate(counts.get(key, 0), seconds.get(key, 0.0)) for key in dict.fromkeys([*counts, *seconds])}


@dataclass(frozen=True, slots=True)
class EurekaTime:
    learner: Hashable
    kc: Hashable
    at: float  # when the eureka came
    seconds: float  # active seconds from the learner's first answer on the KC to the eureka


def times_to_eureka(
    events: Iterable[Event], *, threshold: float = THRESHOLD, cap: float = CAP, session_gap: float = SESSION_GAP
) -> list[EurekaTime]:
    """Every eureka with its time to eureka (see the module's docstring), per learner in time order."""
    check_threshold(threshold)
    check_timing(cap, session_gap)
    found = []
    for learner, run in by_learner(events):
        spans = list(learner_spans(run, cap, session_gap))
        ends = [span.end for span in spans]  # a span is credited to the event at its end
        before = [0.0]  # before[i]: the seconds of the first i spans
        for span in spans:
            before.append(before[-1] + span.end - span.start)
        first = {}
        for answer in run:
            if isinstance(answer, Answer) and not answer.placement:
                first.setdefault(answer.kc, answer.at)
        for eureka in learner_eurekas(run, threshold):
            low, high = bisect_left(ends, first[eureka.kc]), bisect_right(ends, eureka.at)
            found.append(EurekaTime(learner, eureka.kc, eureka.at, before[high] - before[low]))
    return found
