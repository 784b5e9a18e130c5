"""Learning analytics: eurekas per second, and where a ramp fails.

Definitions (the defaults are the course's: mastery threshold 0.95, target band 0.7 to 0.85):

- **Eureka**: a learner's first arrival at mastery of a KC, when an answer carries them
  across the mastery threshold (P(mastered) below it before the answer, at or above it
  after), timestamped by that answer. A KC that fades below the threshold by forgetting
  and is crossed again gives no second eureka. A KC first seen at or above the threshold
  (an answer that starts there, or a placement answer that ends there: the learner knew
  it before the course taught it) gives no eureka, then or later.
- **Active seconds**: time on task, from answers and page events. A session ends where
  more than 30 minutes pass between two of a learner's events. Each event is credited
  with the time since the learner's previous event in its session, at most 5 minutes (an
  idle gap counts as 5 minutes); the first event of a session is credited with the
  answer's own measured time from item shown to answer (at most 5 minutes), or nothing
  for a page event or an answer without it. The credited time lies just before its event.
- **Eurekas per second**, for a learner, a KC, a cohort or a course over a window of
  time [start, end): the eurekas whose answers fall in the window, divided by the active
  seconds in the window. A credited gap that straddles an edge of the window (or
  midnight, for daily totals) is split there: only its part inside counts. A KC's active
  seconds are those credited to answers on it and to page events about it. Per hour is
  3600 times per second.
- **Stuck**: at least 3 answers by a learner on one KC while it is not mastered, none
  lifting P(mastered) more than 0.01 above its value before the first of them. Answers on
  other KCs in between neither break the run nor join it; placement answers are passed
  over. An answer that gains more, or reaches mastery, ends the run (and is not part of
  it). Stuck counts are episodes per (learner, KC).
- **Bounce**: a session that ends (30 minutes pass without an event) right after its last
  3 answers were all to items the tutor served outside the target band: "too hard" when
  all were predicted below the band, "too easy" when all above, "mixed" otherwise. A
  session with fewer than 3 answers, or ending in placement, is no bounce.
- **Time to eureka**: a learner's active seconds (on any KC) credited to their events from
  their first answer on the KC served by the tutor (placement passed over) to the answer
  that made the eureka, both included. Per KC the dashboard shows the median over learners.
- **Calibration**: the tutor's answers (placement left out) in 10 equal-width bins of
  predicted success, with each bin's count, mean prediction and observed rate of right
  answers; and the share of those answers whose predicted success was inside the target
  band (ends included).

Per item (analytics.items; placement answers counted apart and left out of the rest):
**observed success**, the share of the tutor's answers that were right; **time per answer**,
the mean measured seconds from item shown to answer (at most 5 minutes); **hint use**, the
share of answers preceded by a hint or question on the item since the learner's previous
answer to it; **explanation use**, the share followed by an explanation before the next;
**discrimination**, the item-rest correlation: over learners with answers both to the item
and to other items of its KC, Pearson's correlation between their share right on the item
and their share right on the KC's other items (the point-biserial correlation when each
answered the item once); None with fewer than 2 such learners or no spread.

The functions read plain records (`Answer`, `PageEvent`) in one stream grouped by
learner and in time order within each learner (`sorted(events, key=sort_key)`; only
`calibration` takes any order), check that order, and make one pass. Totals add up: per
(learner, day) seconds to any window of days, learners' rates to a cohort's, days'
calibrations to a course's.

Plain Python; no Django.
"""

from analytics.active import Span, active_seconds, active_seconds_by_day, active_spans
from analytics.calibration import Bin, Calibration, calibration
from analytics.eurekas import Eureka, EurekaTime, Rate, eurekas, eurekas_per_second, times_to_eureka
from analytics.events import Answer, Event, PageEvent, sort_key
from analytics.items import AnswerUse, ItemStats, Moments, answer_uses, discrimination, item_stats
from analytics.struggle import Bounce, StuckEpisode, bounces, stuck_episodes

__all__ = [
    "Answer",
    "AnswerUse",
    "Bin",
    "Bounce",
    "Calibration",
    "Eureka",
    "EurekaTime",
    "Event",
    "ItemStats",
    "Moments",
    "PageEvent",
    "Rate",
    "Span",
    "StuckEpisode",
    "active_seconds",
    "active_seconds_by_day",
    "active_spans",
    "answer_uses",
    "bounces",
    "calibration",
    "discrimination",
    "eurekas",
    "eurekas_per_second",
    "item_stats",
    "sort_key",
    "stuck_episodes",
    "times_to_eureka",
]
