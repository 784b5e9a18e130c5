"""The one small interface through which the tutor talks to a language model.

A model takes chat messages and streams text back. Backends are chosen by configuration:
`local` runs SmolLM2-135M-Instruct in this process with transformers on the CPU (the
default); `openai` talks to any OpenAI-compatible server (vLLM in production), where
each course may have its own model name: its own LoRA adapter on the same server.
"""

import logging
import queue
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

BACKENDS = ("local", "openai")
DEFAULT_MODEL = "SmolLM2-135M-Instruct"

log = logging.getLogger(__name__)


class LLMError(RuntimeError):
    """The model gave no usable reply: missing, unreachable, refused the request, or failed."""


class TextModel(Protocol):
    name: str

    def stream(self, messages: list[dict[str, str]], *, max_new_tokens: int, deadline_seconds: float) -> Iterator[str]:
        """The model's reply to `messages`, in pieces as they are written; it ends at the
        deadline with what was written by then. If the last message is the assistant's,
        the reply continues it and only the continuation is streamed."""
        ...

    def generate(self, messages: list[dict[str, str]], *, max_new_tokens: int, deadline_seconds: float) -> str:
        """The whole streamed reply, stripped."""
        ...


@dataclass(frozen=True)
class LLMConfig:
    backend: str = "local"
    model_dir: Path = Path.home() / ".cache" / "tutor-engine" / "smollm2-135m-instruct"  # local
    max_new_tokens: int = 96
    deadline_seconds: float = 30.0  # past this, generation stops and what was written is kept
    # openai: the server, and the model name each course asks it for (a LoRA adapter's name, say).
    base_url: str = "http://127.0.0.1:8100"
    model: str = DEFAULT_MODEL
    course_models: Mapping[str, str] = field(default_factory=dict)
    api_key: str = ""
    connect_timeout: float = 5.0
    retries: int = 2  # further attempts, only before the first token arrives

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown LLM backend {self.backend!r}; known backends: {', '.join(BACKENDS)}")

    def for_course(self, course_id: str) -> "LLMConfig":
        """This configuration with the course's own model name, where it has one."""
        return replace(self, model=self.course_models.get(course_id, self.model))


def parse_course_models(text: str) -> dict[str, str]:
    """`"llm101n=llm101n,other=foo"` -> {"llm101n": "llm101n", "other": "foo"} (course id = model name)."""
    models = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        course_id, _, model = (side.strip() for side in entry.partition("="))
        if not course_id or not model:
            raise ValueError(f"LLM_COURSE_MODELS: {entry!r} is not COURSE=MODEL")
        models[course_id] = model
    return models


def pieces_until(pieces: queue.Queue, *, end: object, deadline: float, source: str) -> Iterator[str]:
    """Text pieces that a generating thread puts in `pieces`, until it puts `end` or an
    LLMError, or until the deadline (a `time.monotonic()` value) passes. The reader keeps
    the deadline itself, so that no stalled server or long forward pass can hold it."""
    arrived = 0
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            piece = pieces.get(timeout=remaining)
        except queue.Empty:
            break
        if piece is end:
            return
        if isinstance(piece, LLMError):
            raise piece
        if piece:
            arrived += 1
            yield piece
    if not arrived:
        raise LLMError(f"no reply from {source} by the deadline")
    log.warning("%s: stopped at the deadline after %d pieces", source, arrived)


def load_model(config: LLMConfig) -> TextModel:
    """The configured model (for a course: `load_model(config.for_course(course_id))`),
    made once per process and shared by every request."""
    if config.backend == "openai":
        from tutor import openai_backend

        return openai_backend.connect(
            config.base_url,
            config.model,
            api_key=config.api_key,
            connect_timeout=config.connect_timeout,
            retries=config.retries,
        )
    from tutor import local_model  # transformers is heavy: import it only when a model is wanted

    return local_model.load(config.model_dir)
