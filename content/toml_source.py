"""TOML parsing that reports problems with the line in the file they come from."""

import re
import tomllib

from content.errors import Problem

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def parse_toml(text: str, *, file: str, first_line: int = 1) -> tuple[dict | None, list[Problem]]:
    """Parse TOML that starts at `first_line` of `file`; on failure, say where."""
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _AT_LINE.search(message)
        line = first_line + int(match.group(1)) - 1 if match else first_line
        reason = _AT_LINE.sub("", message).strip()
        return None, [Problem(file, line, f"cannot parse TOML: {reason}")]


def line_of(lines: list[str], pattern: str, *, start: int = 0, first_line: int = 1) -> int:
    """The file line of the first line at or after `start` matching `pattern`."""
    regex = re.compile(pattern)
    for index in range(start, len(lines)):
        if regex.search(lines[index]):
            return first_line + index
    return first_line + start


def key_pattern(key: str, value: str | None = None) -> str:
    """A regex for a `key = ...` line (optionally with a given string value)."""
    if value is None:
        return rf"^\s*{re.escape(key)}\s*="
    return rf"^\s*{re.escape(key)}\s*=\s*[\"']{re.escape(value)}[\"']"
