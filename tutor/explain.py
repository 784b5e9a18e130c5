"""What the tutor says, written by the LLM from the course's own material, in three modes.

`respond` streams the model's reply for a mode (tutor.prompts: explain after a wrong answer,
hint before answering, ask a free question), and always ends with something the learner
can use:
- if the model cannot be loaded, fails, or writes nothing before the deadline, the learner
  gets the authored text (the misconception note and the KC's explanation, the item's own
  hint, or the KC's notes), marked as authored, and the failure is logged;
- a reply that must not contain the answer (a hint, or a question asked while the item is
  open) is checked whole by tutor.answer_guard before anyone sees it; one that gives the
  answer away is replaced by the authored hint. Such replies are therefore not shown piece
  by piece: a number streamed as "107", then "70816", would be half given away.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from content.ramp import KC, Item
from tutor.answer_guard import reveals_answer
from tutor.grading import feedback_for
from tutor.llm import TextModel
from tutor.prompts import ASK, EXPLAIN, HINT, ask_messages, explain_messages, hint_messages

log = logging.getLogger(__name__)

MODEL = "model"
AUTHORED = "authored"


@dataclass(frozen=True)
class Explanation:
    text: str  # Markdown
    source: str  # MODEL or AUTHORED
    model_name: str = ""
    error: str = ""  # why the model's text is missing, when source is AUTHORED


@dataclass(frozen=True)
class Request:
    """What the learner asked for: the mode, the item, and their part of the prompt."""

    mode: str
    course_title: str
    kc: KC
    item: Item
    learner_answer: str = ""  # explain: the wrong answer; ask: their answer, if they gave one
    learner_text: str = ""  # hint: what they are stuck on (optional); ask: their question
    answered: bool = False  # ask: whether the item is answered (then its answer may be named)

    def messages(self) -> list[dict[str, str]]:
        if self.mode == EXPLAIN:
            return explain_messages(self.course_title, self.kc, self.item, self.learner_answer)
        if self.mode == HINT:
            return hint_messages(self.course_title, self.kc, self.item, self.learner_text)
        if self.mode == ASK:
            return ask_messages(
                self.course_title,
                self.kc,
                self.item,
                self.learner_text,
                answered=self.answered,
                learner_answer=self.learner_answer,
            )
        raise ValueError(f"unknown mode {self.mode!r}")

    @property
    def guarded(self) -> bool:
        """Whether the reply must not contain the item's answer."""
        return self.mode == HINT or (self.mode == ASK and not self.answered)


def respond(
    request: Request,
    *,
    load_model: Callable[[], TextModel],
    max_new_tokens: int,
    deadline_seconds: float,
    on_text: Callable[[str], None] | None = None,
) -> Explanation:
    """The model's reply to `request`, or the authored text (marked so) if the model fails or,
    in a guarded mode, gives the answer away. `on_text` is called with the text so far as it
    grows (not in guarded modes), for streaming to the page."""
    try:
        model = load_model()
        messages = request.messages()
        started = messages[-1]["content"] if messages[-1]["role"] == "assistant" else ""
        written = ""
        for piece in model.stream(messages, max_new_tokens=max_new_tokens, deadline_seconds=deadline_seconds):
            written += piece
            if on_text is not None and not request.guarded:
                on_text(_joined(started, written))
        text = _joined(started, trim_to_sentence(written))
        if not written.strip():
            raise RuntimeError("the model returned no text")
        if request.guarded and reveals_answer(request.item, text):
            log.warning(
                "the model's %s for item %s gave the answer away; serving the authored one",
                request.mode,
                request.item.id,
            )
            return authored(request, error="the model's reply gave the answer away")
        return Explanation(text=text, source=MODEL, model_name=model.name)
    except Exception as error:  # any failure of the model must still leave the learner an answer
        log.exception("the model failed (%s mode) on item %s; serving the authored text", request.mode, request.item.id)
        return authored(request, error=f"{type(error).__name__}: {error}")


def authored(request: Request, *, error: str = "") -> Explanation:
    """The course's own text for the mode: what the learner gets whenever the model cannot help."""
    kc, item = request.kc, request.item
    if request.mode == EXPLAIN:
        misconception = feedback_for(item, request.learner_answer)
        text = f"{misconception}\n\n{kc.explanation}" if misconception else kc.explanation
    elif request.guarded:
        # The item's own first hint, unless the guard would flag it too (it may name a number
        # the answer shares); then a nudge back to the notes.
        usable = [hint for hint in item.hints[:1] if not reveals_answer(item, hint)]
        text = (
            usable[0]
            if usable
            else (
                f"Look back at the notes on **{kc.title}** and their worked example: which idea there does "
                "this question use? Try that idea on the question one step at a time."
            )
        )
    else:
        text = f"The notes on **{kc.title}** cover this:\n\n{kc.explanation}"
    return Explanation(text=text, source=AUTHORED, error=error)


def _joined(started: str, written: str) -> str:
    return f"{started} {written.strip()}".strip() if started else written.strip()


def trim_to_sentence(text: str) -> str:
    """Drop a trailing unfinished sentence (generation stops at a token budget, not a full stop)."""
    text = text.strip()
    if not text or text[-1] in ".!?)`\"'":
        return text
    ends = [match.end() for match in re.finditer(r"[.!?](?=\s|$)", text)]
    return text[: ends[-1]] if ends else text
