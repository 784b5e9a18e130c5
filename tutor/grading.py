"""Grading a learner's answer to an item."""

import hashlib
import math
import re
from dataclasses import dataclass

from content.ramp import Item


class AnswerError(ValueError):
    """An answer that cannot be graded (say, words typed into a numeric item); nothing is recorded."""


@dataclass(frozen=True)
class Grade:
    correct: bool
    answer: str  # the answer as recorded
    feedback: str  # what a wrong choice reveals (empty when there is nothing to say)


def grade(item: Item, raw_answer: str) -> Grade:
    answer = (raw_answer or "").strip()
    if not answer:
        raise AnswerError("Choose or type an answer first.")
    if item.kind == "multiple_choice":
        if answer not in item.choices:
            raise AnswerError("That answer is not one of this question's choices.")
        correct = answer == item.answer
        return Grade(correct, answer, "" if correct else item.feedback.get(answer, ""))
    value = parse_number(answer)
    correct = math.isclose(value, float(item.answer), rel_tol=0.0, abs_tol=item.tolerance + 1e-12)
    return Grade(correct, answer, "")


def display_order(item: Item, learner_key: str) -> list[str]:
    """The item's choices in an order of the learner's own, the same on every visit.

    Authors tend to write the right answer first; shown as written, a learner could learn
    the position instead of the idea."""

    def rank(choice: str) -> str:
        return hashlib.sha256(f"{learner_key}\x00{item.id}\x00{choice}".encode()).hexdigest()

    return sorted(item.choices, key=rank)


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def parse_number(text: str) -> float:
    """A number as a learner may type it: `0.5`, `.5`, `1/2`, `5e-1`, `50%`, `1,000`."""
    cleaned = text.replace(",", "").replace(" ", "")
    if re.fullmatch(_NUMBER, cleaned):
        value = float(cleaned)
    elif re.fullmatch(rf"{_NUMBER}%", cleaned):
        value = float(cleaned[:-1]) / 100
    elif match := re.fullmatch(rf"({_NUMBER})/({_NUMBER})", cleaned):
        denominator = float(match.group(2))
        if denominator == 0:
            raise AnswerError("A fraction cannot have 0 below the line.")
        value = float(match.group(1)) / denominator
    else:
        raise AnswerError(f"'{text}' is not a number. Type a number such as 0.25, 1/4 or 25%.")
    if not math.isfinite(value):
        raise AnswerError(f"'{text}' is too large to be an answer.")
    return value
