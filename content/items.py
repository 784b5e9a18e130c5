"""Parse and check the items block of a KC: one fenced ```toml block of [[items]]."""

import re

from content.errors import Problem
from content.fences import next_fence
from content.ramp import DIFFICULTIES, ITEM_KINDS, Item, normalize_text, order_key, tidy_text
from content.toml_source import key_pattern, line_of, parse_toml


def parse_items(section, *, file: str) -> tuple[list[Item], list[Problem]]:
    """Items from the `## Items` section (a `Section` of kc_file), with problems."""
    lines = section.lines
    try:
        # A longer fence (````toml) lets prompts hold ``` code blocks of their own.
        open_index = next(i for i, line in enumerate(lines) if re.fullmatch(r"`{3,}toml", line.strip()))
        fence = lines[open_index].strip()[: -len("toml")]
        close_index = next(i for i in range(open_index + 1, len(lines)) if not next_fence(fence, lines[i]))
    except StopIteration:
        return [], [
            Problem(file, section.heading_line, "the Items section needs one fenced ```toml block of [[items]]")
        ]
    block = lines[open_index + 1 : close_index]
    first_line = section.heading_line + 1 + open_index + 1
    table, problems = parse_toml("\n".join(block), file=file, first_line=first_line)
    if table is None:
        return [], problems
    raw_items = table.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        return [], [Problem(file, first_line, "the items block holds no [[items]] entries")]

    items = []
    for raw in raw_items:
        item_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        line = line_of(block, key_pattern("id", item_id), first_line=first_line) if item_id else first_line
        item, item_problems = _item(raw, file=file, line=line)
        problems += item_problems
        if item:
            items.append(item)
    return items, problems


COMMON_FIELDS = {"id", "type", "prompt", "hints", "guess", "slip", "difficulty"}
# The fields each type of item may have besides the common ones.
KIND_FIELDS = {
    "multiple_choice": {"answer", "choices", "feedback"},
    "numeric": {"answer", "tolerance", "feedback"},
    "short_text": {"answers", "patterns", "feedback"},
    "ordering": {"steps", "feedback"},
}
# Why a field of another type does not belong, where a sentence helps the author.
MISPLACED = {
    ("short_text", "answer"): "its accepted answers go in 'answers', the first of them shown to learners",
    ("ordering", "answer"): "its 'steps' are written in the right order",
    ("ordering", "choices"): "its 'steps' are written in the right order",
}
MIN_STEPS = 3


def _item(raw: dict, *, file: str, line: int) -> tuple[Item | None, list[Problem]]:
    name = f"item '{raw.get('id')}'" if raw.get("id") else "an item"
    problems = []

    def problem(message: str) -> None:
        problems.append(Problem(file, line, f"{name}: {message}"))

    for key in ("id", "type", "prompt"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problem(f"needs a non-empty string '{key}'")
    kind = raw.get("type")
    if isinstance(kind, str) and kind not in ITEM_KINDS:
        problem(f"unknown type '{kind}' (known: {', '.join(ITEM_KINDS)})")
    hints = raw.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
        problem("'hints' must be a list of non-empty strings")
    for key in ("guess", "slip"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int | float) or not 0 < value < 1):
            problem(f"'{key}' must be a number strictly between 0 and 1")
    difficulty = raw.get("difficulty")
    if difficulty is not None and (
        isinstance(difficulty, bool) or not isinstance(difficulty, int) or difficulty not in DIFFICULTIES
    ):
        problem(f"'difficulty' must be a whole number from 1 (easiest) to 5 (hardest), not {difficulty!r}")
    if kind == "multiple_choice":
        _check_choices(raw, problem)
    elif kind == "numeric":
        _check_numeric(raw, problem)
    elif kind == "short_text":
        _check_short_text(raw, problem)
    elif kind == "ordering":
        _check_ordering(raw, problem)
    every_field = COMMON_FIELDS.union(*KIND_FIELDS.values())
    allowed = KIND_FIELDS.get(kind, every_field) if isinstance(kind, str) else every_field
    for key in sorted(set(raw) - COMMON_FIELDS - allowed):
        if key not in every_field:
            problem(f"unknown field '{key}'")
        elif not (kind == "numeric" and key == "choices"):  # said by _check_numeric
            why = MISPLACED.get((kind, key))
            article = "an" if kind[0] in "aeiou" else "a"
            problem(f"{article} {kind} item has no '{key}'" + (f": {why}" if why else ""))
    if problems:
        return None, problems
    common = dict(
        id=raw["id"],
        kind=kind,
        prompt=raw["prompt"].strip(),
        hints=tuple(hints),
        guess=raw.get("guess"),
        slip=raw.get("slip"),
        difficulty=difficulty,
    )
    if kind == "short_text":
        answers = tuple(tidy_text(answer) for answer in raw["answers"])
        return Item(
            **common,
            answer=answers[0],
            answers=answers,
            patterns=tuple(raw.get("patterns", ())),
            feedback={normalize_text(wrong): text for wrong, text in raw.get("feedback", {}).items()},
        ), []
    if kind == "ordering":
        steps = tuple(step.strip() for step in raw["steps"])
        return Item(
            **common,
            answer="\n".join(steps),
            steps=steps,
            feedback={order_key(_positions(key, len(steps))): text for key, text in raw.get("feedback", {}).items()},
        ), []
    return Item(
        **common,
        answer=float(raw["answer"]) if kind == "numeric" else raw["answer"],
        choices=tuple(raw.get("choices", ())),
        feedback=dict(raw.get("feedback", {})),
        tolerance=float(raw.get("tolerance", 0.0)),
    ), []


