"""Fine-tune a LoRA adapter on a course's own material, for the tutor's own prompts.

The examples come from tutor/sft_data.py; the adapter trains the attention and MLP
projections only (no new tokens, no other modules), so vLLM serves it next to the base:
`vllm serve BASE --enable-lora --lora-modules COURSE=ADAPTER` (the default rank, 16, is
vLLM's default --max-lora-rank). Held-out loss is measured on KCs left out of training,
before and after, and written with the rest of the report to ADAPTER/report.json.

Every prompt of a KC opens with the same long course notes (explain.py puts them first so
that vLLM's prefix cache hits). Training uses the same fact: a batch holds examples of one
KC, and the tokens they all start with go through the model once, their keys and values
shared by every example of the batch. The loss is exactly that of running each example
whole, and on LLM101N a third of the tokens are run.
"""

import argparse
import inspect
import json
import logging
import math
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from itertools import groupby
from pathlib import Path

import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache

from content import CourseError, load_course
from tutor.llm import LLMConfig
from tutor.sft_data import Example, course_examples, held_out_kcs, split_by_kc

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
IGNORE = -100  # the label of a token that is not scored: prompt and padding

log = logging.getLogger(__name__)


class FinetuneError(Exception):
    """Input a person can fix (a missing course or model); the message names the path."""


@dataclass(frozen=True)
class Options:
    course: Path
    base: Path | None = None  # None: the shipped SmolLM2, converted once by tutor.local_model
    out: Path | None = None  # None: var/adapters/<course id>
    epochs: int = 1
    max_steps: int | None = None  # stop after this many optimizer steps even if epochs remain
    rank: int = 16
    alpha: int = 32
    lr: float = 2e-4
    batch_size: int = 8
    seed: int = 0
    held_out_share: float = 0.15
    max_examples: int | None = None  # per split, for small runs
    device: str = "auto"


@dataclass(frozen=True)
class Encoded:
    kc_id: str
    ids: list[int]  # the prompt's tokens, then the target's
    prompt_length: int


@dataclass(frozen=True)
class Batch:
    """Examples of one KC: the tokens they all start with, then the rest of each, right padded."""

    prefix: torch.Tensor  # [P]
    ids: torch.Tensor  # [B, S]
    mask: torch.Tensor  # [B, S], 1 on real tokens
    labels: torch.Tensor  # [B, S], the token to score, IGNORE where none


def encode(tokenizer, example: Example) -> Encoded:
    """Tokens of the prompt exactly as served (the chat template, continuing the assistant's
    opening when there is one), followed by the target and the template's end of turn."""
    continuing = example.messages[-1]["role"] == "assistant"
    prompt = tokenizer.apply_chat_template(
        example.messages, tokenize=False, add_generation_prompt=not continuing, continue_final_message=continuing
    )
    if continuing:
        opening = example.messages[-1]["content"]
        replied = [*example.messages[:-1], {"role": "assistant", "content": f"{opening} {example.target}"}]
    else:
        replied = [*example.messages, {"role": "assistant", "content": example.target}]
    whole = tokenizer.apply_chat_template(replied, tokenize=False)
    if not whole.startswith(prompt):
        raise FinetuneError(f"this model's chat template rewrites earlier turns; cannot train on {example.item_id}")
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(whole[len(prompt) :], add_special_tokens=False)["input_ids"]
    return Encoded(example.kc_id, prompt_ids + target_ids, len(prompt_ids))


def make_batches(encoded: list[Encoded], *, size: int, pad_id: int, rng: random.Random | None) -> list[Batch]:
    """Batches of up to `size` examples of one KC; shuffled within and across KCs when `rng` is given."""
    chunks = []
    for _, group in groupby(sorted(encoded, key=lambda e: e.kc_id), key=lambda e: e.kc_id):
        examples = list(group)
        if rng:
            rng.shuffle(examples)
        chunks += [examples[start : start + size] for start in range(0, len(examples), size)]
    if rng:
        rng.shuffle(chunks)
    return [_batch(chunk, pad_id) for chunk in chunks]


