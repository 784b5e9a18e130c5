"""Per item: how often it is answered right, how well it tells learners apart, how long an
answer takes, and how much help learners took with it.

- **Observed success**: of the answers to the item that the tutor served, the share right.
  Placement answers are counted apart (`placement_answers`) and left out of every other
  figure: the probe picks items for what they tell, before anything was taught.
- **Time per answer**: the mean of the answers' measured seconds (item shown to answer, at
  most the idle cap), over the answers that have them. A mean, not a median, so that the
  daily sums add up to any span of days.
- **Hint use**: the share of answers preceded by a hint or a typed question on the item
  (a `hinted` or `asked` page event) by the learner since their previous answer to it.
- **Explanation use**: the share of answers followed by an explanation of the item (an
  `explained` page event) before the learner's next answer to it.
- **Discrimination**: the item-rest correlation. For each learner with tutor-served answers
  both to the item and to other items of its KC, x is their share right on the item and y
  their share right on the KC's other items; the discrimination is Pearson's correlation of
  x and y over those learners (the point-biserial correlation where every learner answered
  the item once). Near 0 or below: being right on the item says nothing about the KC, or the
  opposite of it (a broken item, or a wrong key). Undefined (None) with fewer than 2
  learners, or where x or y is the same for all of them.
"""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, fields, replace

from analytics.events import Answer, Event, by_learner

HINT_KINDS = ("hinted", "asked")
EXPLAINED_KINDS = ("explained",)


@dataclass(frozen=True, slots=True)
class AnswerUse:
    """One answer, with whether the learner took help on its item before it and an explanation after it."""

    answer: Answer
    hinted: bool = False
    explained: bool = False


def learner_uses(run: list[Event]) -> list[AnswerUse]:
    """The answers of one learner's events (a run from `by_learner`) with their help, in time order."""
    found: list[AnswerUse] = []
    helped = set()  # items hinted or asked about since the learner's last answer to them
    last = {}  # item -> index in `found` of the learner's last answer to it
    for event in run:
        if isinstance(event, Answer):
            last[event.item] = len(found)
            found.append(AnswerUse(event, hinted=event.item in helped))
            helped.discard(event.item)
        elif event.item is None:
            continue
        elif event.kind in HINT_KINDS:
            helped.add(event.item)
        elif event.kind in EXPLAINED_KINDS and event.item in last:
            found[last[event.item]] = replace(found[last[event.item]], explained=True)
    return found


def answer_uses(events: Iterable[Event]) -> Iterator[AnswerUse]:
    """Every answer with its help (events grouped by learner, in time order: see analytics.events)."""
    for _, run in by_learner(events):
        yield from learner_uses(run)


@dataclass(frozen=True, slots=True)
class ItemStats:
    """Counts and sums of an item's answers; they add up (`+`) over days and learners."""

    answers: int = 0  # served by the tutor
    correct: int = 0
    placement_answers: int = 0
    timed: int = 0  # answers with measured seconds
    seconds: float = 0.0  # their sum
    hinted: int = 0
    explained: int = 0

    @classmethod
    def of(cls, uses: Iterable[AnswerUse]) -> "ItemStats":
        taught = []
        placed = 0
        for use in uses:
            if use.answer.placement:
                placed += 1
            else:
                taught.append(use)
        timed = [use.answer.seconds for use in taught if use.answer.seconds is not None]
        return cls(
            answers=len(taught),
            correct=sum(use.answer.correct for use in taught),
            placement_answers=placed,
            timed=len(timed),
            seconds=sum(timed),
            hinted=sum(use.hinted for use in taught),
            explained=sum(use.explained for use in taught),
        )

    def __add__(self, other: "ItemStats") -> "ItemStats":
        return ItemStats(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def success(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    @property
    def mean_seconds(self) -> float | None:
        return self.seconds / self.timed if self.timed else None

    @property
    def hint_share(self) -> float | None:
        return self.hinted / self.answers if self.answers else None

    @property
    def explanation_share(self) -> float | None:
        return self.explained / self.answers if self.answers else None


def item_stats(events: Iterable[Event]) -> dict[Hashable, ItemStats]:
    """Each answered item's stats (events grouped by learner, in time order)."""
    uses = defaultdict(list)
    for use in answer_uses(events):
        uses[use.answer.item].append(use)
    return {item: ItemStats.of(group) for item, group in uses.items()}


@dataclass(frozen=True, slots=True)
class Moments:
    """Sums over pairs (x, y), enough for their correlation: a database can add them up in one query."""

    n: int = 0
    sx: float = 0.0
    sy: float = 0.0
    sxx: float = 0.0
    syy: float = 0.0
    sxy: float = 0.0

    def add(self, x: float, y: float) -> "Moments":
        return Moments(self.n + 1, self.sx + x, self.sy + y, self.sxx + x * x, self.syy + y * y, self.sxy + x * y)

    @property
    def correlation(self) -> float | None:
        """Pearson's correlation of x and y; None with fewer than 2 pairs or where x or y does not vary."""
        if self.n < 2:
            return None
        vx = self.sxx - self.sx * self.sx / self.n
        vy = self.syy - self.sy * self.sy / self.n
        if vx <= 1e-9 * self.n or vy <= 1e-9 * self.n:  # no spread, up to float rounding of the sums
            return None
        r = (self.sxy - self.sx * self.sy / self.n) / math.sqrt(vx * vy)
        return max(-1.0, min(1.0, r))


def discrimination(events: Iterable[Event]) -> dict[Hashable, Moments]:
    """Each item's item-rest moments (see the module's docstring): `.correlation` is its discrimination.
    Items without a learner who also answered another item of the KC are left out."""
    found: dict[Hashable, Moments] = defaultdict(Moments)
    for _, run in by_learner(events):
        per_item = defaultdict(lambda: [0, 0])  # (kc, item) -> [answers, right]
        for answer in run:
            if isinstance(answer, Answer) and not answer.placement:
                counts = per_item[answer.kc, answer.item]
                counts[0] += 1
                counts[1] += answer.correct
        per_kc = defaultdict(lambda: [0, 0])
        for (kc, _), (n, right) in per_item.items():
            per_kc[kc][0] += n
            per_kc[kc][1] += right
        for (kc, item), (n, right) in per_item.items():
            rest_n, rest_right = per_kc[kc][0] - n, per_kc[kc][1] - right
            if rest_n:
                found[item] = found[item].add(right / n, rest_right / rest_n)
    return dict(found)
