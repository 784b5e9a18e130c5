import logging

import pytest

from content import load_course
from tests.conftest import FIXTURES, LLM101N
from tutor.explain import AUTHORED, MODEL, explain, explanation_messages, trim_to_sentence
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