def _batch(chunk: list[Encoded], pad_id: int) -> Batch:
    # The shared prefix stops inside the shortest prompt, so every target token is scored
    # from logits of the batch's own part.
    shared = 0
    limit = min(e.prompt_length for e in chunk) - 1
    while shared < limit and len({e.ids[shared] for e in chunk}) == 1:
        shared += 1
    width = max(len(e.ids) for e in chunk) - shared
    ids = torch.full((len(chunk), width), pad_id)
    mask = torch.zeros((len(chunk), width), dtype=torch.long)
    labels = torch.full((len(chunk), width), IGNORE)
    for row, e in enumerate(chunk):
        rest = torch.tensor(e.ids[shared:])
        ids[row, : len(rest)] = rest
        mask[row, : len(rest)] = 1
        labels[row, e.prompt_length - shared : len(rest)] = rest[e.prompt_length - shared :]
    return Batch(torch.tensor(chunk[0].ids[:shared]), ids, mask, labels)


def batch_loss(model, batch: Batch, device: torch.device, *, at_once: int, backward: bool = False) -> tuple[float, int]:
    """Summed cross-entropy over the batch's target tokens, and how many there are; with
    `backward`, also the gradient of their mean.

    The prefix runs once. The rest of the examples run `at_once` at a time against its keys
    and values, since memory grows with the examples run together; the gradients they send
    to those keys and values are summed, then go back through the prefix in one pass.
    """
    argument = _cache_argument(model)
    prefix_cache = DynamicCache(config=model.config)
    # logits_to_keep=1: the prefix's own logits score nothing (see _batch), so skip most of them.
    model(input_ids=batch.prefix.to(device)[None], use_cache=True, logits_to_keep=1, **{argument: prefix_cache})
    prefix_kv = [tensor for layer in prefix_cache.layers for tensor in (layer.keys, layer.values)]
    shared = [tensor.detach().requires_grad_(backward) for tensor in prefix_kv]
    scored = int((batch.labels[:, 1:] != IGNORE).sum())  # the token at t is predicted from the logits at t - 1
    total = 0.0
    for start in range(0, len(batch.ids), at_once):
        ids, mask, labels = (t[start : start + at_once].to(device) for t in (batch.ids, batch.mask, batch.labels))
        cache = DynamicCache(config=model.config)
        for layer, (keys, values) in enumerate(zip(shared[::2], shared[1::2])):
            cache.update(keys.expand(len(ids), -1, -1, -1), values.expand(len(ids), -1, -1, -1), layer)
        prefix_mask = torch.ones((len(ids), len(batch.prefix)), dtype=mask.dtype, device=device)
        logits = model(input_ids=ids, attention_mask=torch.cat([prefix_mask, mask], dim=1), **{argument: cache}).logits
        loss = F.cross_entropy(
            logits[:, :-1].flatten(0, 1).float(), labels[:, 1:].flatten(), ignore_index=IGNORE, reduction="sum"
        )
        if backward:
            (loss / scored).backward()
        total += loss.item()
    if backward:
        torch.autograd.backward(prefix_kv, [tensor.grad for tensor in shared])
    return total, scored


def _cache_argument(model) -> str:
    """The name of the forward argument that takes the KV cache: transformers 5.2x renamed
    `past_key_values` to `cache` (the old name warns, then goes in 5.40); earlier 5.x know only the old one."""
    forward = model.get_base_model().forward if hasattr(model, "get_base_model") else model.forward
    return "cache" if "cache" in inspect.signature(forward).parameters else "past_key_values"


@torch.no_grad()
def mean_loss(model, batches: list[Batch], device: torch.device, *, at_once: int) -> float:
    """Mean cross-entropy per target token (its exp is the perplexity)."""
    model.eval()
    total, count = 0.0, 0
    for batch in batches:
        loss, tokens = batch_loss(model, batch, device, at_once=at_once)
        total, count = total + loss, count + tokens
    return total / count


def train(
    model, encoded: list[Encoded], options: Options, *, pad_id: int, device: torch.device, at_once: int
) -> list[float]:
    """AdamW on the adapter's weights, a short warm-up then a linear decay; the loss of every step."""
    rng = random.Random(options.seed)
    per_epoch = len(make_batches(encoded, size=options.batch_size, pad_id=pad_id, rng=None))
    steps = min(options.epochs * per_epoch, options.max_steps or math.inf)
    warmup = max(1, steps // 10)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=options.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, (steps - step) / max(1, steps - warmup))
    )
    model.train()
    losses, started = [], time.monotonic()
    while len(losses) < steps:
        for batch in make_batches(encoded, size=options.batch_size, pad_id=pad_id, rng=rng)[: steps - len(losses)]:
            loss, tokens = batch_loss(model, batch, device, at_once=at_once, backward=True)
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(loss / tokens)
            log.info("step %d/%d  loss %.3f  (%.0f s)", len(losses), steps, losses[-1], time.monotonic() - started)
    return losses


