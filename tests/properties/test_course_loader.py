"""The course importer on mutated copies of a valid course folder: it loads, or it raises
CourseError whose every problem names a file of the folder (and a line within it, when it
gives one); never another exception."""

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content import CourseError, load_course
from tests.conftest import FIXTURES

TINY = {str(p.relative_to(FIXTURES / "tiny")): p.read_text() for p in sorted((FIXTURES / "tiny").rglob("*.*"))}
# Text that means something to TOML, Markdown fences or the KC format, and text that means nothing.
PIECES = st.sampled_from(
    ["[", "]", "=", '"', "'''", "```", "```toml", "---", "+++", "#", "## Items", "[[items]]", "[bkt]", "\\", "\x00"]
    + ["id = ", "answer = ", "prerequisites = []", "ramp = []", "kind = ", "0.5", "-1", "1e400", "nan", "é", "🙂"]
)
INSERTED = st.one_of(PIECES, st.text(max_size=20))


@st.composite
def mutation(draw):
    """One edit of one file: a line deleted, duplicated, swapped, cut short, or text put into it."""
    name = draw(st.sampled_from(sorted(TINY)))
    lines = TINY[name].split("\n")
    at = draw(st.integers(0, len(lines) - 1))
    edit = draw(st.sampled_from(["delete", "duplicate", "swap", "truncate", "insert", "replace"]))
    if edit == "delete":
        del lines[at]
    elif edit == "duplicate":
        lines.insert(at, lines[at])
    elif edit == "swap":
        other = draw(st.integers(0, len(lines) - 1))
        lines[at], lines[other] = lines[other], lines[at]
    elif edit == "truncate":
        lines[at] = lines[at][: draw(st.integers(0, max(len(lines[at]) - 1, 0)))]
    else:
        column = draw(st.integers(0, len(lines[at])))
        rest = lines[at][column:] if edit == "insert" else lines[at][column + draw(st.integers(0, 10)) :]
        lines[at] = lines[at][:column] + draw(INSERTED) + rest
    return name, "\n".join(lines)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation(), min_size=1, max_size=3))
def test_a_mutated_course_folder_loads_or_says_where_it_is_wrong(mutations):
    files = dict(TINY)
    for name, text in mutations:
        files[name] = text
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tiny"
        shutil.copytree(FIXTURES / "tiny", root)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        try:
            load_course(root)
        except CourseError as error:
            assert error.problems
            for problem in error.problems:
                name = problem.file.removeprefix("tiny/")
                assert name in files, problem
                if problem.line is not None:
                    assert 1 <= problem.line <= files[name].count("\n") + 1, problem
                assert problem.message.strip(), problem
