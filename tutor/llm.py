"""The one small interface through which the tutor talks to a language model.

A model takes chat messages and returns text. Backends are chosen by configuration:
`local` runs SmolLM2-135M-Instruct in this process with transformers on the CPU
(the default). An OpenAI-compatible HTTP backend for vLLM is the production path.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

BACKENDS = ("local",)


class TextModel(Protocol):
    name: str

    def generate(self, messages: list[dict[str, str]], *, max_new_tokens: int, deadline_seconds: float) -> str:
        """The model's reply to `messages`. If the last message is the assistant's, the
        reply continues it and only the continuation is returned."""
        ...


@dataclass(frozen=True)
class LLMConfig:
    backend: str = "local"
    model_dir: Path = Path.home() / ".cache" / "tutor-engine" / "smollm2-135m-instruct"
    max_new_tokens: int = 96
    deadline_seconds: float = 30.0  # past this, generation stops and what was written is kept

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown LLM backend {self.backend!r}; known backends: {', '.join(BACKENDS)}")


def load_model(config: LLMConfig) -> TextModel:
    """The configured model, loaded once per process and shared by every request."""
    from tutor import local_model  # transformers is heavy: import it only when a model is wanted

    return local_model.load(config.model_dir)