def pick_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise FinetuneError("--device cuda: torch sees no CUDA device here")
    return torch.device(name)


def finetune(options: Options) -> dict:
    """Build the dataset, measure, train, measure again, write the adapter; return the report."""
    started = time.monotonic()
    course, base = _checked_course(options.course), _checked_base(options.base)
    out = options.out or Path("var/adapters") / course.id
    device = pick_device(options.device)
    dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
    # A GPU runs a batch's examples together. On the CPU one at a time is about as fast and
    # bounds memory (a few GB an example of LLM101N, with its gradients; 8 at once overflow 24 GB).
    at_once = options.batch_size if device.type == "cuda" else 1

    try:
        held_out = held_out_kcs([kc.id for kc in course.kcs], share=options.held_out_share, seed=options.seed)
    except ValueError as error:
        raise FinetuneError(f"{options.course}: {error}") from error
    train_examples, held_out_examples = (
        _first_examples(split, options.max_examples, seed=options.seed)
        for split in split_by_kc(course_examples(course), held_out)
    )
    if not train_examples or not held_out_examples:
        raise FinetuneError(f"{options.course}: too few examples to train on and to hold out (see tutor/sft_data.py)")
    tokenizer = AutoTokenizer.from_pretrained(base)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    train_encoded = [encode(tokenizer, e) for e in train_examples]
    held_out_batches = make_batches(
        [encode(tokenizer, e) for e in held_out_examples], size=options.batch_size, pad_id=pad_id, rng=None
    )

    torch.manual_seed(options.seed)  # the adapter's initial weights and its dropout
    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype).to(device)
    log.info(
        "%d train and %d held-out examples; measuring the base on %s",
        len(train_examples),
        len(held_out_examples),
        device,
    )
    measuring = time.monotonic()
    loss_before = mean_loss(model, held_out_batches, device, at_once=at_once)
    seconds_measuring = time.monotonic() - measuring
    lora = LoraConfig(
        r=options.rank,
        lora_alpha=options.alpha,
        lora_dropout=0.05,
        target_modules=list(TARGET_MODULES),
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    training = time.monotonic()
    losses = train(model, train_encoded, options, pad_id=pad_id, device=device, at_once=at_once)
    seconds_training = time.monotonic() - training
    measuring = time.monotonic()
    loss_after = mean_loss(model, held_out_batches, device, at_once=at_once)
    seconds_measuring += time.monotonic() - measuring

    window = max(1, len(losses) // 5)  # single steps are noisy: compare the first and last fifth
    report = {
        "course": course.id,
        "base": str(base),
        "adapter": str(out),
        "device": device.type,
        "dtype": str(dtype).removeprefix("torch."),
        "options": {key: str(value) if isinstance(value, Path) else value for key, value in asdict(options).items()},
        "examples": {"train": len(train_examples), "held_out": len(held_out_examples)},
        "held_out_kcs": sorted(held_out),
        "steps": len(losses),
        "held_out_loss_before": loss_before,
        "held_out_loss_after": loss_after,
        "held_out_perplexity_before": math.exp(loss_before),
        "held_out_perplexity_after": math.exp(loss_after),
        "train_loss_start": sum(losses[:window]) / window,
        "train_loss_end": sum(losses[-window:]) / window,
        "train_losses": losses,
        "seconds": {"training": seconds_training, "measuring": seconds_measuring},
    }
    _save_atomically(model, report, out, started=started)
    return report


def _checked_course(path: Path):
    if not Path(path).is_dir():
        raise FinetuneError(f"{path}: no course folder there")
    try:
        return load_course(path)
    except CourseError as error:
        raise FinetuneError(f"{path}: {error}") from error


def _checked_base(path: Path | None) -> Path:
    if path is None:
        from tutor import local_model

        try:
            return local_model.prepare(Path(os.environ.get("LLM_MODEL_DIR", LLMConfig.model_dir)))
        except local_model.ModelUnavailable as error:
            raise FinetuneError(str(error)) from error
    if not (Path(path) / "config.json").is_file():
        raise FinetuneError(f"{path}: no base model there (a Hugging Face model folder has a config.json)")
    return Path(path)


def _first_examples(examples: list[Example], limit: int | None, *, seed: int) -> list[Example]:
    """The first `limit` examples, KC by KC in a seeded order: a small run gets few KCs with
    many examples each, which batch well (see make_batches)."""
    if limit is None:
        return examples
    order = sorted({e.kc_id for e in examples})
    random.Random(seed).shuffle(order)
    return sorted(examples, key=lambda e: order.index(e.kc_id))[:limit]


def _save_atomically(model, report: dict, out: Path, *, started: float) -> None:
    """Stage the adapter and report in a temporary folder, then rename it into place, so a
    failed run leaves the previous adapter or none, never half of one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        model.save_pretrained(staging)
        report["adapter_mb"] = (staging / "adapter_model.safetensors").stat().st_size / 1e6
        report["seconds"]["total"] = time.monotonic() - started
        (staging / "report.json").write_text(json.dumps(report, indent=2) + "\n")
        # mkdtemp makes a private folder; a server running as another user must read the adapter.
        for path in (staging, *staging.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def print_report(report: dict) -> None:
    print(f"{'':16}{'held-out loss':>15}{'perplexity':>12}")
    for label, when in (("base", "before"), ("base + adapter", "after")):
        loss, perplexity = report[f"held_out_loss_{when}"], report[f"held_out_perplexity_{when}"]
        print(f"{label:16}{loss:>15.3f}{perplexity:>12.2f}")
    print(
        f"train loss {report['train_loss_start']:.3f} -> {report['train_loss_end']:.3f} over {report['steps']} steps; "
        f"{report['examples']['train']} train and {report['examples']['held_out']} held-out examples "
        f"({len(report['held_out_kcs'])} KCs held out)"
    )
    seconds = report["seconds"]
    print(
        f"{seconds['total']:.0f} s on {report['device']} ({seconds['training']:.0f} s training, "
        f"{seconds['measuring']:.0f} s measuring); adapter {report['adapter_mb']:.1f} MB in {report['adapter']}"
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _share(text: str) -> float:
    if not 0 < float(text) < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return float(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tutor.finetune",
        description="Fine-tune a LoRA adapter on a course's own material, for the tutor's prompts; "
        "report held-out loss before and after.",
        epilog="Serve it with: vllm serve BASE --enable-lora --lora-modules COURSE_ID=OUT",
    )
    defaults = Options(course=Path())
    parser.add_argument("--course", type=Path, required=True, help="the course folder (holding course.toml)")
    parser.add_argument(
        "--base",
        type=Path,
        help="the base model: a Hugging Face model folder (default: SmolLM2-135M-Instruct, converted once "
        "into $LLM_MODEL_DIR or ~/.cache/tutor-engine/)",
    )
    parser.add_argument("--out", type=Path, help="the adapter folder to write (default: var/adapters/COURSE_ID)")
    add = parser.add_argument
    add("--epochs", type=_positive, default=defaults.epochs, help="passes over the training examples (%(default)s)")
    add("--max-steps", type=_positive, help="stop after this many optimizer steps, even if epochs remain")
    add("--rank", type=_positive, default=defaults.rank, help="LoRA rank (%(default)s; at most vLLM's --max-lora-rank)")
    add("--alpha", type=_positive, default=defaults.alpha, help="LoRA alpha; updates scale by alpha/rank (%(default)s)")
    add("--lr", type=float, default=defaults.lr, help="peak learning rate (%(default)s)")
    add("--batch-size", type=_positive, default=defaults.batch_size, help="examples of one KC per step (%(default)s)")
    add("--seed", type=int, default=defaults.seed, help="seeds the split, the order and the weights (%(default)s)")
    add("--held-out-share", type=_share, default=defaults.held_out_share, help="KCs held out, at least 1 (%(default)s)")
    add("--max-examples", type=_positive, help="at most this many examples per split, for small runs")
    add("--device", choices=["auto", "cpu", "cuda"], default=defaults.device, help="auto: CUDA if torch sees one")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        report = finetune(Options(**vars(args)))
    except FinetuneError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
