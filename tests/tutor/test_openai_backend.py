"""The openai backend against a small real HTTP server that speaks the streaming protocol."""

import contextlib
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from content import load_course
from tests.conftest import FIXTURES
from tutor.explain import AUTHORED, MODEL, Request, respond
from tutor.llm import LLMConfig, LLMError, load_model, parse_course_models
from tutor.openai_backend import OpenAIModel, chat_pieces
from tutor.prompts import EXPLAIN

ASKED = [{"role": "system", "content": "You are a tutor."}, {"role": "user", "content": "What is 1 + 2?"}]
CONTINUED = [*ASKED, {"role": "assistant", "content": "The answer is 3, not 4."}]


def sse(pieces, *, delay=0.0, done=True, stall=0.0):
    """Answer with the pieces as server-sent events, `delay` seconds apart; without [DONE] the
    connection just closes after the last piece, as when a server dies mid-reply."""

    def respond(handler):
        time.sleep(stall)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        handler.wfile.write(b'data: {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}\n\n')
        for piece in pieces:
            event = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            handler.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            handler.wfile.flush()
            time.sleep(delay)
        if done:
            handler.wfile.write(b"data: [DONE]\n\n")

    return respond


def status(code, message, headers=()):
    def respond(handler):
        body = json.dumps({"object": "error", "message": message, "code": code}).encode()
        handler.send_response(code)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return respond


@dataclass
class FakeServer:
    url: str
    replies: list = field(default_factory=list)  # one per request, in turn; the last one repeats
    requests: list = field(default_factory=list)  # (path, headers, body) of each request

    def model(self, name="SmolLM2-135M-Instruct", **options) -> OpenAIModel:
        return OpenAIModel(self.url, name, **options)


@pytest.fixture
def server():
    fake = FakeServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append((self.path, dict(self.headers), body))
            reply = fake.replies.pop(0) if len(fake.replies) > 1 else fake.replies[0]
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client stopped reading
                reply(self)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    fake.url = f"http://127.0.0.1:{httpd.server_port}"
    yield fake
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_pieces_arrive_in_order_from_a_greedy_streamed_request(server):
    server.replies = [sse(["Adding ", "1 and 2 ", "gives 3."])]
    pieces = list(server.model().stream(ASKED, max_new_tokens=50, deadline_seconds=5))
    assert pieces == ["Adding ", "1 and 2 ", "gives 3."]
    [(path, headers, body)] = server.requests
    assert path == "/v1/chat/completions" and "authorization" not in {name.lower() for name in headers}
    assert body == {
        "model": "SmolLM2-135M-Instruct",
        "messages": ASKED,
        "stream": True,
        "max_tokens": 50,
        "temperature": 0.0,
        "repetition_penalty": 1.15,
    }


def test_prompts_that_share_their_start_carry_the_same_prefix_key_for_the_load_balancer(server):
    server.replies = [sse(["ok"])]
    notes = {"role": "user", "content": "Course notes: " + "a bigram model counts pairs. " * 100}
    for question in ("Why 27 rows?", "Why add one to every count?"):
        server.model().generate([notes, {"role": "user", "content": question}], max_new_tokens=5, deadline_seconds=5)
    server.model().generate(ASKED, max_new_tokens=5, deadline_seconds=5)
    first, second, other = (headers["X-Prefix-Key"] for _, headers, _ in server.requests)
    assert first == second != other and len(first) == 16


def test_continuing_the_assistants_reply_asks_vllm_to_continue_it(server):
    server.replies = [sse([" You counted", " one apple twice."])]
    text = server.model().generate(CONTINUED, max_new_tokens=20, deadline_seconds=5)
    assert text == "You counted one apple twice."
    body = server.requests[0][2]
    assert body["continue_final_message"] is True and body["add_generation_prompt"] is False
    assert body["messages"][-1] == {"role": "assistant", "content": "The answer is 3, not 4."}


def test_the_api_key_is_sent_as_a_bearer_token(server):
    server.replies = [sse(["ok"])]
    server.model(api_key="sk-test").generate(ASKED, max_new_tokens=5, deadline_seconds=5)
    assert server.requests[0][1]["Authorization"] == "Bearer sk-test"


def test_overload_and_server_errors_are_retried_before_the_first_token(server, caplog):
    server.replies = [status(503, "overloaded"), status(429, "slow down", [("Retry-After", "0")]), sse(["fine."])]
    with caplog.at_level(logging.WARNING):
        assert server.model(retries=2).generate(ASKED, max_new_tokens=5, deadline_seconds=10) == "fine."
    assert len(server.requests) == 3
    assert "attempt 1 failed (HTTP 503: overloaded)" in caplog.text


def test_retries_are_bounded(server):
    server.replies = [status(500, "engine dead")]
    with pytest.raises(LLMError, match="failed after 2 attempts: HTTP 500: engine dead"):
        server.model(retries=1).generate(ASKED, max_new_tokens=5, deadline_seconds=10)
    assert len(server.requests) == 2


