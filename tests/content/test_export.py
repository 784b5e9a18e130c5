"""Export to the folder format: load -> write -> load gives the same course (all but its digest),
for the shipped courses and for prompts that are hard to write as TOML; and a failed export
leaves nothing behind."""

from dataclasses import replace
from pathlib import Path

import pytest

from content import load_course
from content.export import ExportError, differences, item_fields, write_course
from content.ramp import Item
from tests.conftest import FIXTURES, LLM101N

TRICKY_PROMPT = '''What does this print?

```python
print("a\\tb", 'c\\\\d', """three""")
```

Mind the tab, the "quotes", a backslash at the end \\
and a line long enough to be wrapped: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.
It ends in a quote: "'''


@pytest.mark.parametrize("source", [FIXTURES / "tiny", FIXTURES / "kinds", LLM101N], ids=lambda p: p.name)
def test_load_write_load_gives_the_same_course(source, tmp_path):
    course = load_course(source)
    again = load_course(write_course(course, tmp_path / "out"))
    assert differences(course, again) == []
    assert replace(again, digest="") == replace(course, digest="")


def test_prompts_with_code_fences_quotes_and_backslashes_round_trip(tmp_path):
    course = load_course(FIXTURES / "tiny")
    kc = course.kcs[0]
    tricky = replace(
        kc.items[0],
        prompt=TRICKY_PROMPT,
        choices=('say "2"', "C:\\temp", "4 'four'"),
        answer='say "2"',
        feedback={"C:\\temp": 'A "path", not a number.', "4 'four'": "Tab\there."},
        hints=("Line one\nline two", "\\n is a newline"),
    )
    course = replace(course, kcs=(replace(kc, items=(tricky, *kc.items[1:])), *course.kcs[1:]))
    folder = write_course(course, tmp_path / "tiny")
    text = (folder / "kcs" / "counting.md").read_text()
    assert "\n````toml\n" in text and text.endswith("\n````\n")  # a longer fence than the prompt's ```
    assert differences(course, load_course(folder)) == []


def test_items_are_written_from_their_spec_without_empty_or_default_fields():
    numeric = Item(id="n", kind="numeric", prompt="1 + 1?", answer=2.0, hints=("Count.",))
    assert item_fields(numeric) == {
        "id": "n",
        "type": "numeric",
        "prompt": "1 + 1?",
        "answer": 2.0,
        "hints": ["Count."],
    }


def test_course_defaults_are_the_common_bkt_values_and_kcs_override_the_rest(tmp_path):
    course = load_course(FIXTURES / "tiny")
    adding = replace(course.kcs[1], bkt=replace(course.kcs[1].bkt, prior=0.3, forget=0.002))
    course = replace(course, kcs=(course.kcs[0], adding, course.kcs[2]))
    folder = write_course(course, tmp_path / "tiny")
    assert "prior = 0.1\n" in (folder / "course.toml").read_text()
    assert "[bkt]\nprior = 0.3\nforget = 0.002\n+++" in (folder / "kcs" / "adding.md").read_text()
    assert "[bkt]" not in (folder / "kcs" / "counting.md").read_text()
    assert load_course(folder).kc("adding").bkt == adding.bkt


def test_a_course_that_would_not_load_back_writes_nothing(tmp_path):
    course = load_course(FIXTURES / "tiny")
    short = replace(course.kcs[0], items=course.kcs[0].items[:2])  # a KC needs 3 items
    with pytest.raises(ExportError, match="has 2 items"):
        write_course(replace(course, kcs=(short, *course.kcs[1:])), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its temporary twin


def test_a_folder_with_files_is_replaced_only_when_asked_and_only_if_it_is_a_course(tmp_path):
    course = load_course(FIXTURES / "tiny")
    folder = write_course(course, tmp_path / "tiny")
    (folder / "kcs" / "stale.md").write_text("left over")
    with pytest.raises(FileExistsError):
        write_course(course, folder)
    write_course(course, folder, overwrite=True)
    assert not (folder / "kcs" / "stale.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="no course.toml"):
        write_course(course, other, overwrite=True)
    assert (other / "keep.txt").read_text() == "mine"


def test_an_empty_folder_is_written_into(tmp_path: Path):
    (tmp_path / "out").mkdir()
    course = load_course(FIXTURES / "tiny")
    assert differences(course, load_course(write_course(course, tmp_path / "out"))) == []
