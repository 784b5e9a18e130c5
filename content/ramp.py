"""The course as plain data: a ramp of knowledge components (KCs) and their items."""

from dataclasses import dataclass, field, replace

ITEM_KINDS = ("multiple_choice", "numeric")


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
    answer: str | float
    hints: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # multiple choice only
    feedback: dict[str, str] = field(default_factory=dict)  # wrong choice -> misconception
    tolerance: float = 0.0  # numeric only
    guess: float | None = None  # per-item overrides of the KC's guess and slip
    slip: float | None = None

    @property
    def answer_text(self) -> str:
        """The right answer as a learner would write it."""
        return f"{self.answer:g}" if self.kind == "numeric" else str(self.answer)

    def spec(self) -> dict:
        """A JSON-ready dict from which `Item.from_spec` rebuilds this item."""
        return {
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
        }

    @classmethod
    def from_spec(cls, spec: dict) -> "Item":
        return cls(
            **{
                **spec,
                "hints": tuple(spec.get("hints", ())),
                "choices": tuple(spec.get("choices", ())),
                "feedback": dict(spec.get("feedback", {})),
            }
        )


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
