"""Load a course folder: the course file, each KC file of its ramp, then the graph checks."""

import hashlib
import re
from pathlib import Path

from content.errors import CourseError, Problem, display_path
from content.graph import Node, graph_problems
from content.kc_file import bkt_from_table, parse_kc_file
from content.ramp import KC, BKTParams, Course
from content.toml_source import key_pattern, line_of, parse_toml

MIN_ITEMS_PER_KC = 3


def load_course(path: str | Path) -> Course:
    """Parse and validate the course folder at `path`; raise CourseError listing every problem."""
    root = Path(path).resolve()
    course_path = root / "course.toml"
    name = display_path(course_path, root)
    if not course_path.is_file():
        raise CourseError([Problem(name, None, "no course.toml: a course is a folder holding course.toml and kcs/")])
    text = course_path.read_text(encoding="utf-8")
    meta, problems = parse_toml(text, file=name)
    if meta is None:
        raise CourseError(problems)
    problems += _check_course_meta(meta, file=name)
    ramp_line = line_of(text.splitlines(), key_pattern("ramp"))
    defaults, bkt_problems = bkt_from_table(
        meta.get("bkt", {}), BKTParams(), file=name, line=line_of(text.splitlines(), r"^\s*\[bkt\]")
    )
    problems += bkt_problems
    ramp = meta.get("ramp") if isinstance(meta.get("ramp"), list) else []

    kcs, nodes = [], []
    seen_items: dict[str, str] = {}
    for kc_id in _unique_ramp(ramp, file=name, line=ramp_line, problems=problems):
        kc_path = root / "kcs" / f"{kc_id}.md"
        kc_name = display_path(kc_path, root)
        if not kc_path.is_file():
            problems.append(Problem(name, ramp_line, f"the ramp names KC '{kc_id}' but {kc_name} does not exist"))
            continue
        kc_text = kc_path.read_text(encoding="utf-8")
        kc, prerequisites_line, kc_problems = parse_kc_file(kc_text, file=kc_name, defaults=defaults)
        problems += kc_problems
        if kc is None:
            continue
        problems += _check_kc(kc, kc_id=kc_id, file=kc_name, lines=kc_text.splitlines(), seen_items=seen_items)
        kcs.append(kc)
        nodes.append(Node(kc.id, kc.prerequisites, kc_name, prerequisites_line))
    problems += _files_left_out(root, ramp, file=name)
    problems += graph_problems(nodes)
    if problems:
        raise CourseError(problems)
    return Course(
        id=meta["id"],
        title=meta["title"],
        description=meta.get("description", ""),
        authors=tuple(meta.get("authors", ())),
        target_band=tuple(float(p) for p in meta.get("target_band", (0.7, 0.85))),
        mastery_threshold=float(meta.get("mastery_threshold", 0.95)),
        kcs=tuple(kcs),
        digest=course_digest(root),
    )


def course_digest(root: Path) -> str:
    """A hash of every file of the course, so an unchanged course is not re-imported."""
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _check_course_meta(meta: dict, *, file: str) -> list[Problem]:
    problems = []
    for key in ("id", "title"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            problems.append(Problem(file, None, f"course.toml needs a non-empty string '{key}'"))
    ramp = meta.get("ramp")
    if not isinstance(ramp, list) or not ramp or not all(isinstance(kc, str) for kc in ramp):
        problems.append(Problem(file, None, "course.toml needs 'ramp': the list of KC ids in teaching order"))
    value = meta.get("mastery_threshold", 0.5)
    if not _probability(value):
        problems.append(Problem(file, None, "'mastery_threshold' must be a number strictly between 0 and 1"))
    band = meta.get("target_band", [0.7, 0.85])
    if not (isinstance(band, list) and len(band) == 2 and all(map(_probability, band)) and band[0] < band[1]):
        problems.append(
            Problem(file, None, "'target_band' must be two probabilities, low then high, such as [0.7, 0.85]")
        )
    if "target_success" in meta:
        problems.append(Problem(file, None, "'target_success' is now 'target_band', such as [0.7, 0.85]"))
    return problems


def _probability(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 < value < 1


def _unique_ramp(ramp: list, *, file: str, line: int, problems: list[Problem]) -> list[str]:
    seen = []
    for kc_id in ramp:
        if not isinstance(kc_id, str):
            continue
        if kc_id in seen:
            problems.append(Problem(file, line, f"the ramp names KC '{kc_id}' twice"))
        else:
            seen.append(kc_id)
    return seen


def _check_kc(kc: KC, *, kc_id: str, file: str, lines: list[str], seen_items: dict[str, str]) -> list[Problem]:
    problems = []
    items_line = _nth_line(lines, r"^##\s+Items\s*$", 0)
    if kc.id != kc_id:
        problems.append(Problem(file, 2, f"the file is named for KC '{kc_id}' but its id is '{kc.id}'"))
    if len(kc.items) < MIN_ITEMS_PER_KC:
        problems.append(
            Problem(file, items_line, f"KC '{kc.id}' has {len(kc.items)} items; a KC needs at least {MIN_ITEMS_PER_KC}")
        )
    for index, item in enumerate(kc.items):
        if item.id in seen_items:
            # The line of this use: the nth `id = "..."` line with this id, n counting this file's earlier uses.
            earlier = sum(other.id == item.id for other in kc.items[:index])
            line = _nth_line(lines, key_pattern("id", item.id), earlier)
            problems.append(Problem(file, line, f"item id '{item.id}' is also used in {seen_items[item.id]}"))
        seen_items[item.id] = file
    return problems


def _files_left_out(root: Path, ramp: list, *, file: str) -> list[Problem]:
    kcs_dir = root / "kcs"
    on_disk = sorted(kcs_dir.glob("*.md")) if kcs_dir.is_dir() else []
    return [
        Problem(
            file, None, f"{display_path(path, root)} is not in the ramp; add '{path.stem}' to 'ramp' or remove the file"
        )
        for path in on_disk
        if path.stem not in ramp
    ]


def _nth_line(lines: list[str], pattern: str, n: int) -> int | None:
    """The file line of the (n+1)th line matching `pattern`, or None."""
    matches = [number for number, line in enumerate(lines, start=1) if re.search(pattern, line)]
    return matches[n] if n < len(matches) else None
