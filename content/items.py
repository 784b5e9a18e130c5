"""Parse and check the items block of a KC: one fenced ```toml block of [[items]]."""

import re

from content.errors import Problem
from content.fences import next_fence
from content.ramp import ITEM_KINDS, Item
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
    if kind == "multiple_choice":
        _check_choices(raw, problem)
    elif kind == "numeric":
        _check_numeric(raw, problem)
    known = {"id", "type", "prompt", "answer", "hints", "choices", "feedback", "tolerance", "guess", "slip"}
    for key in sorted(set(raw) - known):
        problem(f"unknown field '{key}'")
    if problems:
        return None, problems
    return Item(
        id=raw["id"],
        kind=kind,
        prompt=raw["prompt"].strip(),
        answer=float(raw["answer"]) if kind == "numeric" else raw["answer"],
        hints=tuple(hints),
        choices=tuple(raw.get("choices", ())),
        feedback=dict(raw.get("feedback", {})),
        tolerance=float(raw.get("tolerance", 0.0)),
        guess=raw.get("guess"),
        slip=raw.get("slip"),
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
