"""Grading a learner's answer to an item."""

import hashlib
import math
import re
from dataclasses import dataclass

from content.ramp import Item, normalize_text, order_key, tidy_text

MAX_SHORT_ANSWER = 200  # characters: a short answer, not an essay


class AnswerError(ValueError):
    """An answer that cannot be graded (say, words typed into a numeric item); nothing is recorded."""


@dataclass(frozen=True)
class Grade:
    correct: bool
    answer: str  # the answer as recorded
    feedback: str  # what a wrong answer reveals (empty when there is nothing to say)


def grade(item: Item, raw_answer: str) -> Grade:
    answer = (raw_answer or "").strip()
    if "\x00" in answer:  # no text column stores it (PostgreSQL refuses NUL); nothing types it
        raise AnswerError("The answer holds a NUL character (\\x00); type it again without it.")
    if not answer:
        raise AnswerError(
            "Give every step a position first." if item.kind == "ordering" else "Choose or type an answer first."
        )
    if item.kind == "multiple_choice":
        if answer not in item.choices:
            raise AnswerError("That answer is not one of this question's choices.")
        correct = answer == item.answer
        return Grade(correct, answer, "" if correct else item.feedback.get(answer, ""))
    if item.kind == "short_text":
        return _grade_short_text(item, answer)
    if item.kind == "ordering":
        return _grade_ordering(item, answer)
    value = parse_number(answer)
    correct = math.isclose(value, float(item.answer), rel_tol=0.0, abs_tol=item.tolerance + 1e-12)
    return Grade(correct, answer, item.feedback.get(answer, "") if not correct else "")


def feedback_for(item: Item, answer: str) -> str:
    """What a recorded wrong answer reveals (empty for a right one, or one the author said nothing about)."""
    try:
        return grade(item, answer).feedback
    except AnswerError:
        return ""


def _grade_short_text(item: Item, answer: str) -> Grade:
    """Right if, trimmed and with inner whitespace collapsed, it is one of the answers (in any
    case) or a whole match of one of the patterns (ignoring case)."""
    if len(answer) > MAX_SHORT_ANSWER:
        raise AnswerError(
            f"That answer is {len(answer)} characters long; type a short answer (at most {MAX_SHORT_ANSWER})."
        )
    tidy = tidy_text(answer)
    correct = normalize_text(tidy) in {normalize_text(a) for a in item.answers} or any(
        re.fullmatch(pattern, tidy, re.IGNORECASE) for pattern in item.patterns
    )
    return Grade(correct, answer, "" if correct else item.feedback.get(normalize_text(tidy), ""))


def _grade_ordering(item: Item, answer: str) -> Grade:
    """An order is the steps, one a line (as `order_from_positions` writes it); right only if exactly in order."""
    given = [line.strip() for line in answer.splitlines() if line.strip()]
    number = {step: n for n, step in enumerate(item.steps, start=1)}
    unknown = next((step for step in given if step not in number), None)
    if unknown is not None:
        raise AnswerError(f"'{unknown}' is not one of this question's steps.")
    if sorted(given) != sorted(item.steps):
        raise AnswerError(f"Put each of the {len(item.steps)} steps in the order exactly once.")
    correct = tuple(given) == item.steps
    key = order_key([number[step] for step in given])
    return Grade(correct, "\n".join(given), "" if correct else item.feedback.get(key, ""))


def order_from_positions(shown: list[str], positions: list[str]) -> str:
    """The learner's order, as graded and recorded (one step a line), from the position they
    gave each step as it was shown (`positions[i]` is the one typed or picked for `shown[i]`)."""
    count = len(shown)
    try:
        numbers = [int(p) for p in positions]
    except (TypeError, ValueError):
        raise AnswerError(f"Give every step a position from 1 to {count}.") from None
    if len(numbers) != count or not all(1 <= n <= count for n in numbers):
        raise AnswerError(f"Give every step a position from 1 to {count}.")
    repeated = next((n for n in numbers if numbers.count(n) > 1), None)
    if repeated is not None:
        raise AnswerError(f"Position {repeated} is given to more than one step; give each step its own position.")
    return "\n".join(step for _, step in sorted(zip(numbers, shown, strict=True)))


def display_order(item: Item, learner_key: str) -> list[str]:
    """The item's choices (or an ordering's steps) in an order of the learner's own, the same on every visit.

    Authors tend to write the right answer first, and write steps in the right order; shown as
    written, a learner could learn the position instead of the idea. Steps are never shown in
    the right order: that order is moved on by one."""
    options = item.steps if item.kind == "ordering" else item.choices

    def rank(option: str) -> str:
        return hashlib.sha256(f"{learner_key}\x00{item.id}\x00{option}".encode()).hexdigest()

    shown = sorted(options, key=rank)
    if item.kind == "ordering" and tuple(shown) == item.steps:
        shown = shown[1:] + shown[:1]
    return shown


NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"  # a number as written: sign, decimals, exponent


def parse_number(text: str) -> float:
    """A number as a learner may type it: `0.5`, `.5`, `1/2`, `5e-1`, `50%`, `1,000`."""
    cleaned = text.replace(",", "").replace(" ", "")
    if re.fullmatch(NUMBER, cleaned):
        value = float(cleaned)
    elif re.fullmatch(rf"{NUMBER}%", cleaned):
        value = float(cleaned[:-1]) / 100
    elif match := re.fullmatch(rf"({NUMBER})/({NUMBER})", cleaned):
        denominator = float(match.group(2))
        if denominator == 0:
            raise AnswerError("A fraction cannot have 0 below the line.")
        value = float(match.group(1)) / denominator
    else:
        raise AnswerError(f"'{text}' is not a number. Type a number such as 0.25, 1/4 or 25%.")
    if not math.isfinite(value):
        raise AnswerError(f"'{text}' is too large to be an answer.")
    return value
