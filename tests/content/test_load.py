import re

import pytest

from content import CourseError, load_course
from content.__main__ import main
from tests.conftest import FIXTURES, LLM101N


def problems_of(path) -> list[str]:
    with pytest.raises(CourseError) as caught:
        load_course(path)
    return [str(problem) for problem in caught.value.problems]


def set_prerequisites(course_dir, kc_id, prerequisites):
    path = course_dir / "kcs" / f"{kc_id}.md"
    text = re.sub(r"prerequisites = \[.*\]", f"prerequisites = {prerequisites!r}".replace("'", '"'), path.read_text())
    path.write_text(text)


def test_the_tiny_course_loads_in_ramp_order():
    course = load_course(FIXTURES / "tiny")
    assert [kc.id for kc in course.kcs] == ["counting", "adding", "multiplying"]
    assert course.kc("adding").prerequisites == ("counting",)
    apples = course.kc("counting").items[0]
    assert apples.choices == ("2", "3", "4") and apples.answer == "3" and apples.guess == 0.33
    assert apples.feedback["4"] == "You counted one apple twice."
    assert course.kc("adding").items[1].answer == 0.5 and course.kc("adding").items[1].tolerance == 0.001
    assert course.kc("counting").bkt.prior == 0.1
    assert len(course.digest) == 64


def test_llm101n_is_the_complete_course_of_the_syllabus():
    course = load_course(LLM101N)  # raises on any validation problem
    items = [item for kc in course.kcs for item in kc.items]
    assert len(course.kcs) >= 40 and len(items) >= 240
    assert all(len(kc.items) >= 5 for kc in course.kcs)
    assert {item.kind for item in items} == {"multiple_choice", "numeric", "short_text", "ordering"}
    typed = {(kc.id, item.id) for kc in course.kcs for item in kc.items if item.kind in ("short_text", "ordering")}
    assert len(typed) >= 8 and len({kc_id for kc_id, _ in typed}) >= 6  # spread over the ramp
    titles = " ".join(kc.title.lower() for kc in course.kcs)
    for topic in ("bigram", "micrograd", "attention", "transformer", "byte pair", "adam", "kv cache", "lora", "dpo"):
        assert topic in titles, topic


def test_every_wrong_choice_of_llm101n_names_its_misconception_and_every_item_has_hints():
    course = load_course(LLM101N)
    for kc in course.kcs:
        assert kc.motivation.strip() and kc.worked_example.strip(), kc.id
        for item in kc.items:
            assert len(item.hints) >= 2, item.id
            if item.kind == "multiple_choice":
                wrong = set(item.choices) - {item.answer}
                assert wrong <= {choice for choice, text in item.feedback.items() if text.strip()}, item.id


def test_the_ramp_order_of_llm101n_respects_every_prerequisite():
    course = load_course(LLM101N)
    position = {kc.id: n for n, kc in enumerate(course.kcs)}
    assert all(position[p] < position[kc.id] for kc in course.kcs for p in kc.prerequisites)


def test_a_prerequisite_cycle_is_rejected_naming_the_files_and_kcs(tiny_course_dir):
    set_prerequisites(tiny_course_dir, "counting", ["multiplying"])
    problems = problems_of(tiny_course_dir)
    cycle = [p for p in problems if "cycle" in p]
    assert len(cycle) == 1
    assert "counting -> multiplying -> adding -> counting" in cycle[0]
    for file in ("tiny/kcs/counting.md", "tiny/kcs/adding.md", "tiny/kcs/multiplying.md"):
        assert file in cycle[0]
    assert cycle[0].startswith("tiny/kcs/counting.md:4:")  # the prerequisites line


def test_a_dangling_prerequisite_is_rejected_naming_file_line_and_kcs(tiny_course_dir):
    set_prerequisites(tiny_course_dir, "adding", ["counting", "subtracting"])
    assert problems_of(tiny_course_dir) == [
        "tiny/kcs/adding.md:4: KC 'adding' names prerequisite 'subtracting', which is not a KC of this course"
    ]


def test_a_kc_before_its_prerequisite_in_the_ramp_is_rejected(tiny_course_dir):
    course_file = tiny_course_dir / "course.toml"
    course_file.write_text(
        course_file.read_text().replace(
            '["counting", "adding", "multiplying"]', '["counting", "multiplying", "adding"]'
        )
    )
    assert problems_of(tiny_course_dir) == [
        "tiny/kcs/multiplying.md:4: KC 'multiplying' comes before its prerequisite 'adding' in the ramp"
    ]


def test_every_problem_is_reported_in_one_run(tiny_course_dir):
    kc_file = tiny_course_dir / "kcs" / "adding.md"
    kc_file.write_text(kc_file.read_text().replace('answer = "20"', 'answer = "twenty"'))
    broken = tiny_course_dir / "kcs" / "multiplying.md"
    broken.write_text(broken.read_text().replace('title = "Multiplying"', 'title = "Multiplying'))
    (tiny_course_dir / "kcs" / "stray.md").write_text("+++\nid = 'stray'\n+++\n")
    problems = problems_of(tiny_course_dir)
    assert any(
        p.startswith("tiny/kcs/adding.md:") and "answer 'twenty' is not among its choices" in p for p in problems
    )
    assert any(p.startswith("tiny/kcs/multiplying.md:3: cannot parse TOML") for p in problems)
    assert any("tiny/kcs/stray.md is not in the ramp" in p for p in problems)


def test_a_kc_with_too_few_items_is_rejected(tiny_course_dir):
    kc_file = tiny_course_dir / "kcs" / "multiplying.md"
    text = kc_file.read_text()
    kc_file.write_text(text[: text.index('[[items]]\nid = "multiplying-choice"')] + "```\n")
    assert problems_of(tiny_course_dir) == [
        "tiny/kcs/multiplying.md:11: KC 'multiplying' has 2 items; a KC needs at least 3"
    ]


def test_duplicate_item_ids_are_rejected(tiny_course_dir):
    kc_file = tiny_course_dir / "kcs" / "multiplying.md"
    kc_file.write_text(kc_file.read_text().replace('id = "multiplying-zero"', 'id = "adding-small"'))
    assert problems_of(tiny_course_dir) == [
        "tiny/kcs/multiplying.md:22: item id 'adding-small' is also used in tiny/kcs/adding.md"
    ]


def test_validate_command_exit_status_and_messages(tiny_course_dir, capsys):
    assert main(["validate", str(tiny_course_dir)]) == 0
    assert "3 KCs, 9 items, no problems found" in capsys.readouterr().out
    set_prerequisites(tiny_course_dir, "adding", ["adding"])
    assert main(["validate", str(tiny_course_dir)]) == 1
    assert "KC 'adding' lists itself as its own prerequisite" in capsys.readouterr().err
