"""The explanation model under load: time to first token, tokens per second, requests per second.

    python benchmarks/llm.py --backend local [--json OUT.json]
    python benchmarks/llm.py --backend openai --base-url http://127.0.0.1:8100 --model llm101n
    python benchmarks/llm.py --backend local openai ...   # side by side, in one run

Each request is a real explanation prompt of the tutor (tutor/prompts.py) for an LLM101N
item answered wrongly, a different item per request, so the course material at the front
of the prompts is shared the way it is in use (a server's prefix cache may reuse it). At
each concurrency (1, 4 and 16 by default) that many clients send requests at once, each
waiting for its reply before sending the next, until `--requests` replies have arrived.

Reported per backend and concurrency: time to first token (median and 95th percentile),
tokens per second of one reply once it has started (median), tokens per second of all
replies together, and requests per second. Tokens are counted by re-tokenizing the
replies with the local model's tokenizer, the same count for every backend.

The local backend runs one generation at a time (tutor/local_model.py): its clients queue.
`--device cuda` runs it on a GPU where there is one.
"""

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content import load_course  # noqa: E402
from tutor.llm import LLMConfig, load_model  # noqa: E402
from tutor.prompts import explain_messages  # noqa: E402

COURSE = ROOT / "content" / "courses" / "llm101n"


def prompts(count: int) -> list[list[dict[str, str]]]:
    """Explanation prompts after a wrong answer, for the first `count` multiple-choice items of LLM101N."""
    course = load_course(COURSE)
    chosen = []
    for kc in course.kcs:
        for item in kc.items:
            if item.kind == "multiple_choice":
                wrong = next(choice for choice in item.choices if choice != item.answer_text)
                chosen.append(explain_messages(course.title, kc, item, wrong))
    return [chosen[n % len(chosen)] for n in range(count)]


def one_request(model, messages, max_new_tokens: int, deadline: float) -> dict:
    started = time.perf_counter()
    first = None
    pieces = []
    for piece in model.stream(messages, max_new_tokens=max_new_tokens, deadline_seconds=deadline):
        if first is None:
            first = time.perf_counter()
        pieces.append(piece)
    ended = time.perf_counter()
    return {"started": started, "first": first or ended, "ended": ended, "text": "".join(pieces)}


def run_level(model, messages, *, concurrency: int, requests: int, max_new_tokens: int, deadline: float) -> list:
    """`requests` replies from `concurrency` clients that each wait for a reply before the next request."""
    results, errors, lock = [], [], threading.Lock()
    queue = list(enumerate(messages[:requests]))

    def client():
        while True:
            with lock:
                if not queue:
                    return
                _, prompt = queue.pop(0)
            try:
                result = one_request(model, prompt, max_new_tokens, deadline)
            except Exception as error:  # counted and reported: a benchmark must not hide failures
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                continue
            with lock:
                results.append(result)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def summarize(results: list, errors: list, tokenizer) -> dict:
    if not results:
        return {"requests": 0, "errors": len(errors), "first_error": errors[0] if errors else ""}
    tokens = [len(tokenizer(result["text"], add_special_tokens=False)["input_ids"]) for result in results]
    first = [result["first"] - result["started"] for result in results]
    speeds = [
        count / (result["ended"] - result["first"])
        for count, result in zip(tokens, results)
        if count > 1 and result["ended"] > result["first"]
    ]
    wall = max(result["ended"] for result in results) - min(result["started"] for result in results)
    return {
        "requests": len(results),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "ttft_median_s": statistics.median(first),
        "ttft_p95_s": sorted(first)[max(0, round(0.95 * len(first)) - 1)],
        "tokens_per_s_per_request": statistics.median(speeds) if speeds else 0.0,
        "tokens_per_s_total": sum(tokens) / wall,
        "requests_per_s": len(results) / wall,
        "mean_tokens": sum(tokens) / len(tokens),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", nargs="+", choices=("local", "openai"), default=["local"])
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=16, help="replies per concurrency level (at least the level)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds a reply may take")
    parser.add_argument("--model-dir", type=Path, default=LLMConfig.model_dir, help="local model (and tokenizer)")
    parser.add_argument("--device", default="cpu", help="local backend: cpu or cuda")
    parser.add_argument("--base-url", default=LLMConfig.base_url, help="openai backend: the server")
    parser.add_argument("--model", default=LLMConfig.model, help="openai backend: the model name (an adapter's)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    messages = prompts(max(args.requests, max(args.concurrency)))
    rows = []
    for backend in args.backend:
        config = LLMConfig(backend=backend, model_dir=args.model_dir, base_url=args.base_url, model=args.model)
        model = load_model(config)
        if backend == "local" and args.device != "cpu":
            model.model.to(args.device)
        one_request(model, messages[0], 8, args.deadline)  # warm up: first-call costs are not load
        for concurrency in args.concurrency:
            results, errors = run_level(
                model,
                messages,
                concurrency=concurrency,
                requests=max(args.requests, concurrency),
                max_new_tokens=args.max_new_tokens,
                deadline=args.deadline,
            )
            label = f"{backend} ({args.device})" if backend == "local" else f"openai ({args.model})"
            rows.append({"backend": label, "concurrency": concurrency, **summarize(results, errors, tokenizer)})
            print_row(rows[-1], header=len(rows) == 1)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"max_new_tokens": args.max_new_tokens, "rows": rows}, indent=1))


def print_row(row: dict, *, header: bool) -> None:
    if header:
        print(
            f"{'backend':28} {'clients':>7} {'replies':>7} {'errors':>6} {'TTFT p50':>9} {'TTFT p95':>9} "
            f"{'tok/s one':>9} {'tok/s all':>9} {'req/s':>6}"
        )
    if not row["requests"]:
        print(f"{row['backend']:28} {row['concurrency']:7} {0:7} {row['errors']:6}  {row['first_error']}")
        return
    print(
        f"{row['backend']:28} {row['concurrency']:7} {row['requests']:7} {row['errors']:6} "
        f"{row['ttft_median_s']:8.2f}s {row['ttft_p95_s']:8.2f}s {row['tokens_per_s_per_request']:9.1f} "
        f"{row['tokens_per_s_total']:9.1f} {row['requests_per_s']:6.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
