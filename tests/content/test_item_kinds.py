"""Short-text and ordering items and the difficulty prior: parsed, kept, and every mistake
named with its file and line."""

from pathlib import Path

import pytest

from content import CourseError, load_course
from content.ramp import Item
from tests.conftest import FIXTURES

KINDS = FIXTURES / "kinds"


def add_item(course_dir, toml: str) -> str:
    """Add an item (id "new-item") to the tiny course's last KC; return the "file:line" of its id."""
    path = course_dir / "kcs" / "multiplying.md"
    text = path.read_text()
    close = text.rindex("```")
    text = text[:close] + "\n" + toml.strip() + "\n" + text[close:]
    path.write_text(text)
    line = next(n for n, line in enumerate(text.splitlines(), start=1) if line == 'id = "new-item"')
    return f"tiny/kcs/multiplying.md:{line}"


def problems_of(path) -> list[str]:
    with pytest.raises(CourseError) as caught:
        load_course(path)
    return [str(problem) for problem in caught.value.problems]


SHORT = """
[[items]]
id = "new-item"
type = "short_text"
prompt = "Name the operation."
hints = []
"""
ORDERING = """
[[items]]
id = "new-item"
type = "ordering"
prompt = "Order the steps."
hints = []
"""


def test_short_text_and_ordering_items_load_with_their_difficulty():
    items = {item.id: item for item in load_course(KINDS).kc("operations").items}
    name = items["operations-name"]
    assert name.kind == "short_text" and name.answers == ("multiplication", "multiplying")
    assert name.answer == name.answer_text == "multiplication"  # the first answer is the one shown
    assert name.patterns[1] == "times" and name.difficulty == 1
    assert name.feedback["power"].startswith("A power")  # keys are kept normalized: "Power" -> "power"
    order = items["operations-column-addition"]
    assert order.kind == "ordering" and len(order.steps) == 3 and order.difficulty == 3
    assert order.answer == "\n".join(order.steps)
    assert order.answer_text == " → ".join(order.steps)
    assert order.feedback == {"3 1 2": "The tens need the carry from the ones, so the ones come first."}
    assert items["operations-product"].difficulty is None


