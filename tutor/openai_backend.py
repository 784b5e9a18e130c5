"""Any OpenAI-compatible chat server (vLLM in production), streamed over HTTP.

POST {base_url}/v1/chat/completions with `stream: true`: the reply comes back as
server-sent events, one `data: {json}` line per piece and a blank line after each,
ending with `data: [DONE]`. A failed attempt is retried only before the first piece
arrives: after that, a retry would write the same words twice.
"""

import functools
import hashlib
import json
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator

import httpx

from tutor.llm import LLMError, pieces_until

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
FIRST_BACKOFF_SECONDS = 0.25  # doubled before each further retry
PREFIX_CHARS = 2000  # how much of the prompt's start decides its replica (docs/SERVING.md)
REPETITION_PENALTY = 1.15  # as the local backend's


class Retryable(LLMError):
    """A failure worth another attempt, as long as nothing has been streamed yet."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after  # seconds the server asked us to wait, if it said


class OpenAIModel:
    """One model name (a base model or a LoRA adapter) on an OpenAI-compatible server."""

    def __init__(
        self,
        base_url: str,
        name: str,
        *,
        api_key: str = "",
        connect_timeout: float = 5.0,
        retries: int = 2,
        temperature: float = 0.0,
    ):
        self.url = base_url.rstrip("/") + "/v1/chat/completions"
        self.name = name
        self.connect_timeout = connect_timeout
        self.retries = retries
        self.temperature = temperature  # 0: greedy, the same explanation for the same prompt
        self._client = httpx.Client(headers={"Authorization": f"Bearer {api_key}"} if api_key else {})

    def generate(self, messages: list[dict[str, str]], *, max_new_tokens: int, deadline_seconds: float) -> str:
        return "".join(self.stream(messages, max_new_tokens=max_new_tokens, deadline_seconds=deadline_seconds)).strip()

    def stream(self, messages: list[dict[str, str]], *, max_new_tokens: int, deadline_seconds: float) -> Iterator[str]:
        """Pieces as the server sends them, until it is done or the deadline passes.

        The HTTP exchange runs in a thread of its own, so that a server which stalls
        mid-reply cannot hold the reader past the deadline.
        """
        deadline = time.monotonic() + deadline_seconds
        pieces: queue.Queue[str | LLMError | None] = queue.Queue()
        done = threading.Event()
        body = self.request_body(messages, max_new_tokens)
        threading.Thread(target=self._read_into, args=(body, deadline, pieces, done), daemon=True).start()
        try:
            source = f"{self.url} ({self.name}, {deadline_seconds:g} s)"
            yield from pieces_until(pieces, end=None, deadline=deadline, source=source)
        finally:
            done.set()  # the reader thread closes the connection at its next piece: vLLM then stops generating

    def request_body(self, messages: list[dict[str, str]], max_new_tokens: int) -> dict:
        body = {
            "model": self.name,
            "messages": messages,
            "stream": True,
            "max_tokens": max_new_tokens,
            "temperature": self.temperature,
            # vLLM's extra parameter, as the local backend: greedy decoding of a small model
            # otherwise loops ("the sum of rows and the sum of rows ...").
            "repetition_penalty": REPETITION_PENALTY,
        }
        if messages[-1]["role"] == "assistant":
            # vLLM's extra parameters: continue the assistant's started reply instead of opening a new one.
            body |= {"continue_final_message": True, "add_generation_prompt": False}
        return body

    def _read_into(self, body: dict, deadline: float, pieces: queue.Queue, done: threading.Event) -> None:
        try:
            for piece in self._pieces(body, deadline):
                if done.is_set():
                    return
                pieces.put(piece)
            pieces.put(None)
        except LLMError as error:
            pieces.put(error)
        except Exception as error:  # anything else is still a failure of the model, reported to the reader
            pieces.put(LLMError(f"{type(error).__name__}: {error}"))

    def _pieces(self, body: dict, deadline: float) -> Iterator[str]:
        """The streamed pieces, with retries with backoff until the first piece arrives."""
        attempt = 0
        while True:
            arrived = False
            try:
                for piece in self._attempt(body, deadline):
                    arrived = True
                    yield piece
                return
            except (httpx.TransportError, Retryable) as error:
                failure = f"{type(error).__name__}: {error}" if isinstance(error, httpx.TransportError) else str(error)
                if arrived:
                    raise LLMError(f"the reply from {self.url} broke off: {failure}") from error
                pause = max(FIRST_BACKOFF_SECONDS * 2**attempt, getattr(error, "retry_after", None) or 0)
                if attempt >= self.retries or time.monotonic() + pause >= deadline:
                    raise LLMError(f"{self.url} failed after {attempt + 1} attempts: {failure}") from error
                log.warning("%s: attempt %d failed (%s); retrying in %.2f s", self.url, attempt + 1, failure, pause)
                time.sleep(pause)
                attempt += 1

    def _attempt(self, body: dict, deadline: float) -> Iterator[str]:
        remaining = max(deadline - time.monotonic(), 0.001)
        timeout = httpx.Timeout(remaining, connect=min(self.connect_timeout, remaining))
        headers = {"X-Prefix-Key": prefix_key(body["messages"])}
        with self._client.stream("POST", self.url, json=body, headers=headers, timeout=timeout) as response:
            if response.status_code in RETRYABLE_STATUS:
                raise Retryable(
                    f"HTTP {response.status_code}: {error_message(response)}",
                    retry_after=_seconds(response.headers.get("retry-after")),
                )
            if response.is_error:
                raise LLMError(
                    f"{self.url} refused the request for model {self.name!r}: "
                    f"HTTP {response.status_code}: {error_message(response)}"
                )
            yield from chat_pieces(response.iter_lines())


def prefix_key(messages: list[dict[str, str]]) -> str:
    """A short hash of the prompt's start. A load balancer that hashes it sends prompts that share
    their course material to the same vLLM replica, whose prefix cache already holds it."""
    start = "\n".join(f"{message['role']}: {message['content']}" for message in messages)[:PREFIX_CHARS]
    return hashlib.sha256(start.encode()).hexdigest()[:16]


def chat_pieces(lines: Iterable[str]) -> Iterator[str]:
    """The text pieces of a streamed chat completion, from its server-sent event lines."""
    data: list[str] = []
    for line in lines:
        if line.startswith("data:"):
            data.append(line.removeprefix("data:").removeprefix(" "))
        elif not line and data:  # a blank line ends an event
            payload, data = "\n".join(data), []
            if payload == "[DONE]":
                return
            if piece := _delta_text(payload):
                yield piece
    # A clean close without [DONE] (a proxy's timeout, say) is a broken reply, not a finished one.
    raise Retryable("the stream ended before [DONE]")


def _delta_text(payload: str) -> str:
    try:
        event = json.loads(payload)
    except json.JSONDecodeError as error:
        raise LLMError(f"the server sent an event that is not JSON: {payload[:200]!r}") from error
    if "error" in event:
        raise LLMError(f"the server failed mid-reply: {_message_of(event)}")
    choices = event.get("choices") or [{}]
    return (choices[0].get("delta") or {}).get("content") or ""


def error_message(response: httpx.Response) -> str:
    """What the server said was wrong: vLLM and OpenAI put it in a JSON `message`."""
    text = response.read().decode(errors="replace")
    try:
        return _message_of(json.loads(text))
    except (json.JSONDecodeError, AttributeError):
        return text[:300] or response.reason_phrase


def _message_of(event: dict) -> str:
    error = event.get("error", event)
    return str(error.get("message", error) if isinstance(error, dict) else error)[:300]


def _seconds(retry_after: str | None) -> float | None:
    try:
        return float(retry_after) if retry_after else None
    except ValueError:
        return None  # an HTTP date: rare from model servers; the backoff applies instead


@functools.cache
def connect(base_url: str, name: str, *, api_key: str, connect_timeout: float, retries: int) -> OpenAIModel:
    """One client per server and model name per process, so its connections are reused."""
    return OpenAIModel(base_url, name, api_key=api_key, connect_timeout=connect_timeout, retries=retries)
