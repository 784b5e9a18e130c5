"""What faculty start from: a new course's folder, a new KC's file, and adding that KC to the ramp.

The starting files are valid (a KC with three placeholder items), so the draft keeps
validating and the ramp graph keeps drawing while the author replaces the placeholders;
publishing refuses a draft that still holds one (`placeholders_left`), so learners never
see them.
course.toml is edited as text, so that the author's comments and layout survive.
"""

import re
import tomllib

from content import toml_write as toml
from webapp.authoring.course_folder import COURSE_FILE, kc_path

FIRST_KC = "first-steps"
PLACEHOLDER = "Placeholder question"  # the mark of a starter item not yet written


def new_course_files(course_id: str, title: str) -> dict[str, str]:
    course = "\n".join(
        [
            toml.assignment("id", course_id),
            toml.assignment("title", title),
            'description = "What learners will be able to do at the end."',
            "authors = []",
            "target_band = [0.7, 0.85]   # the tutor serves items a learner should get right this often",
            "mastery_threshold = 0.95    # P(mastered) at or above this counts as mastered",
            "",
            "# The ramp: every KC of the course, in teaching order. Each id names the file kcs/<id>.md.",
            f"ramp = [{toml.value(FIRST_KC)}]",
            "",
            "[bkt]                        # default learner-model parameters for every KC",
            "prior = 0.1",
            "learn = 0.2",
            "guess = 0.2",
            "slip = 0.1",
            "",
        ]
    )
    return {COURSE_FILE: course, kc_path(FIRST_KC): new_kc_text(FIRST_KC, "First steps")}


def new_kc_text(kc_id: str, title: str, prerequisites: list[str] = ()) -> str:
    items = "\n\n".join(
        "\n".join(
            [
                "[[items]]",
                toml.assignment("id", f"{kc_id}-{n}"),
                'type = "multiple_choice"',
                f'prompt = "{PLACEHOLDER} {n}: replace it."',
                'choices = ["The right answer", "A tempting wrong answer"]',
                'answer = "The right answer"',
                'hints = ["A nudge towards the answer."]',
            ]
        )
        for n in (1, 2, 3)
    )
    return "\n".join(
        [
            "+++",
            toml.assignment("id", kc_id),
            toml.assignment("title", title),
            toml.assignment("prerequisites", list(prerequisites)),
            "minutes = 10",
            "+++",
            "",
            "## Motivation",
            "",
            "Why a learner should care: the pain before the solution.",
            "",
            "## Explanation",
            "",
            "The idea itself, as you would explain it to a student. The tutor's model is given this text.",
            "",
            "## Worked example",
            "",
            "A small problem, worked step by step.",
            "",
            "## Items",
            "",
            "```toml",
            items,
            "```",
            "",
        ]
    )


def placeholders_left(files: dict[str, str]) -> list[str]:
    """`file:line` of every starter placeholder question still in the draft."""
    return [
        f"{name}:{number}"
        for name, text in sorted(files.items())
        for number, line in enumerate(text.splitlines(), start=1)
        if PLACEHOLDER in line
    ]


class RampEditError(ValueError):
    """course.toml could not be changed safely; the message says what the author should do."""


def append_to_ramp(course_toml: str, kc_id: str) -> str:
    """course.toml with `kc_id` added at the end of its ramp, everything else as written."""
    before = _ramp(course_toml)
    start = _ramp_start(course_toml)
    end = _closing_bracket(course_toml, start) if start is not None else None
    if end is None:
        raise RampEditError("the ramp in course.toml could not be found as written")
    head = course_toml[:end].rstrip()
    comma = "" if head.endswith(("[", ",")) else ","
    if "\n" in course_toml[start:end]:  # one KC a line: the new one on its own line
        edited = f"{head}{comma}\n  {toml.value(kc_id)},\n{course_toml[end:]}"
    else:
        edited = f"{head}{comma}{' ' if head[-1] != '[' else ''}{toml.value(kc_id)}{course_toml[end:]}"
    if _ramp(edited, strict=False) != [*before, kc_id]:
        raise RampEditError(f"add '{kc_id}' to the ramp in course.toml yourself: its layout was too unusual to edit")
    return edited


def remove_from_ramp(course_toml: str, kc_id: str) -> str:
    """course.toml without `kc_id` in its ramp, everything else as written."""
    before = _ramp(course_toml)
    start = _ramp_start(course_toml)
    end = _closing_bracket(course_toml, start) if start is not None else None
    quoted = toml.value(kc_id)
    index = course_toml.find(quoted, start, end) if end is not None else -1
    if index == -1:
        raise RampEditError(f"remove '{kc_id}' from the ramp in course.toml yourself: it was not found as written")
    line_start = course_toml.rfind("\n", 0, index) + 1
    line_end = course_toml.find("\n", index)
    line = course_toml[line_start:line_end]
    if line.strip() in (quoted, quoted + ","):  # one KC a line: drop the line
        edited = course_toml[:line_start] + course_toml[line_end + 1 :]
    else:
        token = re.escape(quoted)  # with the comma after it, or else the one before it
        inside = re.sub(rf"{token}\s*,\s*|,\s*{token}|{token}", "", course_toml[start:end], count=1)
        edited = course_toml[:start] + inside + course_toml[end:]
    if _ramp(edited, strict=False) != [kc for kc in before if kc != kc_id]:
        raise RampEditError(f"remove '{kc_id}' from the ramp in course.toml yourself: its layout is too unusual")
    return edited


def _ramp(text: str, *, strict: bool = True) -> list | None:
    try:
        ramp = tomllib.loads(text).get("ramp")
    except tomllib.TOMLDecodeError as error:
        if not strict:
            return None
        raise RampEditError(f"course.toml does not parse ({error}); fix it first") from error
    if strict and not isinstance(ramp, list):
        raise RampEditError("course.toml has no ramp list")
    return ramp


def _ramp_start(text: str) -> int | None:
    """Where the `[` of the top-level `ramp = [` is."""
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        if stripped.startswith("["):  # a table header: the top-level keys are behind us
            return None
        key, sep, rest = stripped.partition("=")
        if sep and key.strip() in ("ramp", '"ramp"') and rest.lstrip().startswith("["):
            return offset + len(line) - len(line.lstrip()) + len(key) + 1 + len(rest) - len(rest.lstrip())
        offset += len(line)
    return None


def _closing_bracket(text: str, start: int) -> int | None:
    """The index of the `]` closing the array opened at `start`, skipping strings and comments."""
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if char in "\"'":
            close = text.find(char, i + 1)
            while char == '"' and close != -1 and _escaped(text, close):
                close = text.find(char, close + 1)
            if close == -1:
                return None
            i = close
        elif char == "#":
            newline = text.find("\n", i)
            i = len(text) if newline == -1 else newline
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _escaped(text: str, index: int) -> bool:
    backslashes = len(text[:index]) - len(text[:index].rstrip("\\"))
    return backslashes % 2 == 1
