"""Writing TOML values by hand, so that `tomllib` reads back exactly what was written.

The standard library reads TOML but does not write it, and the project adds no
dependency for it. Only what course files need is covered: strings, booleans,
integers, floats, arrays and inline tables. Long and multi-line strings are written
the way authors write prompts: a `\"\"\"` block, wrapped with line-ending backslashes.
"""

import math
import re
from decimal import Decimal

WIDTH = 96  # wrap long strings near this many characters per line

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def key(name: str) -> str:
    """A key, bare where TOML allows it, else quoted."""
    return name if _BARE_KEY.fullmatch(name) else string(name)


def value(obj) -> str:
    """A TOML value on one line (strings with newlines are escaped)."""
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        return number(obj)
    if isinstance(obj, str):
        return string(obj)
    if isinstance(obj, list | tuple):
        return "[" + ", ".join(value(each) for each in obj) + "]"
    if isinstance(obj, dict):
        return "{ " + ", ".join(f"{key(k)} = {value(v)}" for k, v in obj.items() if v is not None) + " }"
    raise TypeError(f"cannot write {type(obj).__name__} {obj!r} as TOML")


def assignment(name: str, obj, *, text: bool = False) -> str:
    """`name = value`; long arrays one element a line. Strings with newlines, and long ones when
    `text` (prompts, descriptions: prose an author reads), are written as wrapped blocks."""
    if isinstance(obj, str) and ("\n" in obj or (text and len(obj) > WIDTH)):
        return f"{key(name)} = {block_string(obj)}"
    line = f"{key(name)} = {value(obj)}"
    if isinstance(obj, list | tuple) and obj and len(line) > WIDTH:
        return f"{key(name)} = [\n" + "".join(f"  {value(each)},\n" for each in obj) + "]"
    return line


def number(x: float) -> str:
    """A float exactly as Python reads it back; whole numbers without '.0' (authors write `answer = 5`)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    shortest = repr(x)  # the shortest text that reads back as the same float
    if "e" in shortest and 1e-9 <= abs(x) < 1e15:
        return format(Decimal(shortest), "f")  # the same digits without an exponent: 0.00001, not 1e-05
    return shortest


def string(text: str) -> str:
    """A string on one line: literal ('...') where that spares escaping backslashes (regexes), else basic."""
    if "\\" in text and "'" not in text and not any(_control(char) for char in text):
        return f"'{text}'"
    return '"' + "".join(_escape(char) for char in text) + '"'


def block_string(text: str) -> str:
    """A multi-line basic string (\"\"\"): real newlines kept, long lines wrapped at spaces.

    A wrap is a backslash at the end of a line, which TOML reads as nothing up to the
    next non-blank character, so a line is only broken after a space that is followed
    by a non-blank one.
    """
    lines = ["\\\n".join(_multiline_escape(piece) for piece in _wrapped(line)) for line in text.split("\n")]
    # The closing quotes go on a line of their own, after a line-ending backslash, which adds nothing.
    return '"""\n' + "\n".join(lines) + '\\\n"""'


def _control(char: str) -> bool:
    return ord(char) < 0x20 or ord(char) == 0x7F


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    return f"\\u{ord(char):04x}" if _control(char) else char


def _multiline_escape(text: str) -> str:
    """Escape for a \"\"\" block: backslashes, controls but tab, and every third quote of a run."""
    out, quotes = [], 0
    for char in text:
        if char == '"':
            quotes += 1
            out.append('\\"' if quotes == 3 else '"')
            quotes %= 3
            continue
        quotes = 0
        out.append(char if char == "\t" else _escape(char))
    return "".join(out)


def _wrapped(line: str) -> list[str]:
    """`line` cut into pieces of about WIDTH characters, every piece but the last ending in a space."""
    pieces = []
    while len(line) > WIDTH and (cut := _cut(line)) is not None:
        pieces.append(line[:cut])
        line = line[cut:]
    return [*pieces, line]


def _cut(line: str) -> int | None:
    """Where to break `line`: after a space followed by a non-blank, the last such place within WIDTH."""
    places = [i for i in range(1, len(line)) if line[i - 1] == " " and not line[i].isspace()]
    within = [i for i in places if i <= WIDTH]
    if within:
        return within[-1]
    return places[0] if places else None
