"""Write a `Course` back to the folder format (course.toml and kcs/<id>.md), see FORMAT.md.

Faculty edit courses as folders; a course that lives in the database (refit BKT
parameters, edits in the admin) comes back to a folder through here. The result is
checked by loading it again: it must give back the same course (all but `digest`),
or nothing is written. Items are written from `Item.spec()`, key by key, so that
fields added to items later are exported without changes here.
"""

import dataclasses
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from content import toml_write as toml
from content.errors import CourseError
from content.load import load_course
from content.ramp import KC, BKTParams, Course, Item

BKT_KEYS = ("prior", "learn", "guess", "slip", "forget")
# The order authors write an item's keys in (FORMAT.md); keys not named here follow, in spec order.
ITEM_KEY_ORDER = (
    *("id", "type", "prompt", "choices", "answer", "answers", "patterns", "steps", "tolerance"),
    *("hints", "guess", "slip", "difficulty"),
)
PROSE = {"prompt"}  # item fields written as wrapped blocks when long


class ExportError(Exception):
    """The written folder would not load back as the same course; nothing was written."""


def write_course(course: Course, folder: str | Path, *, overwrite: bool = False) -> Path:
    """Write `course` as a course folder at `folder`, all or nothing.

    The files are written to a temporary folder beside `folder`, loaded back and
    compared with `course`, and only then moved into place. An existing non-empty
    `folder` is replaced only with `overwrite`, and only if it is a course folder
    (holds a course.toml).
    """
    folder = Path(folder).resolve()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, not a folder")
    if folder.exists() and any(folder.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{folder} exists and holds files")
        if not (folder / "course.toml").is_file():  # never replace a folder that is not a course
            raise FileExistsError(f"{folder} holds files but no course.toml: it is not replaced")
    unsafe = [kc.id for kc in course.kcs if not kc.id or kc.id.startswith(".") or "/" in kc.id or "\\" in kc.id]
    if unsafe:
        raise ExportError(f"KC ids that cannot be file names: {', '.join(map(repr, unsafe))}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the course folder should not be
        for name, text in course_files(course).items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _check_round_trip(course, staging, folder)
        _move_into_place(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def course_files(course: Course) -> dict[str, str]:
    """The text of every file of the course folder, by path relative to the folder."""
    defaults = _common_bkt(course)
    files = {"course.toml": course_toml(course, defaults)}
    for kc in course.kcs:
        files[f"kcs/{kc.id}.md"] = kc_markdown(kc, defaults)
    return files


def course_toml(course: Course, defaults: BKTParams) -> str:
    lines = [toml.assignment("id", course.id), toml.assignment("title", course.title)]
    if course.description:
        lines.append(toml.assignment("description", course.description, text=True))
    if course.authors:
        lines.append(toml.assignment("authors", list(course.authors)))
    lines.append(toml.assignment("target_band", list(course.target_band)))
    lines.append(toml.assignment("mastery_threshold", course.mastery_threshold))
    lines += ["", "# Teaching order: each KC depends only on KCs before it.", "ramp = ["]
    lines += [f"  {toml.value(kc.id)}," for kc in course.kcs]
    lines += ["]", "", "[bkt]"]
    lines += [toml.assignment(name, getattr(defaults, name)) for name in BKT_KEYS if name != "forget"]
    if defaults.forget:
        lines.append(toml.assignment("forget", defaults.forget))
    return "\n".join(lines) + "\n"


def kc_markdown(kc: KC, defaults: BKTParams) -> str:
    front = [
        toml.assignment("id", kc.id),
        toml.assignment("title", kc.title),
        toml.assignment("prerequisites", list(kc.prerequisites)),
    ]
    if kc.minutes is not None:
        front.append(toml.assignment("minutes", kc.minutes))
    if kc.tags:
        front.append(toml.assignment("tags", list(kc.tags)))
    overrides = {name: getattr(kc.bkt, name) for name in BKT_KEYS if getattr(kc.bkt, name) != getattr(defaults, name)}
    if overrides:
        front += ["", "[bkt]", *(toml.assignment(name, value) for name, value in overrides.items())]
    parts = ["+++\n" + "\n".join(front) + "\n+++"]
    for heading, text in (
        ("Motivation", kc.motivation),
        ("Explanation", kc.explanation),
        ("Worked example", kc.worked_example),
    ):
        if text.strip():
            parts.append(f"## {heading}\n\n{text.strip()}")
    parts.append("## Items\n\n" + fenced_toml(items_toml(kc.items)))
    return "\n\n".join(parts) + "\n"


def items_toml(items: tuple[Item, ...]) -> str:
    """The [[items]] tables of a KC's items block."""
    return "\n\n".join(_item_toml(item) for item in items)


def fenced_toml(text: str) -> str:
    """`text` in a ```toml fence, made longer than any backtick run that starts a line of it."""
    runs = [len(line) - len(line.lstrip("`")) for line in (s.strip() for s in text.splitlines())]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}toml\n{text}\n{fence}"


def item_fields(item: Item) -> dict:
    """The item's spec as the file writes it: `kind` named `type`, empty and default values left out."""
    spec = item.spec()
    if "kind" in spec:
        spec = {("type" if name == "kind" else name): value for name, value in spec.items()}
    defaults = _field_defaults(Item)
    fields = {
        name: value
        for name, value in spec.items()
        if not (value is None or value in ("", [], {}, ()) or (name in defaults and value == defaults[name]))
    }
    ordered = [name for name in ITEM_KEY_ORDER if name in fields]
    return {name: fields[name] for name in ordered + [name for name in fields if name not in ordered]}


def differences(expected: Course, actual: Course) -> list[str]:
    """What differs between two courses, all but `digest`, in words (empty when they are equal)."""
    found = []
    for field in dataclasses.fields(Course):
        if field.name not in ("kcs", "digest") and getattr(expected, field.name) != getattr(actual, field.name):
            found.append(f"course {field.name}: {getattr(expected, field.name)!r} != {getattr(actual, field.name)!r}")
    if [kc.id for kc in expected.kcs] != [kc.id for kc in actual.kcs]:
        return [*found, "the KCs or their order differ"]
    for mine, theirs in zip(expected.kcs, actual.kcs):
        for field in dataclasses.fields(KC):
            a, b = getattr(mine, field.name), getattr(theirs, field.name)
            if field.name == "items" and [i.id for i in a] == [i.id for i in b]:
                found += [f"KC '{mine.id}' item '{x.id}': {x.spec()!r} != {y.spec()!r}" for x, y in zip(a, b) if x != y]
            elif a != b:
                found.append(f"KC '{mine.id}' {field.name}: {a!r} != {b!r}")
    return found


def _item_toml(item: Item) -> str:
    """One [[items]] table; a table-valued field (feedback) follows as its own [items.<field>] table."""
    fields = item_fields(item)
    lines = ["[[items]]"]
    tables = {name: value for name, value in fields.items() if isinstance(value, dict)}
    lines += [toml.assignment(name, value, text=name in PROSE) for name, value in fields.items() if name not in tables]
    for name, table in tables.items():
        lines += ["", f"[items.{toml.key(name)}]"]
        # Keys of these tables are data (a choice's text): always quoted, values on one line as authors write them.
        lines += [f"{toml.string(key)} = {toml.value(value)}" for key, value in table.items()]
    return "\n".join(lines)


def _common_bkt(course: Course) -> BKTParams:
    """The course's [bkt] defaults: for each parameter, the value most KCs have (ties: the earliest KC's)."""
    if not course.kcs:
        return BKTParams()
    common = {name: Counter(getattr(kc.bkt, name) for kc in course.kcs).most_common(1)[0][0] for name in BKT_KEYS}
    return BKTParams(**common)


def _field_defaults(cls) -> dict:
    """Each dataclass field's default, tuples as lists (as `spec()` writes them)."""
    defaults = {}
    for field in dataclasses.fields(cls):
        if field.default is not dataclasses.MISSING:
            value = field.default
        elif field.default_factory is not dataclasses.MISSING:
            value = field.default_factory()
        else:
            continue
        defaults[field.name] = list(value) if isinstance(value, tuple) else value
    if "kind" in defaults:
        defaults["type"] = defaults.pop("kind")
    return defaults


def _check_round_trip(course: Course, staging: Path, folder: Path) -> None:
    try:
        loaded = load_course(staging)
    except CourseError as error:
        message = str(error).replace(staging.name, folder.name)  # name the files as they would have been
        raise ExportError(f"the exported course does not load:\n{message}") from error
    found = differences(course, loaded)
    if found:
        raise ExportError("the exported course loads back differently:\n  " + "\n  ".join(found[:10]))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _move_into_place(staging: Path, folder: Path) -> None:
    """Swap the finished folder in; an old folder is kept aside until the new one is in place."""
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=folder.parent))
        os.rename(folder, old / folder.name)
    try:
        os.rename(staging, folder)
    except BaseException:
        if old is not None:
            os.rename(old / folder.name, folder)
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
