"""Active seconds: time on task, from a learner's answers and page events.

Each event is credited with the time just before it, up to the event: the time since the
learner's previous event, at most `cap` (an idle gap counts as `cap` seconds of work), or,
for the first event of a session, the answer's own measured `seconds` (at most `cap`;
0 for a page event or an answer without them). A session ends where more than
`session_gap` seconds pass between two events. The credited time is the span
[event.at - credit, event.at): spans never overlap, so the seconds in a window, a day or
a KC are the spans cut at its edges, and the parts add up to the whole.
"""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from analytics.events import Answer, Event, by_learner, sessions_of

CAP = 300.0  # an idle gap counts as at most 5 minutes of work
SESSION_GAP = 1800.0  # after 30 minutes without an event, the next event starts a new session


@dataclass(frozen=True, slots=True)
class Span:
    """Seconds a learner was at work, [start, end), credited to the event at `end` (and its KC, if any)."""

    learner: Hashable
    kc: Hashable | None
    start: float
    end: float


def check_timing(cap: float, session_gap: float) -> None:
    """Raise ValueError unless 0 < cap <= session_gap (a longer cap would credit a session's
    first event with time from before the previous session ended)."""
    if not 0 < cap <= session_gap:
        raise ValueError(f"need 0 < cap <= session_gap (seconds), got cap={cap!r}, session_gap={session_gap!r}")


def learner_spans(run: list[Event], cap: float, session_gap: float) -> Iterator[Span]:
    """The active spans of one learner's events (a run from `by_learner`), in time order."""
    for session in sessions_of(run, session_gap):
        first = session[0]
        measured = first.seconds if isinstance(first, Answer) and first.seconds is not None else 0.0
        credits = [min(measured, cap)] + [min(event.at - before.at, cap) for before, event in zip(session, session[1:])]
        for event, credit in zip(session, credits):
            if credit > 0:
                yield Span(event.learner, event.kc, event.at - credit, event.at)


def active_spans(events: Iterable[Event], *, cap: float = CAP, session_gap: float = SESSION_GAP) -> Iterator[Span]:
    """Every learner's active spans: events grouped by learner, in time order (see analytics.events)."""
    check_timing(cap, session_gap)
    for _, run in by_learner(events):
        yield from learner_spans(run, cap, session_gap)


def seconds_within(span: Span, start: float, end: float) -> float:
    """The part of the span inside the window [start, end)."""
    return max(0.0, min(span.end, end) - max(span.start, start))


def check_window(start: float, end: float) -> None:
    if not start < end:
        raise ValueError(f"the window [start, end) must have start < end, got start={start!r}, end={end!r}")


def active_seconds(
    events: Iterable[Event],
    *,
    cap: float = CAP,
    session_gap: float = SESSION_GAP,
    start: float = -math.inf,
    end: float = math.inf,
) -> dict[Hashable, float]:
    """Active seconds per learner within the window [start, end) (all time by default).
    Learners with none in the window are left out."""
    check_window(start, end)
    totals = defaultdict(float)
    for span in active_spans(events, cap=cap, session_gap=session_gap):
        seconds = seconds_within(span, start, end)
        if seconds > 0:
            totals[span.learner] += seconds
    return dict(totals)


def span_days(span: Span, *, tz: tzinfo = UTC) -> Iterator[tuple[date, float]]:
    """The span's seconds on each calendar day (in `tz`) it touches, cut at midnight."""
    at = span.start
    while at < span.end:
        day = datetime.fromtimestamp(at, tz).date()
        day_end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz).timestamp()
        stop = min(span.end, day_end)
        yield day, stop - at
        at = stop


def active_seconds_by_day(
    events: Iterable[Event], *, cap: float = CAP, session_gap: float = SESSION_GAP, tz: tzinfo = UTC
) -> dict[tuple[Hashable, date], float]:
    """Active seconds per (learner, calendar day in `tz`), spans cut at midnight: the rows a
    daily rollup adds up (any window of whole days is the sum of its days)."""
    totals = defaultdict(float)
    for span in active_spans(events, cap=cap, session_gap=session_gap):
        for day, seconds in span_days(span, tz=tz):
            totals[(span.learner, day)] += seconds
    return dict(totals)
