"""The draft as files: validation named inside the course, starters, and ramp edits that keep the author's layout."""

import tomllib

import pytest

from content import load_course
from content.export import differences
from tests.conftest import FIXTURES
from tests.webapp.conftest import folder_files
from webapp.authoring import changes
from webapp.authoring.course_folder import ramp_order, validate, write_folder
from webapp.authoring.starters import RampEditError, append_to_ramp, new_course_files, remove_from_ramp

TINY = folder_files(FIXTURES / "tiny")


def test_a_valid_draft_loads_as_its_course_and_problems_are_named_inside_the_course():
    assert differences(load_course(FIXTURES / "tiny"), validate(TINY, "tiny").course) == []
    broken = {**TINY, "kcs/adding.md": TINY["kcs/adding.md"].replace('["counting"]', '["counting", "x"]')}
    problems = validate(broken, "tiny").problems
    assert [(p.file, p.line) for p in problems] == [("kcs/adding.md", 4)]


def test_the_digest_of_a_draft_depends_only_on_its_files():
    assert validate(TINY, "tiny").course.digest == validate(dict(reversed(TINY.items())), "tiny").course.digest


def test_no_path_outside_a_course_folder_is_ever_written(tmp_path):
    for name in ("../x.md", "/etc/x", "kcs/a/b.md", "kcs/.hidden.md", "notes.txt"):
        with pytest.raises(ValueError, match="is not a file of a course folder"):
            write_folder({name: "x"}, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_new_course_starts_valid():
    files = new_course_files("stats101", 'Statistics "for all"')
    course = validate(files, "stats101").course
    assert course.title == 'Statistics "for all"' and [kc.id for kc in course.kcs] == ["first-steps"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('ramp = ["a", "b"]\n', 'ramp = ["a", "b", "new"]\n'),
        ('ramp = ["a"]  # the ramp ]\n', 'ramp = ["a", "new"]  # the ramp ]\n'),
        ("ramp = []\n", 'ramp = ["new"]\n'),
        ('ramp = [\n  "a",\n  "b"\n]\n', 'ramp = [\n  "a",\n  "b",\n  "new",\n]\n'),
        ('ramp = [\n  "a", # first ]\n  "b",\n]\n[bkt]\n', 'ramp = [\n  "a", # first ]\n  "b",\n  "new",\n]\n[bkt]\n'),
    ],
)
def test_a_kc_is_appended_to_the_ramp_as_written(before, after):
    assert append_to_ramp(f'id = "c"\n{before}', "new") == f'id = "c"\n{after}'
    assert tomllib.loads(remove_from_ramp(after, "new")) == tomllib.loads(before)


def test_a_ramp_that_cannot_be_edited_safely_is_left_alone():
    with pytest.raises(RampEditError, match="does not parse"):
        append_to_ramp("ramp = [", "new")
    with pytest.raises(RampEditError, match="not found as written"):
        remove_from_ramp('ramp = ["a"]\n', "b")
    with pytest.raises(RampEditError, match="no ramp"):
        append_to_ramp('title = "x"\n', "new")


def test_ramp_order_follows_course_toml_then_names_the_rest():
    files = {**TINY, "kcs/zeta.md": "", "kcs/alpha.md": ""}
    assert ramp_order(files) == [
        *("kcs/counting.md", "kcs/adding.md", "kcs/multiplying.md", "kcs/alpha.md", "kcs/zeta.md")
    ]


def test_changes_name_what_is_added_changed_and_archived():
    published = load_course(FIXTURES / "tiny")
    edited = {
        **TINY,
        "course.toml": TINY["course.toml"].replace('"adding", "multiplying"', '"multiplying", "adding"'),
        "kcs/multiplying.md": TINY["kcs/multiplying.md"].replace('["adding"]', '["counting"]'),
        "kcs/counting.md": TINY["kcs/counting.md"].replace("How many apples", "How many pears"),
    }
    draft = validate(edited, "tiny").course
    found = changes.between(published, draft)
    assert found.kcs_changed == {"multiplying": ["prerequisites", "place in the ramp"], "adding": ["place in the ramp"]}
    assert found.items_changed == ["counting-apples"] and not found.items_added and not found.kcs_archived
    assert changes.between(None, draft).kcs_added == ["counting", "multiplying", "adding"]
    assert "Items changed (1): counting-apples" in found.summary()
