"""Where a ramp fails a learner: stuck on a KC, or gone after items that did not suit them.

Stuck: a run of at least `attempts` answers by a learner on one KC, each on the KC while
not mastered (P(mastered) below the threshold before and after the answer), none lifting
P(mastered) more than `epsilon` above its value before the run's first answer. Answers on
other KCs in between neither break the run nor join it (the tutor steps back to a
prerequisite after three misses; the learner is still stuck when they return), and
placement answers are passed over. The run ends at the learner's next answer on the KC
that is not stuck (a gain, or reaching the threshold: an answer that makes a eureka is
never part of a run), or with the learner's log.

Bounce: a session that ends right after items outside the target band: its last
`answers` answers (page events after them do not matter) were all served by the tutor
(not by placement) with predicted success below the band (too hard) or above it (too
easy). A session with fewer answers is no bounce.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from analytics.active import SESSION_GAP
from analytics.eurekas import THRESHOLD, check_threshold
from analytics.events import Answer, Event, by_learner, sessions_of

STUCK_ATTEMPTS = 3
EPSILON = 0.01  # a rise in P(mastered) this small is no gain
BAND = (0.7, 0.85)  # the course's target band of predicted success (content.ramp.Course.target_band)
BOUNCE_ANSWERS = 3


@dataclass(frozen=True, slots=True)
class StuckEpisode:
    learner: Hashable
    kc: Hashable
    first_at: float  # the run's first answer
    last_at: float  # its last answer
    attempts: int  # answers in the run
    resolved: bool  # ended by a later answer on the KC that gained; False if the log ends inside the run


@dataclass
class _Run:
    baseline: float  # P(mastered) before the run's first answer
    first_at: float
    last_at: float
    attempts: int = 1

    def episode(self, learner: Hashable, kc: Hashable, resolved: bool) -> StuckEpisode:
        return StuckEpisode(learner, kc, self.first_at, self.last_at, self.attempts, resolved)


def stuck_episodes(
    events: Iterable[Event],
    *,
    attempts: int = STUCK_ATTEMPTS,
    epsilon: float = EPSILON,
    threshold: float = THRESHOLD,
) -> list[StuckEpisode]:
    """Every stuck episode (see the module's docstring), per learner in order of their first answer.
    Count them per (learner, KC) with collections.Counter((e.learner, e.kc) for e in episodes)."""
    if attempts < 1 or epsilon < 0:
        raise ValueError(f"need attempts >= 1 and epsilon >= 0, got attempts={attempts!r}, epsilon={epsilon!r}")
    check_threshold(threshold)
    found = []
    for learner, run in by_learner(events):
        mine = []
        runs: dict[Hashable, _Run] = {}  # per KC, the run in progress
        for answer in run:
            if not isinstance(answer, Answer) or answer.placement:
                continue
            current = runs.get(answer.kc)
            baseline = current.baseline if current else answer.p_before
            if answer.p_before < threshold and answer.p_after < threshold and answer.p_after <= baseline + epsilon:
                if current:
                    current.last_at, current.attempts = answer.at, current.attempts + 1
                else:
                    runs[answer.kc] = _Run(baseline, answer.at, answer.at)
            elif current:
                del runs[answer.kc]
                if current.attempts >= attempts:
                    mine.append(
                        StuckEpisode(learner, answer.kc, current.first_at, current.last_at, current.attempts, True)
                    )
        for kc, current in runs.items():
            if current.attempts >= attempts:
                mine.append(current.episode(learner, kc, resolved=False))
        found += sorted(mine, key=lambda episode: episode.first_at)
    return found


@dataclass(frozen=True, slots=True)
class Bounce:
    learner: Hashable
    at: float  # the session's last event
    kind: str  # "too hard", "too easy" or "mixed"
    kc: Hashable  # the KC of the session's last answer


def check_band(band: tuple[float, float]) -> None:
    low, high = band
    if not 0 <= low <= high <= 1:
        raise ValueError(f"the target band must be two probabilities, low then high, got {band!r}")


def bounces(
    events: Iterable[Event],
    *,
    band: tuple[float, float] = BAND,
    answers: int = BOUNCE_ANSWERS,
    session_gap: float = SESSION_GAP,
    now: float | None = None,
) -> list[Bounce]:
    """Every bounce (see the module's docstring), per learner in time order. A session has ended
    once `now` (when the log was read, at or after its last event) is more than `session_gap`
    after its last event; with `now` None, the log is complete and every session has ended.
    The band is inclusive: predicted success equal to either end is inside it."""
    check_band(band)
    if answers < 1 or not session_gap > 0:
        raise ValueError(f"need answers >= 1 and session_gap > 0, got answers={answers!r}, session_gap={session_gap!r}")
    low, high = band
    found = []
    for learner, run in by_learner(events):
        for session in sessions_of(run, session_gap):
            if now is not None and now - session[-1].at <= session_gap:
                continue
            last = [event for event in session if isinstance(event, Answer)][-answers:]
            if len(last) < answers or any(answer.placement for answer in last):
                continue
            kinds = {"too hard" if a.predicted < low else "too easy" if a.predicted > high else "fit" for a in last}
            if "fit" not in kinds:
                found.append(Bounce(learner, session[-1].at, kinds.pop() if len(kinds) == 1 else "mixed", last[-1].kc))
    return found
