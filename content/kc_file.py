"""Parse one KC file: TOML front matter between `+++` lines, then `##` sections.

The items live in a fenced ```toml block in the `## Items` section. Every problem
found is returned with its file and line; parsing goes on past a problem so that an
author sees them all in one run.
"""

from dataclasses import dataclass, field

from content.errors import Problem
from content.fences import next_fence
from content.items import parse_items
from content.ramp import KC, BKTParams
from content.toml_source import key_pattern, line_of, parse_toml

SECTIONS = {"motivation", "explanation", "worked example", "items"}
REQUIRED_SECTIONS = ("explanation", "items")


@dataclass
class Section:
    heading_line: int  # file line of the `##` heading
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


def parse_kc_file(text: str, *, file: str, defaults: BKTParams) -> tuple[KC | None, int, list[Problem]]:
    """Return the KC (None if unusable), the line of its prerequisites, and problems."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        return None, 1, [Problem(file, 1, "a KC file must start with a '+++' line opening its front matter")]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        return None, 1, [Problem(file, 1, "the front matter opened on line 1 is never closed by a '+++' line")]

    front_lines = lines[1:end]
    front, problems = parse_toml("\n".join(front_lines), file=file, first_line=2)
    prerequisites_line = line_of(front_lines, key_pattern("prerequisites"), first_line=2)
    if front is None:
        return None, prerequisites_line, problems

    sections, section_problems = _split_sections(lines, start=end + 1, file=file)
    problems += section_problems
    problems += _check_front_matter(front, file=file)
    for name in REQUIRED_SECTIONS:
        if name not in sections or not sections[name].text:
            problems.append(
                Problem(
                    file,
                    sections[name].heading_line if name in sections else None,
                    f"the '## {name.title()}' section is missing or empty",
                )
            )
    bkt_line = line_of(front_lines, r"^\s*\[bkt\]", first_line=2)
    bkt, bkt_problems = bkt_from_table(front.get("bkt", {}), defaults, file=file, line=bkt_line)
    problems += bkt_problems

    items = ()
    if "items" in sections and sections["items"].text:
        items, item_problems = parse_items(sections["items"], file=file)
        problems += item_problems
    if problems:
        return None, prerequisites_line, problems
    kc = KC(
        id=front["id"],
        title=front["title"],
        prerequisites=tuple(front.get("prerequisites", ())),
        motivation=sections["motivation"].text if "motivation" in sections else "",
        explanation=sections["explanation"].text,
        worked_example=sections["worked example"].text if "worked example" in sections else "",
        items=tuple(items),
        bkt=bkt,
        minutes=front.get("minutes"),
        tags=tuple(front.get("tags", ())),
    )
    return kc, prerequisites_line, []


def _split_sections(lines: list[str], *, start: int, file: str) -> tuple[dict[str, Section], list[Problem]]:
    """Cut the body into `##` sections, ignoring `##` lines inside code fences."""
    sections: dict[str, Section] = {}
    problems: list[Problem] = []
    current: Section | None = None
    fence = ""  # the opening fence while inside a code block
    for index in range(start, len(lines)):
        line = lines[index]
        fence = next_fence(fence, line)
        if not fence and line.startswith("## "):
            name = line[3:].strip().lower()
            if name not in SECTIONS:
                known = ", ".join(f"'{s.title()}'" for s in sorted(SECTIONS))
                problems.append(Problem(file, index + 1, f"unknown section '## {line[3:].strip()}' (known: {known})"))
            elif name in sections:
                problems.append(Problem(file, index + 1, f"the '## {name.title()}' section appears twice"))
            current = Section(heading_line=index + 1)
            if name in SECTIONS and name not in sections:
                sections[name] = current
            continue
        if current is not None:
            current.lines.append(line)
        elif line.strip():
            problems.append(Problem(file, index + 1, "text before the first '## ' section heading"))
    return sections, problems


def _check_front_matter(front: dict, *, file: str) -> list[Problem]:
    problems = []
    for key in ("id", "title"):
        if not isinstance(front.get(key), str) or not front.get(key, "").strip():
            problems.append(Problem(file, 2, f"front matter needs a non-empty string '{key}'"))
    if "prerequisites" not in front:
        # Required, even when empty: an author who forgot it would silently get a first step.
        problems.append(
            Problem(file, 2, "front matter needs 'prerequisites': the KC ids it builds on ([] for a first step)")
        )
    prerequisites = front.get("prerequisites", [])
    if not isinstance(prerequisites, list) or not all(isinstance(p, str) for p in prerequisites):
        problems.append(Problem(file, 2, "'prerequisites' must be a list of KC ids"))
    minutes = front.get("minutes")
    if minutes is not None and (not isinstance(minutes, int) or minutes <= 0):
        problems.append(Problem(file, 2, "'minutes' must be a positive whole number"))
    return problems


def bkt_from_table(table, defaults: BKTParams, *, file: str, line: int) -> tuple[BKTParams, list[Problem]]:
    """BKT parameters from a `[bkt]` table, each a probability strictly between 0 and 1 (forget may be 0)."""
    if not isinstance(table, dict):
        return defaults, [Problem(file, line, "[bkt] must be a table of prior, learn, guess, slip, forget")]
    problems = []
    known = {"prior", "learn", "guess", "slip", "forget"}
    for key, value in table.items():
        if key not in known:
            problems.append(
                Problem(file, line, f"[bkt] has an unknown key '{key}' (known: {', '.join(sorted(known))})")
            )
        elif key == "forget" and (isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1):
            problems.append(Problem(file, line, "[bkt] forget must be a number from 0 up to (not including) 1"))
        elif key != "forget" and (not isinstance(value, int | float) or not 0 < value < 1):
            problems.append(Problem(file, line, f"[bkt] {key} must be a number strictly between 0 and 1"))
    if problems:
        return defaults, problems
    return defaults.merged(table), []
