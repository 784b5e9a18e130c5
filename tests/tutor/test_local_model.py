"""The local backend streams: SmolLM2-135M in process, one generation at a time."""

import time

import pytest

from tutor.llm import LLMConfig, LLMError, load_model

pytestmark = pytest.mark.model

HELLO = [{"role": "user", "content": "Say hello to a new learner."}]


def test_the_reply_streams_in_pieces_that_join_to_the_generated_text():
    model = load_model(LLMConfig())
    pieces = list(model.stream(HELLO, max_new_tokens=12, deadline_seconds=120))
    assert len(pieces) > 1
    assert "".join(pieces).strip() == model.generate(HELLO, max_new_tokens=12, deadline_seconds=120)  # greedy


def test_an_abandoned_stream_frees_the_model_for_the_next_request():
    model = load_model(LLMConfig())
    abandoned = model.stream(HELLO, max_new_tokens=500, deadline_seconds=300)
    next(abandoned)
    abandoned.close()  # the learner left: generation stops at the next token instead of writing 500
    assert model.generate(HELLO, max_new_tokens=4, deadline_seconds=120)


def test_the_reader_is_not_held_past_the_deadline():
    model = load_model(LLMConfig())
    long_prompt = [{"role": "user", "content": "Explain counting. " * 100}]
    started = time.monotonic()
    with pytest.raises(LLMError, match="deadline"):
        model.generate(long_prompt, max_new_tokens=50, deadline_seconds=0.2)
    assert time.monotonic() - started < 2  # the forward pass alone takes longer