def test_a_server_that_is_down_fails_after_the_retries_within_the_deadline():
    started = time.monotonic()
    with pytest.raises(LLMError, match="failed after 3 attempts: ConnectError"):
        OpenAIModel(closed_port_url(), "m", retries=2).generate(ASKED, max_new_tokens=5, deadline_seconds=5)
    assert time.monotonic() - started < 2  # backoff 0.25 s, then 0.5 s


def test_a_reply_that_breaks_off_after_the_first_token_is_not_retried(server):
    server.replies = [sse(["The answer "], done=False), sse(["The answer ", "is 3."])]
    received = []
    with pytest.raises(LLMError, match="broke off"):
        for piece in server.model(retries=3).stream(ASKED, max_new_tokens=5, deadline_seconds=5):
            received.append(piece)
    assert received == ["The answer "] and len(server.requests) == 1  # a retry would repeat "The answer "


def test_the_deadline_cuts_a_slow_stream_and_keeps_what_arrived(server):
    server.replies = [sse(["tick. "] * 50, delay=0.2)]
    started = time.monotonic()
    pieces = list(server.model().stream(ASKED, max_new_tokens=50, deadline_seconds=1.0))
    assert time.monotonic() - started < 2  # generous: these machines are busy
    assert 2 <= len(pieces) <= 6 and set(pieces) == {"tick. "}


def test_a_server_that_never_answers_fails_at_the_deadline(server):
    server.replies = [sse(["late"], stall=3)]
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"no reply from .* 0.5 s\) by the deadline"):
        server.model().generate(ASKED, max_new_tokens=5, deadline_seconds=0.5)
    assert time.monotonic() - started < 1.5  # the server would take 3 s


def test_a_refused_request_is_a_clear_error_and_not_retried(server):
    server.replies = [status(404, "The model `llm101n` does not exist.")]
    with pytest.raises(LLMError) as failure:
        server.model("llm101n").generate(ASKED, max_new_tokens=5, deadline_seconds=5)
    assert "refused the request for model 'llm101n': HTTP 404: The model `llm101n` does not exist." in str(failure)
    assert len(server.requests) == 1


def test_an_error_event_in_the_stream_is_a_clear_error():
    lines = ['data: {"choices": [{"delta": {"content": "Hi"}}]}', "", 'data: {"error": {"message": "OOM"}}', ""]
    pieces = chat_pieces(lines)
    assert next(pieces) == "Hi"
    with pytest.raises(LLMError, match="failed mid-reply: OOM"):
        next(pieces)


def test_each_course_asks_the_server_for_its_own_model_name(server):
    server.replies = [sse(["ok"])]
    config = LLMConfig(
        backend="openai", base_url=server.url, model="SmolLM2-135M-Instruct", course_models={"llm101n": "llm101n"}
    )
    for course_id in ("llm101n", "tiny"):
        model = load_model(config.for_course(course_id))
        assert model.generate(ASKED, max_new_tokens=5, deadline_seconds=5) == "ok"
    assert [body["model"] for _, _, body in server.requests] == ["llm101n", "SmolLM2-135M-Instruct"]
    assert load_model(config.for_course("llm101n")).name == "llm101n"
    # One client per server and model name: connections are reused across requests.
    assert load_model(config.for_course("llm101n")) is load_model(config.for_course("llm101n"))


def test_course_models_are_read_from_one_setting():
    assert parse_course_models("llm101n=llm101n, other = foo-lora,") == {"llm101n": "llm101n", "other": "foo-lora"}
    assert parse_course_models("") == {}
    with pytest.raises(ValueError, match="'other' is not COURSE=MODEL"):
        parse_course_models("llm101n=a,other")


TINY = load_course(FIXTURES / "tiny")
COUNTING = TINY.kc("counting")


def explain_with(model: OpenAIModel, deadline_seconds: float):
    request = Request(EXPLAIN, "Tiny", COUNTING, COUNTING.items[0], learner_answer="4")
    return respond(request, load_model=lambda: model, max_new_tokens=20, deadline_seconds=deadline_seconds)


def test_with_the_server_stopped_the_learner_gets_the_authored_explanation_within_the_deadline():
    started = time.monotonic()
    result = explain_with(OpenAIModel(closed_port_url(), "llm101n"), deadline_seconds=3)
    assert time.monotonic() - started < 3
    assert result.source == AUTHORED and "ConnectError" in result.error


def test_an_explanation_streamed_from_the_server_continues_the_authored_opening(server):
    server.replies = [sse([" Count", " each apple", " once."])]
    result = explain_with(server.model("llm101n"), deadline_seconds=5)
    assert result.source == MODEL and result.model_name == "llm101n"
    assert result.text == "The answer is 3, not 4. You counted one apple twice. Count each apple once."
