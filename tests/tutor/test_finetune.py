"""The fine-tuning dataset (fast, no model), and small runs on the real SmolLM2 (marked model)."""

import json
import math
import re
from collections import Counter

import pytest

from content import load_course
from content.ramp import Item, normalize_text
from tests.conftest import FIXTURES, LLM101N
from tutor.answer_guard import reveals_answer
from tutor.grading import feedback_for
from tutor.prompts import ASK, EXPLAIN, HINT, ask_messages, explain_messages, hint_messages
from tutor.sft_data import Example, course_examples, held_out_kcs, key_idea, split_by_kc

COURSE = load_course(LLM101N)
EXAMPLES = course_examples(COURSE)
ITEMS = {item.id: item for kc in COURSE.kcs for item in kc.items}


def test_every_authored_wrong_answer_and_nearly_every_item_gives_examples():
    modes = Counter(example.mode for example in EXAMPLES)
    assert modes[EXPLAIN] == sum(len(item.feedback) for item in ITEMS.values())
    assert modes[HINT] >= 0.95 * len(ITEMS) and modes[ASK] >= 0.9 * len(ITEMS)


def _sent_by_the_app(example: Example) -> list[dict[str, str]]:
    kc, item, said = COURSE.kc(example.kc_id), ITEMS[example.item_id], example.learner_text
    if example.mode == EXPLAIN:
        return explain_messages(COURSE.title, kc, item, said)
    if example.mode == HINT:
        return hint_messages(COURSE.title, kc, item)
    return ask_messages(COURSE.title, kc, item, said, answered=False)


def test_the_prompts_are_exactly_what_the_app_sends():
    assert {example.mode for example in EXAMPLES} == {EXPLAIN, HINT, ASK}
    for example in EXAMPLES:
        assert example.messages == _sent_by_the_app(example)


def test_an_explanation_continues_the_apps_opening_with_a_sentence_of_the_notes():
    for example in (e for e in EXAMPLES if e.mode == EXPLAIN):
        kc, item = COURSE.kc(example.kc_id), ITEMS[example.item_id]
        opening = example.messages[-1]
        feedback = feedback_for(item, example.learner_text)
        assert opening["role"] == "assistant" and feedback and opening["content"].endswith(feedback)
        idea = key_idea(kc, item)
        assert idea and example.target.startswith(idea) and idea in " ".join(kc.explanation.split())


def _states_the_answer(item: Item, text: str) -> bool:
    """Written apart from the app's guard, and simpler: the answer as a learner would type it."""
    if item.kind == "numeric":
        return re.search(rf"(?<![\d.]){re.escape(item.answer_text)}(?!\d)", text) is not None
    answers = item.answers if item.kind == "short_text" else (item.answer_text,)
    said = normalize_text(text)
    return any(re.search(rf"(?<!\w){re.escape(normalize_text(answer))}(?!\w)", said) for answer in answers)


def test_hints_and_answers_to_questions_on_an_open_item_never_give_the_answer():
    guarded = [example for example in EXAMPLES if example.mode in (HINT, ASK)]
    assert guarded
    for example in guarded:
        item = ITEMS[example.item_id]
        assert not reveals_answer(item, example.target), example.item_id
        assert not _states_the_answer(item, example.target), example.item_id
        assert "Correct answer" not in example.messages[-1]["content"]


def test_the_split_is_by_kc_seeded_and_holds_out_at_least_one():
    kc_ids = [kc.id for kc in COURSE.kcs]
    held_out = held_out_kcs(kc_ids, share=0.15, seed=0)
    assert len(held_out) == 6 and held_out == held_out_kcs(kc_ids, share=0.15, seed=0)
    assert held_out != held_out_kcs(kc_ids, share=0.15, seed=1)
    train, held_out_examples = split_by_kc(EXAMPLES, held_out)
    assert {e.kc_id for e in held_out_examples} == held_out
    assert {e.kc_id for e in train}.isdisjoint(held_out) and len(train) + len(held_out_examples) == len(EXAMPLES)
    assert len(held_out_kcs(["a", "b", "c"], share=0.15, seed=0)) == 1
    with pytest.raises(ValueError, match="at least two KCs"):
        held_out_kcs(["a"], share=0.15, seed=0)


def test_the_dataset_is_deterministic():
    assert course_examples(load_course(LLM101N)) == EXAMPLES


def test_a_missing_course_or_base_model_is_named_and_fails(tmp_path, capsys):
    from tutor.finetune import main

    assert main(["--course", str(tmp_path / "no-course")]) == 1
    assert f"{tmp_path / 'no-course'}: no course folder there" in capsys.readouterr().err
    assert main(["--course", str(FIXTURES / "tiny"), "--base", str(tmp_path / "no-model")]) == 1
    assert f"{tmp_path / 'no-model'}: no base model there" in capsys.readouterr().err


