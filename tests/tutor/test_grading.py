import pytest

from content.ramp import Item
from tutor.grading import AnswerError, feedback_for, grade, order_from_positions, parse_number

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


SHAPE = Item(
    id="s",
    kind="short_text",
    prompt="?",
    answer="(B, T, C)",
    answers=("(B, T, C)", "B by T by C"),
    patterns=(r"\(?\s*B\s*,\s*T\s*,\s*C\s*\)?",),
    feedback={"(b, c, t)": "Channels come last."},
)
STEPS = ("forward", "backward", "update")
ORDER = Item(
    id="o",
    kind="ordering",
    prompt="?",
    answer="\n".join(STEPS),
    steps=STEPS,
    feedback={"1 3 2": "The update needs the gradients."},
)


@pytest.mark.parametrize(
    "typed", ["(B, T, C)", "  (b, t, c) ", "b  BY t\tby C", "(B,T,C)", "B, T, C", "( B , T , C )", "(b,t,c"]
)
def test_a_short_answer_is_accepted_trimmed_with_whitespace_collapsed_in_any_case_or_by_a_pattern(typed):
    graded = grade(SHAPE, typed)
    assert graded.correct and graded.answer == typed.strip() and graded.feedback == ""


def test_a_pattern_must_match_the_whole_answer():
    assert not grade(SHAPE, "(B, T, C, D)").correct
    assert not grade(SHAPE, "x (B, T, C)").correct


def test_a_wrong_short_answer_gets_the_feedback_for_it_normalized_the_same_way():
    wrong = grade(SHAPE, "  (B,   c, t) ")
    assert not wrong.correct and wrong.feedback == "Channels come last."
    assert grade(SHAPE, "(T, B, C)").feedback == ""
    assert feedback_for(SHAPE, "(b, C, T)") == "Channels come last."


@pytest.mark.parametrize("typed", ["", "   ", "x" * 201])
def test_a_short_answer_that_cannot_be_graded_says_why(typed):
    with pytest.raises(AnswerError, match=r"\w+ .*\."):
        grade(SHAPE, typed)


def test_only_the_exact_order_is_right_and_a_known_wrong_order_gets_its_feedback():
    assert grade(ORDER, "forward\nbackward\nupdate").correct
    assert grade(ORDER, " forward \r\n\nbackward\nupdate\n").answer == "forward\nbackward\nupdate"
    wrong = grade(ORDER, "forward\nupdate\nbackward")
    assert not wrong.correct and wrong.feedback == "The update needs the gradients."
    assert grade(ORDER, "update\nforward\nbackward").feedback == ""
    assert feedback_for(ORDER, "forward\nupdate\nbackward") == "The update needs the gradients."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Give every step a position first."),
        ("forward\nbackward", "each of the 3 steps in the order exactly once"),
        ("forward\nforward\nupdate", "each of the 3 steps in the order exactly once"),
        ("forward\nbackward\nupdate\nupdate", "each of the 3 steps in the order exactly once"),
        ("forward\nsideways\nupdate", "'sideways' is not one of this question's steps"),
    ],
)
def test_an_order_that_is_not_a_permutation_of_the_steps_is_refused(typed, message):
    with pytest.raises(AnswerError, match=message):
        grade(ORDER, typed)
    assert feedback_for(ORDER, typed) == ""


def test_positions_given_to_the_steps_as_shown_become_the_learners_order():
    shown = ["update", "forward", "backward"]
    assert order_from_positions(shown, ["3", "1", "2"]) == "forward\nbackward\nupdate"
    assert grade(ORDER, order_from_positions(shown, ["2", "1", "3"])).feedback == "The update needs the gradients."
    for positions, message in [
        (["1", "1", "2"], "Position 1 is given to more than one step"),
        (["1", "", "2"], "Give every step a position from 1 to 3"),
        (["1", "2", "4"], "Give every step a position from 1 to 3"),
        (["1", "two", "3"], "Give every step a position from 1 to 3"),
        (["1", "2"], "Give every step a position from 1 to 3"),
    ]:
        with pytest.raises(AnswerError, match=message):
            order_from_positions(shown, positions)


def test_steps_are_shown_shuffled_per_learner_stable_and_never_in_the_right_order():
    from tutor.grading import display_order

    steps = tuple(f"step {n}" for n in range(3))
    items = [Item(id=f"o{k}", kind="ordering", prompt="?", answer="\n".join(steps), steps=steps) for k in range(60)]
    for item in items:
        for learner in ("1", "2", "3"):
            shown = display_order(item, learner)
            assert sorted(shown) == sorted(steps) and tuple(shown) != steps
            assert shown == display_order(item, learner)
    assert len({tuple(display_order(item, "1")) for item in items}) == 5  # every wrong order of 3 steps
    assert any(display_order(item, "1") != display_order(item, "2") for item in items)
