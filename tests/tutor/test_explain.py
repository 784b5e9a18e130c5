import logging
import re

import pytest

from content import load_course
from tests.conftest import FIXTURES, LLM101N
from tutor.explain import AUTHORED, MODEL, authored_explanation, explain, explanation_messages, trim_to_sentence
from tutor.llm import LLMConfig, load_model

TINY = load_course(FIXTURES / "tiny")
COUNTING = TINY.kc("counting")
APPLES = COUNTING.items[0]


def test_the_prompt_puts_the_course_material_first_and_the_learners_answer_last():
    system, user, opening = explanation_messages("Tiny arithmetic", COUNTING, APPLES, "4")
    assert system["role"] == "system" and "Tiny arithmetic" in system["content"]
    text = user["content"]
    assert text.index("Counting assigns") < text.index("Worked example") < text.index("How many apples")
    assert text.rstrip().endswith("where the learner's reasoning went wrong.")
    assert "The learner answered: 4" in text and "You counted one apple twice." in text
    assert "Correct answer: 3" in text
    # The model continues a reply that starts from the authored facts.
    assert opening == {"role": "assistant", "content": "The answer is 3, not 4. You counted one apple twice."}


def test_asking_before_answering_keeps_the_answer_out_of_the_prompt():
    messages = explanation_messages("Tiny arithmetic", COUNTING, APPLES, None)
    assert messages[-1]["role"] == "user"
    user = messages[-1]
    assert "Correct answer" not in user["content"] and "without giving away the answer" in user["content"]


class FailingModel:
    name = "failing"

    def generate(self, messages, *, max_new_tokens, deadline_seconds):
        raise TimeoutError("no answer within the deadline")


def test_a_failing_model_yields_the_authored_explanation_and_a_log_line(caplog):
    with caplog.at_level(logging.ERROR):
        result = explain(
            course_title="Tiny",
            kc=COUNTING,
            item=APPLES,
            learner_answer="4",
            load_model=FailingModel,
            max_new_tokens=10,
            deadline_seconds=1,
        )
    assert result.source == AUTHORED and "TimeoutError" in result.error
    assert result.text.startswith("You counted one apple twice.") and COUNTING.explanation in result.text
    assert "explanation model failed for item counting-apples" in caplog.text


def test_trim_to_sentence_drops_an_unfinished_tail():
    assert trim_to_sentence("One. Two is cut") == "One."
    assert trim_to_sentence("Complete sentence.") == "Complete sentence."
    assert trim_to_sentence("no stop at all") == "no stop at all"


@pytest.mark.model
def test_the_real_local_model_explains_a_wrong_answer_from_the_course():
    config = LLMConfig()
    course = load_course(LLM101N)
    kc = course.kcs[1]
    item = next(i for i in kc.items if i.kind == "multiple_choice")
    wrong = next(choice for choice in item.choices if choice != item.answer)
    result = explain(
        course_title=course.title,
        kc=kc,
        item=item,
        learner_answer=wrong,
        load_model=lambda: load_model(config),
        max_new_tokens=60,
        deadline_seconds=60,
    )
    assert result.source == MODEL, result.error
    assert result.model_name == "SmolLM2-135M-Instruct"
    opening = explanation_messages(course.title, kc, item, wrong)[-1]["content"]
    assert opening.startswith(f"The answer is {item.answer_text}, not {wrong}.")
    assert result.text.startswith(opening) and len(result.text) > len(opening) + 20  # the model wrote more
    # Loaded once per process: a second load returns the same model object.
    assert load_model(config) is load_model(config)


OPERATIONS = load_course(FIXTURES / "kinds").kc("operations")
NAME, COLUMNS = OPERATIONS.items[0], OPERATIONS.items[1]


def test_a_short_answer_prompt_gives_the_canonical_answer_the_others_accepted_and_the_misconception():
    _, user, opening = explanation_messages("Typed", OPERATIONS, NAME, "Addition")
    assert (
        "Correct answer: multiplication (also accepted: multiplying)\nThe learner answered: Addition\n"
        in user["content"]
    )
    # The feedback is found for the answer normalized as grading does ("Addition" -> "addition").
    assert "What that answer suggests: Adding 3 and 4 gives 7" in user["content"]
    assert opening["content"] == (
        "The answer is multiplication, not Addition. Adding 3 and 4 gives 7; × repeats the addition instead."
    )
    asked = explanation_messages("Typed", OPERATIONS, NAME, None)[-1]["content"]
    assert "multiplication" not in asked.split("Which operation")[1] and "without giving away" in asked


def test_an_ordering_prompt_numbers_the_right_order_and_the_learners_and_names_the_first_misplaced_step():
    wrong = [COLUMNS.steps[2], COLUMNS.steps[0], COLUMNS.steps[1]]
    _, user, opening = explanation_messages("Typed", OPERATIONS, COLUMNS, "\n".join(wrong))
    text = user["content"]
    right_list = "".join(f"{n}. {step}\n" for n, step in enumerate(COLUMNS.steps, start=1))
    given_list = "".join(f"{n}. {step}\n" for n, step in enumerate(wrong, start=1))
    assert f"Correct order:\n{right_list}\nThe learner's order:\n{given_list}" in text
    assert "What that answer suggests: The tens need the carry" in text
    assert text.endswith("where the learner's order went wrong.")
    assert opening["content"] == (
        f"The right order is {' → '.join(COLUMNS.steps)}. Step 1 is '{COLUMNS.steps[0]}', not '{wrong[0]}'. "
        "The tens need the carry from the ones, so the ones come first."
    )


def test_asking_before_ordering_lists_the_steps_shuffled_never_in_the_right_order():
    text = explanation_messages("Typed", OPERATIONS, COLUMNS, None)[-1]["content"]
    listed = re.findall(r"^- (.*)$", text, re.M)
    assert sorted(listed) == sorted(COLUMNS.steps) and tuple(listed) != COLUMNS.steps
    assert "Correct order" not in text


def test_the_authored_fallback_finds_the_misconception_of_a_short_answer_and_an_order():
    assert authored_explanation(OPERATIONS, NAME, " ADDITION ").text.startswith("Adding 3 and 4 gives 7")
    order = "\n".join([COLUMNS.steps[2], COLUMNS.steps[0], COLUMNS.steps[1]])
    assert authored_explanation(OPERATIONS, COLUMNS, order).text.startswith("The tens need the carry")
    assert authored_explanation(OPERATIONS, COLUMNS, "\n".join(COLUMNS.steps)).text == OPERATIONS.explanation