def test_specs_round_trip_and_specs_stored_before_the_new_fields_still_load():
    for item in load_course(KINDS).kc("operations").items:
        assert Item.from_spec(item.spec()) == item
        # A typed answer's `answer` follows from its answers or steps: the spec holds what an author writes.
        assert ("answer" in item.spec()) == (item.kind == "numeric")
    old = {
        "id": "c",
        "kind": "multiple_choice",
        "prompt": "?",
        "answer": "b",
        "hints": ["h"],
        "choices": ["a", "b"],
        "feedback": {"a": "why"},
        "tolerance": 0.0,
        "guess": None,
        "slip": None,
    }
    item = Item.from_spec(old)
    assert item.choices == ("a", "b") and item.difficulty is None and item.answers == item.steps == ()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("", "a short-text item needs 'answers': a list of one or more non-empty strings"),
        ("answers = []", "a short-text item needs 'answers': a list of one or more non-empty strings"),
        ('answers = ["  "]', "a short-text item needs 'answers'"),
        ('answers = ["times", "Times "]', "its answers 'times' and 'Times ' are the same once normalized"),
        (
            "answers = [\"(B, T, C)\"]\npatterns = ['(B, T']",
            "pattern '(B, T' is not a valid regular expression: missing ), unterminated subpattern at position 0",
        ),
        ("answers = [\"x\"]\npatterns = ['a{2,1}']", "pattern 'a{2,1}' is not a valid regular expression: "),
        (
            'answers = ["multiplication"]\nfeedback = { "  Multiplication " = "No." }',
            "feedback is given for '  Multiplication ', which is an accepted answer",
        ),
        (
            'answers = ["multiplication"]\npatterns = ["times|x"]\nfeedback = { "X" = "No." }',
            "feedback is given for 'X', which its pattern 'times|x' accepts as right",
        ),
        (
            'answers = ["m"]\nfeedback = { "add" = "No.", "ADD" = "No!" }',
            "feedback is given twice for one answer: 'add' and 'ADD' are the same once normalized",
        ),
        ('answers = ["m"]\nfeedback = { "add" = "" }', "'feedback' must be a table from a wrong answer to a sentence"),
        ('answers = ["m"]\nanswer = "m"', "a short_text item has no 'answer': its accepted answers go in 'answers'"),
        ('answers = ["m"]\nchoices = ["m", "n"]', "a short_text item has no 'choices'"),
    ],
)
def test_a_faulty_short_text_item_is_rejected_at_its_line(tiny_course_dir, fields, message):
    where = add_item(tiny_course_dir, SHORT + fields)
    problems = problems_of(tiny_course_dir)
    assert len(problems) == 1 and problems[0].startswith(f"{where}: item 'new-item': {message}"), problems


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("", "an ordering item needs 'steps': a list of 3 or more non-empty strings, in the right order"),
        ('steps = ["a", "b"]', "an ordering item needs at least 3 steps; it has 2"),
        ('steps = ["a", "b", "a "]', "its step 'a' appears 2 times; steps must be distinct"),
        ('steps = ["a", "b", ""]', "an ordering item needs 'steps'"),
        ("steps = [\"a\", '''b\nc''', \"d\"]", "its step 'b\\nc' spans several lines; a step is one line"),
        ('steps = ["a", "b", "c"]\nfeedback = { "1 2 3" = "No." }', "feedback is given for '1 2 3', the right order"),
        (
            'steps = ["a", "b", "c"]\nfeedback = { "1 3" = "No." }',
            "feedback is given for '1 3', which is not an order of its steps: write the numbers 1 to 3 "
            "of the steps as authored, each once, in the wrong order, such as '2 1 3'",
        ),
        (
            'steps = ["a", "b", "c"]\nfeedback = { "1 3 3" = "No." }',
            "feedback is given for '1 3 3', which is not an order",
        ),
        (
            'steps = ["a", "b", "c"]\nfeedback = { "b a c" = "No." }',
            "feedback is given for 'b a c', which is not an order",
        ),
        (
            'steps = ["a", "b", "c"]\nfeedback = { "2 1 3" = "No.", "2, 1, 3" = "No!" }',
            "feedback is given twice for one order",
        ),
        ('steps = ["a", "b", "c"]\nanswer = "a"', "an ordering item has no 'answer'"),
    ],
)
def test_a_faulty_ordering_item_is_rejected_at_its_line(tiny_course_dir, fields, message):
    where = add_item(tiny_course_dir, ORDERING + fields)
    problems = problems_of(tiny_course_dir)
    assert len(problems) == 1 and problems[0].startswith(f"{where}: item 'new-item': {message}"), problems


def test_ordering_feedback_keys_may_use_commas_and_are_kept_normalized(tiny_course_dir):
    add_item(tiny_course_dir, ORDERING + 'steps = ["a", "b", "c"]\nfeedback = { "2, 1,3" = "Swapped." }')
    item = load_course(tiny_course_dir).kc("multiplying").items[-1]
    assert item.feedback == {"2 1 3": "Swapped."}


@pytest.mark.parametrize("value", ["0", "6", "2.5", '"3"', "true", "-1"])
def test_a_difficulty_outside_1_to_5_is_rejected_at_its_items_line(tiny_course_dir, value):
    where = add_item(tiny_course_dir, SHORT + f'answers = ["m"]\ndifficulty = {value}')
    assert problems_of(tiny_course_dir) == [
        f"{where}: item 'new-item': 'difficulty' must be a whole number from 1 (easiest) to 5 (hardest), "
        f"not {load_value(value)!r}"
    ]


def load_value(toml_value: str):
    import tomllib

    return tomllib.loads(f"v = {toml_value}")["v"]


@pytest.mark.parametrize("value", [1, 3, 5])
def test_a_difficulty_from_1_to_5_is_kept_on_any_item(tiny_course_dir, value):
    path = tiny_course_dir / "kcs" / "multiplying.md"
    path.write_text(path.read_text().replace('hints = ["5 + 5."]', f'hints = ["5 + 5."]\ndifficulty = {value}'))
    assert load_course(tiny_course_dir).kc("multiplying").items[-1].difficulty == value


def test_the_example_kc_file_of_format_md_parses_with_one_item_of_each_type():
    from content.kc_file import parse_kc_file
    from content.ramp import ITEM_KINDS, BKTParams

    text = (Path(__file__).parents[2] / "content" / "FORMAT.md").read_text()
    start = text.index("````markdown\n") + len("````markdown\n")
    example = text[start : text.index("\n````\n", start)]
    kc, _, problems = parse_kc_file(example, file="FORMAT.md", defaults=BKTParams())
    assert problems == []
    assert [item.kind for item in kc.items] == list(ITEM_KINDS)