def _check_choices(raw: dict, problem) -> None:
    choices = raw.get("choices")
    if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) for c in choices):
        problem("a multiple-choice item needs 'choices': a list of two or more strings")
        return
    if len(set(choices)) != len(choices):
        problem("its choices repeat one another")
    if raw.get("answer") not in choices:
        problem(f"its answer {raw.get('answer')!r} is not among its choices {choices}")
    feedback = raw.get("feedback", {})
    if not isinstance(feedback, dict):
        problem("'feedback' must be a table from a wrong choice to a sentence")
        return
    for choice in feedback:
        if choice not in choices:
            problem(f"feedback is given for {choice!r}, which is not one of its choices")
        elif choice == raw.get("answer"):
            problem(f"feedback is given for the right answer {choice!r}; feedback explains wrong choices")


def _check_numeric(raw: dict, problem) -> None:
    answer = raw.get("answer")
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        problem("a numeric item needs a number as its 'answer'")
    tolerance = raw.get("tolerance", 0.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
        problem("'tolerance' must be a number of zero or more")
    if "choices" in raw:
        problem("a numeric item has no 'choices'")


def _feedback_table(raw: dict, problem, wrong: str) -> dict[str, str]:
    """The item's feedback table, or {} after saying what is wrong with it."""
    feedback = raw.get("feedback", {})
    if not isinstance(feedback, dict) or not all(isinstance(text, str) and text.strip() for text in feedback.values()):
        problem(f"'feedback' must be a table from {wrong} to a sentence")
        return {}
    return feedback


def _check_short_text(raw: dict, problem) -> None:
    answers = raw.get("answers")
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a.strip() for a in answers):
        problem("a short-text item needs 'answers': a list of one or more non-empty strings (the first is shown)")
        answers = []
    accepted: dict[str, str] = {}
    for answer in answers:
        if normalize_text(answer) in accepted:
            problem(f"its answers {accepted[normalize_text(answer)]!r} and {answer!r} are the same once normalized")
        accepted.setdefault(normalize_text(answer), answer)
    patterns = raw.get("patterns", [])
    compiled = []
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p.strip() for p in patterns):
        problem("'patterns' must be a list of regular expressions, each a non-empty string")
        patterns = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as error:
            problem(f"pattern {pattern!r} is not a valid regular expression: {error}")
    seen: dict[str, str] = {}
    for wrong in _feedback_table(raw, problem, "a wrong answer"):
        key = normalize_text(wrong)
        if not key:
            problem("feedback is given for an empty answer")
        elif key in accepted:
            problem(f"feedback is given for {wrong!r}, which is an accepted answer; feedback explains wrong answers")
        elif matching := next((c.pattern for c in compiled if c.fullmatch(tidy_text(wrong))), None):
            problem(f"feedback is given for {wrong!r}, which its pattern {matching!r} accepts as right")
        elif key in seen:
            problem(f"feedback is given twice for one answer: {seen[key]!r} and {wrong!r} are the same once normalized")
        seen.setdefault(key, wrong)


def _check_ordering(raw: dict, problem) -> None:
    steps = raw.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, str) and s.strip() for s in steps):
        problem(f"an ordering item needs 'steps': a list of {MIN_STEPS} or more non-empty strings, in the right order")
        return
    if len(steps) < MIN_STEPS:
        problem(f"an ordering item needs at least {MIN_STEPS} steps; it has {len(steps)}")
    stripped = [step.strip() for step in steps]
    for step in sorted({step for step in stripped if stripped.count(step) > 1}):
        problem(f"its step {step!r} appears {stripped.count(step)} times; steps must be distinct")
    for step in stripped:
        if "\n" in step:
            problem(f"its step {step!r} spans several lines; a step is one line")
    seen: dict[str, str] = {}
    for wrong in _feedback_table(raw, problem, 'a wrong order (such as "2 1 3")'):
        positions = _positions(wrong, len(steps))
        if positions is None:
            problem(
                f"feedback is given for {wrong!r}, which is not an order of its steps: write the numbers "
                f"1 to {len(steps)} of the steps as authored, each once, in the wrong order, such as "
                f"'{order_key([2, 1, *range(3, len(steps) + 1)])}'"
            )
        elif positions == list(range(1, len(steps) + 1)):
            problem(f"feedback is given for {wrong!r}, the right order; feedback explains wrong orders")
        elif order_key(positions) in seen:
            problem(f"feedback is given twice for one order: {seen[order_key(positions)]!r} and {wrong!r}")
        else:
            seen[order_key(positions)] = wrong


def _positions(key: str, count: int) -> list[int] | None:
    """An order written as step numbers ("2 1 3", "2, 1, 3"), if it names each of 1..count once."""
    parts = [part for part in re.split(r"[\s,]+", key.strip()) if part]
    if not all(part.isdigit() for part in parts):
        return None
    positions = [int(part) for part in parts]
    return positions if sorted(positions) == list(range(1, count + 1)) else None
