"""A course folder held as text, `{path inside the course: text}`: the form a draft takes.

The validator and the importer read folders (content.load_course), so a draft is
written to a temporary folder to be checked or imported. Problems are named by the
path inside the course (`course.toml`, `kcs/<id>.md`) so that a page can link each
one to the edit form of its file. Only those two kinds of path are ever written.
"""

import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from content import CourseError, Problem, load_course
from content.kc_file import bkt_from_table, parse_kc_file
from content.ramp import KC, BKTParams, Course
from content.toml_source import key_pattern, line_of

COURSE_FILE = "course.toml"
KC_FILE = re.compile(r"kcs/([A-Za-z0-9][A-Za-z0-9_.-]*)\.md")
FOLDER = "course"  # the temporary folder's name; problems name files relative to its parent


def is_course_path(name: str) -> bool:
    """Whether `name` is a file a course folder holds: course.toml or kcs/<id>.md (no deeper)."""
    return name == COURSE_FILE or bool(KC_FILE.fullmatch(name))


def kc_path(kc_id: str) -> str:
    return f"kcs/{kc_id}.md"


def normalize_text(text: str) -> str:
    """One newline convention: browsers send a textarea's lines ending in CRLF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_folder(files: dict[str, str], parent: Path) -> Path:
    """Write `files` as a course folder under `parent`; refuse any path a course folder cannot hold."""
    root = parent / FOLDER
    for name, text in files.items():
        if not is_course_path(name):
            raise ValueError(f"{name!r} is not a file of a course folder")
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    root.mkdir(exist_ok=True)
    return root


@dataclass(frozen=True)
class Validation:
    """The draft as a course (None unless it has no problem), or every problem, each with file and line."""

    course: Course | None
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems

    def problems_in(self, name: str) -> list[Problem]:
        return [problem for problem in self.problems if problem.file == name]


def validate(files: dict[str, str], course_id: str) -> Validation:
    """Check a draft as `content validate` would, and that it is still the course `course_id`."""
    with tempfile.TemporaryDirectory(prefix="draft-") as tmp:
        return validate_folder(write_folder(files, Path(tmp)), course_id, files)


def validate_folder(root: Path, course_id: str, files: dict[str, str]) -> Validation:
    problems = _id_problems(files, course_id)
    try:
        course = load_course(root)
    except CourseError as error:
        problems += [_inside(problem) for problem in error.problems]
        course = None
    problems = sorted(set(problems), key=lambda p: (p.file != COURSE_FILE, p.file, p.line or 0, p.message))
    return Validation(None if problems else course, tuple(problems))


def _inside(problem: Problem) -> Problem:
    """The problem with its file named inside the course: `kcs/a.md`, not `course/kcs/a.md`."""
    return Problem(problem.file.removeprefix(f"{FOLDER}/"), problem.line, problem.message)


def _id_problems(files: dict[str, str], course_id: str) -> list[Problem]:
    """A draft belongs to one course: publishing it under another id would make a second course."""
    meta = course_meta(files)
    found = meta.get("id")
    if isinstance(found, str) and found != course_id:
        line = line_of(files[COURSE_FILE].splitlines(), key_pattern("id"))
        return [Problem(COURSE_FILE, line, f"the course id is '{found}' but this draft is of course '{course_id}'")]
    return []


def course_meta(files: dict[str, str]) -> dict:
    """course.toml as a table, or {} when it is missing or does not parse (the validator says why)."""
    try:
        return tomllib.loads(files.get(COURSE_FILE, ""))
    except tomllib.TOMLDecodeError:
        return {}


def ramp_order(files: dict[str, str]) -> list[str]:
    """The KC files in ramp order as far as course.toml tells it, then any others by name."""
    ramp = course_meta(files).get("ramp")
    named = [kc_path(kc) for kc in ramp if isinstance(kc, str)] if isinstance(ramp, list) else []
    named = [name for name in dict.fromkeys(named) if name in files]
    return named + sorted(name for name in files if KC_FILE.fullmatch(name) and name not in named)


def parse_kc(files: dict[str, str], name: str, text: str | None = None) -> tuple[KC | None, list[Problem]]:
    """One KC file on its own (for previews): the KC, or the problems of the file itself."""
    defaults, _ = bkt_from_table(course_meta(files).get("bkt", {}), BKTParams(), file=COURSE_FILE, line=None)
    kc, _, problems = parse_kc_file(files[name] if text is None else text, file=name, defaults=defaults)
    return kc, problems


def draft_items(files: dict[str, str]) -> dict[str, tuple[KC, object]]:
    """Every item of the KC files that parse, by id, with its KC, in ramp order."""
    found = {}
    for name in ramp_order(files):
        kc, _ = parse_kc(files, name)
        for item in kc.items if kc else ():
            found.setdefault(item.id, (kc, item))
    return found


def body(text: str) -> str:
    """A KC file's Markdown after its front matter: the preview when the file does not parse."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "+++":
        closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
        if closing is not None:
            return "\n".join(lines[closing + 1 :])
    return text
