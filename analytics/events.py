"""The records analytics reads, and the order it reads them in.

Two kinds of event, both plain frozen records (the web app builds them from its rows):

- `Answer`: one answer to one item, with what the learner model predicted and how
  P(mastered) of the item's KC moved (a `Response` row).
- `PageEvent`: anything else a learner did that shows they were at work: an item shown,
  a hint asked for, an explanation read, the mastery map opened.

Times are seconds since the Unix epoch (`datetime.timestamp()`), floats: a million events
are compared and subtracted many times, and floats make that cheap and free of time zones.

The functions of this package (all but `calibration`, which takes any order) read one
stream of events, grouped by learner (all of a learner's events together, learners in
any order) and in time order within each learner; `sorted(events, key=sort_key)` gives
that order. They check it as they go and raise ValueError at the first event out of
order rather than sort for the caller: a million events come from the database already
in order (ORDER BY learner, time), and sorting them again would cost more than the
analysis.
"""

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer, as recorded when it was given."""

    learner: Hashable
    at: float  # when it was submitted: seconds since the epoch
    kc: Hashable
    item: Hashable
    correct: bool
    predicted: float  # the model's P(correct) for this learner on this item when it was served
    p_before: float  # P(mastered) of the KC just before the answer (after any forgetting)
    p_after: float  # P(mastered) of the KC just after it
    seconds: float | None = None  # the time from the item shown to the answer, where measured
    placement: bool = False  # asked by the placement probe (chosen for information, not for the band)

    def __post_init__(self):
        for name in ("predicted", "p_before", "p_after"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:  # also false for NaN
                raise ValueError(f"{self!r}: {name} must be a probability, got {value!r}")
        if self.seconds is not None and not self.seconds >= 0.0:
            raise ValueError(f"{self!r}: seconds must be at least 0, got {self.seconds!r}")


@dataclass(frozen=True, slots=True)
class PageEvent:
    """Something a learner did other than answer, such as 'item_shown', 'hint', 'explanation', 'mastery_map'."""

    learner: Hashable
    at: float  # seconds since the epoch
    kind: str
    kc: Hashable | None = None  # the KC it concerns, if any (the item shown, hinted or explained)
    item: Hashable | None = None  # the item it concerns, if any


Event = Answer | PageEvent


def sort_key(event: Event) -> tuple:
    """The order every function here expects: by learner, then by time."""
    return (event.learner, event.at)


def by_learner(events: Iterable[Event]) -> Iterator[tuple[Hashable, list[Event]]]:
    """Each learner's events, in time order, checking the order on the way (see the module's docstring).

    Raises ValueError naming the first event that is earlier than the one before it, or
    that belongs to a learner whose events ended before.
    """
    done = set()
    learner, run = None, []
    for index, event in enumerate(events):
        if run and event.learner == learner:
            if event.at < run[-1].at:
                raise ValueError(
                    f"events are not in time order: event {index} ({event!r}) is earlier than the one before it "
                    f"({run[-1]!r}); sort them with key=analytics.sort_key"
                )
            run.append(event)
            continue
        if run:
            yield learner, run
            done.add(learner)
        if event.learner in done:
            raise ValueError(
                f"events are not grouped by learner: learner {event.learner!r}'s events resume at event {index} "
                f"({event!r}) after another learner's; sort them with key=analytics.sort_key"
            )
        learner, run = event.learner, [event]
    if run:
        yield learner, run


def sessions_of(run: list[Event], session_gap: float) -> list[list[Event]]:
    """One learner's events (from `by_learner`) cut into sessions: a session ends where the
    learner's next event comes more than `session_gap` seconds after the last one."""
    cuts = [i for i in range(1, len(run)) if run[i].at - run[i - 1].at > session_gap]
    return [run[start:stop] for start, stop in zip([0, *cuts], [*cuts, len(run)])]
