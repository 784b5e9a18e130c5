"""Explanations written by the LLM, grounded in the course's own material.

The prompt puts the shared course material first (the KC's explanation and worked
example) and the learner-specific part last (the question, their answer), so a
serving engine with a prefix cache reuses the shared part across learners. If the
model cannot be loaded or fails, the learner gets the authored explanation, marked as
such, and the failure is logged.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from content.ramp import KC, Item
from tutor.grading import display_order, feedback_for
from tutor.llm import TextModel

log = logging.getLogger(__name__)

MODEL = "model"
AUTHORED = "authored"


@dataclass(frozen=True)
class Explanation:
    text: str  # Markdown
    source: str  # MODEL or AUTHORED
    model_name: str = ""
    error: str = ""  # why the model's explanation is missing, when source is AUTHORED


def explanation_messages(course_title: str, kc: KC, item: Item, learner_answer: str | None) -> list[dict[str, str]]:
    """Chat messages asking for an explanation: after a wrong answer, or before answering.

    After a wrong answer the last message is the start of the assistant's reply, which
    the model continues.
    """
    system = (
        f'You are a patient, precise tutor in the course "{course_title}". '
        "Base everything you say on the course notes given to you; they are correct. "
        "Do not invent facts. Write at most four short sentences, addressed to the learner."
    )
    material = f"Course notes on {kc.title}:\n{kc.explanation}"
    if kc.worked_example:
        material += f"\n\nWorked example:\n{kc.worked_example}"
    if learner_answer is None:
        # Asked before answering: the answer is left out of the prompt so it cannot leak.
        task = (
            f"Question the learner is working on:\n{item.prompt}\n{_shown_steps(item)}\n"
            "The learner asked for help before answering. Explain the idea they need, "
            "using the notes, without giving away the answer."
        )
    else:
        misconception = feedback_for(item, learner_answer)
        task = (
            f"Question:\n{item.prompt}\n\n{_right_and_given(item, learner_answer)}"
            + (f"What that answer suggests: {misconception}\n" if misconception else "")
            + (
                "\nExplain why the steps go in the correct order and where the learner's order went wrong."
                if item.kind == "ordering"
                else "\nExplain why the correct answer is right and where the learner's reasoning went wrong."
            )
        )
    messages = [{"role": "system", "content": system}, {"role": "user", "content": f"{material}\n\n{task}"}]
    if learner_answer is not None:
        # The reply is started for the model with the authored facts, so even a small
        # model builds on the right answer instead of inventing one.
        opening = f"{_opening(item, learner_answer)} {feedback_for(item, learner_answer)}"
        messages.append({"role": "assistant", "content": opening.strip()})
    return messages


def explain(
    *,
    course_title: str,
    kc: KC,
    item: Item,
    learner_answer: str | None,
    load_model: Callable[[], TextModel],
    max_new_tokens: int,
    deadline_seconds: float,
) -> Explanation:
    """The model's explanation, or the authored one (marked so) if the model fails."""
    try:
        model = load_model()
        messages = explanation_messages(course_title, kc, item, learner_answer)
        written = trim_to_sentence(
            model.generate(messages, max_new_tokens=max_new_tokens, deadline_seconds=deadline_seconds)
        )
        if not written:
            raise RuntimeError("the model returned no text")
        started = messages[-1]["content"] if messages[-1]["role"] == "assistant" else ""
        text = f"{started} {written}".strip()
        return Explanation(text=text, source=MODEL, model_name=model.name)
    except Exception as error:  # any failure of the model must still leave the learner an explanation
        log.exception("explanation model failed for item %s; serving the authored explanation", item.id)
        return authored_explanation(kc, item, learner_answer, error=f"{type(error).__name__}: {error}")


def authored_explanation(kc: KC, item: Item, learner_answer: str | None, *, error: str = "") -> Explanation:
    misconception = feedback_for(item, learner_answer) if learner_answer else ""
    text = f"{misconception}\n\n{kc.explanation}" if misconception else kc.explanation
    return Explanation(text=text, source=AUTHORED, error=error)


def trim_to_sentence(text: str) -> str:
    """Drop a trailing unfinished sentence (generation stops at a token budget, not a full stop)."""
    text = text.strip()
    if not text or text[-1] in ".!?)`\"'":
        return text
    ends = [match.end() for match in re.finditer(r"[.!?](?=\s|$)", text)]
    return text[: ends[-1]] if ends else text


def _answer_text(item: Item) -> str:
    if item.kind == "numeric":
        return item.answer_text + (f" (within {item.tolerance:g})" if item.tolerance else "")
    if item.kind == "short_text" and len(item.answers) > 1:
        return item.answer_text + f" (also accepted: {', '.join(item.answers[1:])})"
    return item.answer_text


def _numbered(steps) -> str:
    return "".join(f"{n}. {step}\n" for n, step in enumerate(steps, start=1))


def _shown_steps(item: Item) -> str:
    """An ordering's steps as the learner sees them (shuffled, never in the right order); else nothing."""
    if item.kind != "ordering":
        return ""
    shown = "".join(f"- {step}\n" for step in display_order(item, "explain"))
    return f"\nThe steps to put in order, shuffled:\n{shown}"


def _right_and_given(item: Item, learner_answer: str) -> str:
    if item.kind == "ordering":
        given = learner_answer.splitlines()
        return f"Correct order:\n{_numbered(item.steps)}\nThe learner's order:\n{_numbered(given)}"
    return f"Correct answer: {_answer_text(item)}\nThe learner answered: {learner_answer}\n"


def _opening(item: Item, learner_answer: str) -> str:
    if item.kind != "ordering":
        right = item.answer_text if item.kind == "short_text" else _answer_text(item)
        return f"The answer is {right}, not {learner_answer}."
    given = learner_answer.splitlines()
    place = next((n for n, (right, step) in enumerate(zip(item.steps, given)) if right != step), None)
    opening = f"The right order is {item.answer_text}."
    if place is not None:
        opening += f" Step {place + 1} is '{item.steps[place]}', not '{given[place]}'."
    return opening
