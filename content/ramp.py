"""The course as plain data: a ramp of knowledge components (KCs) and their items."""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

ITEM_KINDS = ("multiple_choice", "numeric", "short_text", "ordering")
DIFFICULTIES = range(1, 6)  # an item's optional `difficulty`: 1 (easiest in its KC) to 5 (hardest)
# Types whose `answer` follows from other fields: the first accepted answer; the steps, one a line.
DERIVED_ANSWER = {
    "short_text": lambda fields: fields["answers"][0],
    "ordering": lambda fields: "\n".join(fields["steps"]),
}


def tidy_text(text: str) -> str:
    """A typed answer trimmed, with each run of inner whitespace made one space (Unicode NFC).

    Short-answer patterns are matched, whole and ignoring case, against this form."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def normalize_text(text: str) -> str:
    """The form in which short answers (and their feedback keys) are compared: tidied, case folded."""
    return tidy_text(text).casefold()


def order_key(positions: Sequence[int]) -> str:
    """An order of an ordering item's steps as a feedback key: the authored (1-based) number of
    the step put first, then of the one put second, ...: "2 1 3" swaps the first two steps."""
    return " ".join(str(p) for p in positions)


@dataclass(frozen=True)
class BKTParams:
    """Bayesian knowledge tracing parameters of one KC (see learner_model.bkt)."""

    prior: float = 0.1
    learn: float = 0.2
    guess: float = 0.2
    slip: float = 0.1
    forget: float = 0.0  # P(mastered -> unmastered) per answer given anywhere in the course

    def merged(self, overrides: dict) -> "BKTParams":
        return replace(self, **overrides)


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # one of ITEM_KINDS
    prompt: str
    # The right answer as recorded: a choice, a number, the canonical short answer
    # (answers[0]), or an ordering's steps in the right order, one a line.
    answer: str | float
    hints: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # multiple choice only
    # What a wrong answer reveals, keyed by: the wrong choice (multiple choice), the wrong
    # short answer in normalize_text form (short text), or the wrong order as an order_key (ordering).
    feedback: dict[str, str] = field(default_factory=dict)
    tolerance: float = 0.0  # numeric only
    guess: float | None = None  # per-item overrides of the KC's guess and slip
    slip: float | None = None
    answers: tuple[str, ...] = ()  # short text only: accepted answers, the first shown to learners
    patterns: tuple[str, ...] = ()  # short text only: regexes that also accept an answer (full match, any case)
    steps: tuple[str, ...] = ()  # ordering only: the steps, in the right order
    difficulty: int | None = None  # the author's prior: 1 (easiest within its KC) to 5 (hardest)

    @property
    def answer_text(self) -> str:
        """The right answer as a learner would write it (an ordering's steps joined by arrows)."""
        if self.kind == "numeric":
            # Whole numbers in full (":g" would show a parameter count of 10,770,816 as 1.07708e+07).
            value = float(self.answer)
            return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.12g}"
        if self.kind == "ordering":
            return " → ".join(self.steps)
        return str(self.answer)

    def spec(self) -> dict:
        """A JSON-ready dict from which `Item.from_spec` rebuilds this item, with the fields an
        author writes (a short-text or ordering item's `answer` follows from its answers or steps)."""
        spec = {
            "id": self.id,
            "kind": self.kind,
            "prompt": self.prompt,
            "answer": self.answer,
            "hints": list(self.hints),
            "choices": list(self.choices),
            "feedback": dict(self.feedback),
            "tolerance": self.tolerance,
            "guess": self.guess,
            "slip": self.slip,
            "answers": list(self.answers),
            "patterns": list(self.patterns),
            "steps": list(self.steps),
            "difficulty": self.difficulty,
        }
        if self.kind in DERIVED_ANSWER:
            del spec["answer"]
        return spec

    @classmethod
    def from_spec(cls, spec: dict) -> "Item":
        """The item of a spec, also one stored before a field existed (it takes its default)."""
        fields = {
            **spec,
            **{key: tuple(spec.get(key, ())) for key in ("hints", "choices", "answers", "patterns", "steps")},
            "feedback": dict(spec.get("feedback", {})),
        }
        if spec.get("kind") in DERIVED_ANSWER and "answer" not in spec:
            fields["answer"] = DERIVED_ANSWER[spec["kind"]](fields)
        return cls(**fields)


@dataclass(frozen=True)
class KC:
    id: str
    title: str
    prerequisites: tuple[str, ...]
    explanation: str
    items: tuple[Item, ...]
    bkt: BKTParams
    motivation: str = ""
    worked_example: str = ""
    minutes: int | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    description: str
    kcs: tuple[KC, ...]  # in ramp order: each KC depends only on earlier ones
    authors: tuple[str, ...] = ()
    target_band: tuple[float, float] = (0.7, 0.85)  # predicted success the tutor aims for
    mastery_threshold: float = 0.95
    digest: str = ""  # sha256 of the course files: an unchanged course needs no re-import

    def kc(self, kc_id: str) -> KC:
        return next(kc for kc in self.kcs if kc.id == kc_id)
