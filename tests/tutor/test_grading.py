import pytest

from content.ramp import Item
from tutor.grading import AnswerError, grade, parse_number

CHOICE = Item(
    id="c", kind="multiple_choice", prompt="?", answer="b", choices=("a", "b"), feedback={"a": "why a is wrong"}
)
NUMBER = Item(id="n", kind="numeric", prompt="?", answer=0.5, tolerance=0.01)


def test_multiple_choice_right_and_wrong_with_feedback():
    assert grade(CHOICE, "b").correct
    wrong = grade(CHOICE, "a")
    assert not wrong.correct and wrong.feedback == "why a is wrong"


@pytest.mark.parametrize("typed", ["0.5", ".5", "1/2", "50%", "5e-1", " 0.505 ", "0.495"])
def test_numeric_answers_in_the_forms_learners_type(typed):
    assert grade(NUMBER, typed).correct


def test_numeric_answer_outside_the_tolerance_is_wrong():
    assert not grade(NUMBER, "0.52").correct


@pytest.mark.parametrize("typed", ["", "half", "1/0", "1e999"])
def test_ungradable_answers_raise_a_clear_error(typed):
    with pytest.raises(AnswerError):
        grade(NUMBER, typed)


def test_a_choice_that_is_not_offered_is_refused():
    with pytest.raises(AnswerError, match="not one of this question's choices"):
        grade(CHOICE, "z")


def test_parse_number_handles_thousands_separators():
    assert parse_number("1,000") == 1000


def test_choices_are_shown_in_an_order_of_each_learners_own_stable_across_visits():
    from content import load_course
    from tests.conftest import LLM101N
    from tutor.grading import display_order

    items = [item for kc in load_course(LLM101N).kcs for item in kc.items if item.kind == "multiple_choice"]
    for item in items:
        assert sorted(display_order(item, "7")) == sorted(item.choices)
        assert display_order(item, "7") == display_order(item, "7")
    # The right answer's position varies: first for about 1 / (number of choices) of the items.
    first = sum(display_order(item, "7")[0] == item.answer for item in items) / len(items)
    assert 0.15 < first < 0.45
    assert any(display_order(item, "7") != display_order(item, "8") for item in items)