@pytest.fixture(scope="module")
def base():
    from tutor import local_model
    from tutor.llm import LLMConfig

    return local_model.prepare(LLMConfig.model_dir)


@pytest.mark.model
def test_sharing_a_kcs_prefix_gives_the_loss_and_gradient_of_running_each_example_whole(base):
    import torch
    import torch.nn.functional as F
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tutor.finetune import IGNORE, TARGET_MODULES, batch_loss, encode, make_batches

    tokenizer = AutoTokenizer.from_pretrained(base)
    # Random adapter weights (not the usual zeros), so that every path of the gradient counts.
    lora = LoraConfig(r=4, target_modules=list(TARGET_MODULES), lora_dropout=0.0, init_lora_weights=False)
    torch.manual_seed(0)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base), lora).eval()
    examples = [e for e in course_examples(load_course(FIXTURES / "tiny")) if e.kc_id == "counting"][:3]
    encoded = [encode(tokenizer, e) for e in examples]
    for example, e in zip(examples, encoded):  # the prompt's tokens are the ones the app sends
        continuing = example.messages[-1]["role"] == "assistant"
        served = tokenizer.apply_chat_template(
            example.messages, add_generation_prompt=not continuing, continue_final_message=continuing, return_dict=True
        )["input_ids"]
        assert e.ids[: e.prompt_length] == list(served)
    (batch,) = make_batches(encoded, size=8, pad_id=tokenizer.eos_token_id, rng=None)
    assert len(batch.prefix) > 50

    # Two examples at once, then the third, against the shared prefix.
    shared, tokens = batch_loss(model, batch, torch.device("cpu"), at_once=2, backward=True)
    trained = {name: p for name, p in model.named_parameters() if p.requires_grad}
    shared_grads = {name: p.grad.clone() for name, p in trained.items()}
    model.zero_grad()
    whole = 0.0
    for e in encoded:
        ids = torch.tensor([e.ids])
        labels = ids.clone()
        labels[:, : e.prompt_length] = IGNORE
        logits = model(input_ids=ids).logits
        loss = F.cross_entropy(logits[0, :-1], labels[0, 1:], ignore_index=IGNORE, reduction="sum")
        (loss / tokens).backward()
        whole += loss.item()
    assert tokens == sum(len(e.ids) - e.prompt_length for e in encoded)
    assert shared == pytest.approx(whole, rel=1e-4)
    for name, p in trained.items():  # float32 sums in another order: equal to about 1e-5 of the norm
        assert (shared_grads[name] - p.grad).norm() <= 1e-4 * p.grad.norm(), name


@pytest.mark.model
def test_a_small_run_writes_an_adapter_that_vllm_and_peft_can_load(tmp_path, base):
    import torch
    from peft import PeftModel
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tutor.finetune import TARGET_MODULES, main

    out = tmp_path / "tiny-adapter"
    args = ["--course", str(FIXTURES / "tiny"), "--base", str(base), "--out", str(out), "--max-examples", "2"]
    # One batch of the same two examples every step: its loss must fall.
    assert main([*args, "--batch-size", "2", "--epochs", "3", "--lr", "1e-3"]) == 0

    assert {"adapter_config.json", "adapter_model.safetensors", "report.json"} <= {p.name for p in out.iterdir()}
    config = json.loads((out / "adapter_config.json").read_text())
    assert set(config["target_modules"]) == set(TARGET_MODULES) and not config["modules_to_save"]
    with safe_open(out / "adapter_model.safetensors", "pt") as weights:
        names = weights.keys()
    assert names and all(".lora_A." in name or ".lora_B." in name for name in names)  # nothing vLLM would reject
    report = json.loads((out / "report.json").read_text())
    assert report["examples"] == {"train": 2, "held_out": 2} and report["steps"] == 3
    assert all(math.isfinite(report[f"held_out_loss_{when}"]) for when in ("before", "after"))
    assert report["train_loss_end"] < report["train_loss_start"]
    assert not list(tmp_path.glob(".tiny-adapter-*"))  # no staging folder left behind

    tokenizer = AutoTokenizer.from_pretrained(base)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), out)
    tiny = load_course(FIXTURES / "tiny")
    counting = tiny.kc("counting")
    messages = hint_messages(tiny.title, counting, counting.items[0])
    encoded = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        output = model.generate(**encoded, max_new_tokens=5, do_sample=False, pad_token_id=tokenizer.eos_token_id)
    assert output.shape[1] > encoded["input_ids"].shape[1]
