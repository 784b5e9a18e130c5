"""One planted defect per broken course, of every kind the validator knows: each is found,
with its file and line, and nothing else is reported."""

import pytest

from content import CourseError, load_course


def replace(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


def extra_kc_with_a_used_id(course):
    (course / "kcs" / "adding-again.md").write_text(
        (course / "kcs" / "adding.md").read_text().replace('id = "adding-', 'id = "again-')
    )
    replace(course / "course.toml", '"multiplying"]', '"multiplying", "adding-again"]')


def drop_an_item(course):
    path = course / "kcs" / "adding.md"
    text = path.read_text()
    start, end = text.index('[[items]]\nid = "adding-choice"'), text.index("```", text.index("adding-choice"))
    path.write_text(text[:start] + text[end:])


# kind, where the defect is planted (file, old text, new text) or a function, expected "file:line", a phrase
DEFECTS = [
    (
        "cycle",
        ("kcs/counting.md", "prerequisites = []", 'prerequisites = ["multiplying"]'),
        "kcs/counting.md:4",
        "cycle",
    ),
    (
        "unknown prerequisite",
        ("kcs/adding.md", '["counting"]', '["counting", "subtracting"]'),
        "kcs/adding.md:4",
        "subtracting",
    ),
    (
        "ramp names a missing KC",
        ("course.toml", '"multiplying"]', '"multiplying", "dividing"]'),
        "course.toml:7",
        "dividing",
    ),
    ("ramp order", ("course.toml", '["counting", "adding"', '["adding", "counting"'), "kcs/adding.md:4", "before"),
    ("duplicate KC id", extra_kc_with_a_used_id, "kcs/adding-again.md:2", "adding"),
    (
        "duplicate item id",
        ("kcs/multiplying.md", 'id = "multiplying-zero"', 'id = "multiplying-small"'),
        "kcs/multiplying.md:22",
        "multiplying-small",
    ),
    (
        "answer not a choice",
        ("kcs/adding.md", 'answer = "20"', 'answer = "21"'),
        "kcs/adding.md:30",
        "not among its choices",
    ),
    ("too few items", drop_an_item, "kcs/adding.md:11", "at least 3"),
    (
        "missing prerequisites",
        ("kcs/adding.md", 'prerequisites = ["counting"]\n', ""),
        "kcs/adding.md:2",
        "prerequisites",
    ),
    (
        "empty section",
        ("kcs/adding.md", "Adding two counts gives the count of both collections together.", ""),
        "kcs/adding.md:7",
        "empty",
    ),
    ("unparseable front matter", ("kcs/adding.md", 'title = "Adding"', 'title = "Adding'), "kcs/adding.md:3", "TOML"),
]


@pytest.mark.parametrize(("kind", "plant", "where", "phrase"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_the_validator_finds_each_planted_defect_where_it_is(tiny_course_dir, kind, plant, where, phrase):
    if callable(plant):
        plant(tiny_course_dir)
    else:
        file, old, new = plant
        replace(tiny_course_dir / file, old, new)
    with pytest.raises(CourseError) as caught:
        load_course(tiny_course_dir)
    found = [str(problem) for problem in caught.value.problems]
    assert any(f"tiny/{where}" in problem and phrase in problem for problem in found), found
