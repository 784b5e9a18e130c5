"""The hint-mode guard: every form of an answer is caught, and ordinary hints pass."""

import pytest

from content.ramp import Item
from tests.tutor.attacks import LLM101N
from tutor.answer_guard import reveals_answer


def mc(answer="Softmax", choices=("Softmax", "ReLU", "Tanh")):
    return Item(
        id="q", kind="multiple_choice", prompt="Which turns logits into probabilities?", answer=answer, choices=choices
    )


def test_multiple_choice_answer_is_caught_in_any_case_and_markup():
    assert reveals_answer(mc(), "It is **softmax**, of course.")
    assert reveals_answer(mc(), "`SOFTMAX`")
    assert not reveals_answer(mc(), "Think about what makes outputs sum to one.")


def test_a_short_choice_counts_only_as_a_whole_word():
    item = mc(answer="a", choices=("a", "b"))
    assert not reveals_answer(item, "Consider the cat.")
    assert reveals_answer(item, "The answer is a.")


def test_numeric_answer_within_tolerance_is_caught_even_when_the_question_shows_it():
    item = Item(id="n", kind="numeric", prompt="With 27 characters, how many bigram counts are there?", answer=729.0)
    assert reveals_answer(item, "There are 729 of them.")
    assert reveals_answer(item, "That is 729.0.")
    assert reveals_answer(item, "7.29e2")
    assert not reveals_answer(item, "Start from the 27 characters: how many pairs can follow each other?")
    shown = Item(id="m", kind="numeric", prompt="Logits [10.0, 0.0]; the loss?", answer=10.0)
    assert reveals_answer(shown, "The loss is 10.")
    close = Item(id="c", kind="numeric", prompt="ln 2?", answer=0.693, tolerance=0.01)
    assert reveals_answer(close, "about 0.69")
    assert reveals_answer(close, "69.3%")
    assert not reveals_answer(close, "about 0.5")


def test_short_text_answers_and_patterns_are_caught():
    item = Item(
        id="s",
        kind="short_text",
        prompt="What normalizes each row?",
        answer="softmax",
        answers=("softmax", "soft max"),
        patterns=(r"soft[- ]?arg[- ]?max",),
    )
    assert reveals_answer(item, "Use Soft Max.")
    assert reveals_answer(item, "use soft-argmax")
    assert not reveals_answer(item, "Which function makes rows sum to one?")


def test_a_pattern_that_matches_anything_is_not_taken_as_a_leak_everywhere():
    item = Item(id="s", kind="short_text", prompt="?", answer="x", answers=("x",), patterns=(".*",))
    assert not reveals_answer(item, "a nudge")


def test_an_ordering_leaks_only_when_every_step_is_given_in_order():
    item = Item(id="o", kind="ordering", prompt="Order", answer="", steps=("forward", "zero grad", "backward", "step"))
    assert reveals_answer(item, "First forward, then zero grad, then backward, and finally step.")
    assert not reveals_answer(item, "Start with the forward pass. What must happen before backward?")
    assert not reveals_answer(item, "step, backward, zero grad, forward")


@pytest.mark.parametrize("kc_item", LLM101N, ids=lambda pair: pair[1].id)
def test_every_llm101n_answer_written_out_is_caught(kc_item):
    """Over the whole course: the answer as the explanation states it is always recognized."""
    _, item = kc_item
    assert reveals_answer(item, f"The answer is {item.answer_text}.")
