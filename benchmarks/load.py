"""Simulated learners against the production stack: gunicorn, PostgreSQL, Redis. Then an audit.

    python benchmarks/load.py [--learners 200] [--seconds 60] [--think 40] [--json OUT.json]

Needs DATABASE_URL (PostgreSQL: the benchmark makes and drops a database `<name>_load` beside
it) and REDIS_URL, as the README's test command sets them (var/test-services.env).

1. Setup (not timed): a fresh database, migrated, LLM101N imported, `--learners` users each
   enrolled with placement skipped and logged in (a session made server-side, as a login
   would make it; password hashing is not what is measured).
2. gunicorn serves webapp.wsgi with production settings (DEBUG off) on loopback.
3. Each learner is an HTTP client (aiohttp, its keep-alive pool shared as a proxy's would
   be): it loads its item, thinks (uniform between half and one and a half times `--think`
   seconds), answers (right three times in four, from the
   course files), reads the feedback for `--read` seconds and asks for the next item. One
   answer in fifty is posted twice, as a double click or a retry does.
   "Answer to next item" is the server's share of that round: the POST of the answer with its
   redirect to the feedback page, plus the GET of the next item (the reading time excluded).
4. After `--seconds`, the clients finish what they are doing and the audit runs: every answer
   a client saw accepted is recorded, exactly once; no answer is recorded that was not sent;
   each learner's Mastery equals a replay of their response log (webapp/learning/replay.py).
   The report adds the CPU the server, the database and the clients used per answer (/proc).
"""

import argparse
import asyncio
import json
import os
import platform
import random
import re
import secrets
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import aiohttp
import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COURSE_DIR = ROOT / "content" / "courses" / "llm101n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long learners keep answering")
    # 40 s: what learner_model.simulate assumes an LLM101N learner spends on an item
    # (SimCourse.seconds), the figure the policies benchmark measures eurekas per hour with.
    # Shorter think times are a stress test: the README gives the sweep.
    parser.add_argument(
        "--think", type=float, default=40.0, help="mean seconds a learner spends on an item (default 40)"
    )
    parser.add_argument("--read", type=float, default=2.0, help="seconds a learner reads the feedback")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep-database", action="store_true", help="leave the load database for inspection")
    parser.add_argument("--json", type=Path)
    return parser.parse_args()


# Setup --------------------------------------------------------------------------------------------


def load_database_url() -> str:
    """The load database's URL: the configured PostgreSQL server, a database of its own, made afresh."""
    import psycopg

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("benchmarks/load.py needs DATABASE_URL=postgres://... (source var/test-services.env)")
    if not os.environ.get("REDIS_URL"):
        sys.exit("benchmarks/load.py needs REDIS_URL (source var/test-services.env)")
    server, name = base.rsplit("/", 1)
    load_name = f"{name}_load"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{load_name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{load_name}"')
    return f"{server}/{load_name}"


def drop_database(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_EAGER": "0",
        "LOG_LEVEL": "WARNING",
    }


def set_up(environment: dict[str, str], learners: int) -> tuple[str, dict[str, str]]:
    """Migrate, import the course, make the learners; their session cookies by username.
    Runs with the server's own settings (its secret key signs the sessions)."""
    os.environ.update(environment, DJANGO_SETTINGS_MODULE="webapp.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from webapp.learning import placement, services

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    course = services.import_course(path=COURSE_DIR).course
    users = get_user_model().objects
    sessions = {}
    for n in range(learners):
        user = users.create_user(username=f"load-{n:04d}")  # no usable password: the session is the login
        placement.skip(enrollment=services.enroll(learner=user, course=course))
        client = Client()
        client.force_login(user)
        sessions[user.username] = client.cookies["sessionid"].value
    return course.slug, sessions


def start_server(args, environment: dict[str, str]) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "webapp.wsgi:application",
            f"--workers={args.workers}",
            f"--threads={args.threads}",
            "--worker-class=gthread",
            f"--bind=127.0.0.1:{args.port}",
            "--log-level=warning",
            # Learners think for seconds between requests: keep their connections open meanwhile,
            # as a proxy's upstream pool would (gunicorn's default closes them after 2 s).
            "--keep-alive=75",
        ],
        cwd=ROOT,
        env=environment,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{args.port}/health/ready", timeout=5).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer within 60 s")


# The learners -------------------------------------------------------------------------------------


@dataclass
class Tally:
    accepted: dict[str, set[str]] = field(default_factory=dict)  # username -> keys whose answer was taken
    uncertain: dict[str, set[str]] = field(default_factory=dict)  # sent, but the reply never came
    doubled: int = 0
    answer_ms: list[float] = field(default_factory=list)
    next_item_ms: list[float] = field(default_factory=list)
    round_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


FORM_FIELD = r'name="{}" value="([^"]*)"'
PROXIED = {"X-Forwarded-Proto": "https"}


def field_value(html: str, name: str) -> str | None:
    found = re.search(FORM_FIELD.format(name), html)
    return found.group(1) if found else None


def an_answer(item, right: bool, rng: random.Random) -> str:
    """What a learner types or picks: the right answer, or a plausible wrong one."""
    if item.kind == "multiple_choice":
        return str(item.answer) if right else rng.choice([c for c in item.choices if c != item.answer])
    if item.kind == "numeric":
        return item.answer_text if right else str(float(item.answer) * 3 + 17)
    if item.kind == "ordering":
        return "\n".join(item.steps if right else reversed(item.steps))
    return item.answers[0] if right else "no idea"


@dataclass
class Page:
    status: int
    url: str  # where the redirects ended
    text: str


class Browser:
    """One learner's browser: their cookies, sent by hand. Behind the TLS-terminating proxy of
    docs/PRODUCTION.md the server marks its cookies Secure, which a client of http:// would not
    send back. Redirects are followed as a browser follows them (a GET of the Location).

    The learners share one aiohttp session and its pool of keep-alive connections, as a proxy's
    upstream pool would. aiohttp, not httpx: the clients run on the same two cores as the server,
    and httpx spent about 25 ms of CPU per answer (three requests), a quarter of the whole."""

    def __init__(self, session: aiohttp.ClientSession, base: str, cookie: str):
        self.session, self.base, self.cookies = session, base, {"sessionid": cookie}

    async def request(self, method: str, url: str, *, data: dict | None = None, headers: dict | None = None) -> Page:
        for _ in range(5):  # the redirects of one request
            sent = {**PROXIED, **(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            async with self.session.request(method, url, data=data, headers=sent, allow_redirects=False) as reply:
                for name in ("sessionid", "csrftoken"):
                    if name in reply.cookies:
                        self.cookies[name] = reply.cookies[name].value
                text = await reply.text()
                location = reply.headers.get("Location")
                if reply.status not in (301, 302, 303) or not location:
                    return Page(reply.status, url, text)
            url, method, data = urljoin(url, location), "GET", None
        raise aiohttp.TooManyRedirects(None, ())

    async def fetch(self, url: str, tally: Tally) -> Page:
        """GET, once more if the connection failed (as a browser retries an idempotent request)."""
        try:
            return await self.request("GET", url)
        except (aiohttp.ClientError, TimeoutError) as error:
            tally.error(f"GET {type(error).__name__}, retried")
            return await self.request("GET", url)


async def learner(
    name: str, cookie: str, session: aiohttp.ClientSession, args, items: dict, tally: Tally, stop_at: float, seed: int
) -> None:
    rng = random.Random(seed)
    base = f"http://127.0.0.1:{args.port}"
    learn_url = f"{base}/courses/{args.course}/learn/"
    answer_url = f"{base}/courses/{args.course}/answer/"
    # Django's CSRF check of an HTTPS request wants a Referer from the same site.
    referer = {"Referer": learn_url.replace("http://", "https://")}
    tally.accepted[name], tally.uncertain[name] = set(), set()
    browser = Browser(session, base, cookie)
    await asyncio.sleep(rng.uniform(0, args.think))  # arrivals spread over the first item's time
    page = await browser.fetch(learn_url, tally)
    while time.monotonic() < stop_at:
        slug = field_value(page.text, "item")
        token = field_value(page.text, "csrfmiddlewaretoken")
        if page.status != 200 or slug is None or token is None:
            tally.error(f"item page {page.status}" if slug is None else "no CSRF token")
            await asyncio.sleep(1)
            page = await browser.fetch(learn_url, tally)
            continue
        await asyncio.sleep(rng.uniform(0.5, 1.5) * args.think)
        key = str(uuid.uuid4())
        form = {"csrfmiddlewaretoken": token, "item": slug, "idempotency_key": key}
        form["answer"] = an_answer(items[slug], rng.random() < 0.75, rng)
        posts = 2 if rng.random() < 0.02 else 1
        started = time.perf_counter()
        try:
            for _ in range(posts):
                feedback = await browser.request("POST", answer_url, data=form, headers=referer)
        except (aiohttp.ClientError, TimeoutError) as error:
            tally.uncertain[name].add(key)
            tally.error(f"answer {type(error).__name__}")
            page = await browser.fetch(learn_url, tally)
            continue
        answered = time.perf_counter()
        if feedback.status != 200 or "answered=" not in feedback.url:
            tally.uncertain[name].add(key)
            tally.error(f"answer {feedback.status}")
            page = await browser.fetch(learn_url, tally)
            continue
        tally.accepted[name].add(key)
        tally.doubled += posts - 1
        await asyncio.sleep(args.read)
        asked = time.perf_counter()
        page = await browser.fetch(learn_url, tally)
        done = time.perf_counter()
        if posts == 1:  # a double post's time is two answers', not one
            tally.answer_ms.append((answered - started) * 1000)
            tally.next_item_ms.append((done - asked) * 1000)
            tally.round_ms.append((answered - started + done - asked) * 1000)


async def drive(args, sessions: dict[str, str], items: dict) -> tuple[Tally, float]:
    tally = Tally()
    stop_at = time.monotonic() + args.seconds
    started = time.monotonic()
    # Keep-alive as long as gunicorn keeps connections (--keep-alive 75): learners think for seconds.
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=70)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        await asyncio.gather(
            *(
                learner(name, cookie, session, args, items, tally, stop_at, args.seed * 100_000 + n)
                for n, (name, cookie) in enumerate(sessions.items())
            )
        )
    return tally, time.monotonic() - started


# The audit ----------------------------------------------------------------------------------------


def audit(tally: Tally, course_slug: str) -> dict:
    from django.contrib.auth import get_user_model

    from webapp.learning import replay
    from webapp.learning.models import Course, Response

    course = Course.objects.get(slug=course_slug)
    lost, duplicated, unsent, mismatched = 0, 0, 0, []
    for user in get_user_model().objects.filter(username__in=tally.accepted.keys()):
        keys = [str(k) for k in Response.objects.filter(learner=user).values_list("idempotency_key", flat=True)]
        recorded = set(keys)
        duplicated += len(keys) - len(recorded)
        lost += len(tally.accepted[user.username] - recorded)
        unsent += len(recorded - tally.accepted[user.username] - tally.uncertain[user.username])
        mismatched += [f"{user.username}: {problem}" for problem in replay.mismatches(user, course)]
    uncertain_recorded = sum(
        Response.objects.filter(learner__username=name, idempotency_key__in=list(keys)).count()
        for name, keys in tally.uncertain.items()
        if keys
    )
    return {
        "answers_accepted": sum(len(keys) for keys in tally.accepted.values()),
        "answers_uncertain": sum(len(keys) for keys in tally.uncertain.values()),
        "uncertain_but_recorded": uncertain_recorded,
        "lost": lost,
        "duplicated": duplicated,
        "recorded_but_never_sent": unsent,
        "mastery_mismatches": len(mismatched),
        "mismatch_examples": mismatched[:5],
    }


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    array = np.array(values)
    return {
        "n": len(values),
        "median_ms": round(float(np.median(array)), 1),
        "p95_ms": round(float(np.percentile(array, 95)), 1),
        "p99_ms": round(float(np.percentile(array, 99)), 1),
        "max_ms": round(float(array.max()), 1),
    }


def main() -> None:
    args = parse_args()
    from content.load import load_course

    database_url = load_database_url()
    print(f"setting up {args.learners} learners in {database_url.rsplit('/', 1)[1]} ...", flush=True)
    environment = production_environment(database_url)
    args.course, sessions = set_up(environment, args.learners)
    items = {item.id: item for kc in load_course(COURSE_DIR).kcs for item in kc.items}
    server = start_server(args, environment)
    try:
        print(f"{args.learners} learners answering for {args.seconds:.0f} s ...", flush=True)
        cpu_before = cpu_seconds(server.pid)
        tally, elapsed = asyncio.run(drive(args, sessions, items))
        cpu_used = {role: seconds - cpu_before[role] for role, seconds in cpu_seconds(server.pid).items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    checks = audit(tally, args.course)
    answers = max(checks["answers_accepted"], 1)
    result = {
        "benchmark": "load",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "settings": {k: v for k, v in vars(args).items() if k not in ("json",)},
        "elapsed_s": round(elapsed, 1),
        "answers_per_s": round(checks["answers_accepted"] / elapsed, 1),
        "answer_to_next_item": percentiles(tally.round_ms),
        "answer": percentiles(tally.answer_ms),
        "next_item": percentiles(tally.next_item_ms),
        # CPU spent while the learners answered, per answer recorded: where the two cores went.
        "cpu_ms_per_answer": {role: round(seconds * 1000 / answers, 1) for role, seconds in cpu_used.items()},
        "double_posts": tally.doubled,
        "errors": tally.errors,
        "audit": checks,
    }
    print_table(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")
    if not args.keep_database:
        from django.db import connections

        connections.close_all()
        drop_database(database_url)
    failures = ("lost", "duplicated", "recorded_but_never_sent", "mastery_mismatches")
    sys.exit(1 if any(checks[name] for name in failures) else 0)


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the web server (gunicorn and its workers), the database (every
    `postgres` process on this machine) and this process (the clients), read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")

    def used(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick  # utime and stime

    def children(pid: int) -> list[int]:
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def named(name: str) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                pass
        return pids

    process = time.process_time()
    return {
        "server": used(server_pid) + sum(used(child) for child in children(server_pid)),
        "database": sum(used(pid) for pid in named("postgres")),
        "clients": process,
    }


def print_table(result: dict) -> None:
    print(f"\n{result['settings']['learners']} learners, {result['elapsed_s']} s, {result['answers_per_s']} answers/s")
    print(f"{'request':<22}{'n':>7}{'median ms':>11}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name in ("answer_to_next_item", "answer", "next_item"):
        row = result[name]
        if row["n"]:
            print(
                f"{name:<22}{row['n']:>7}{row['median_ms']:>11}{row['p95_ms']:>9}{row['p99_ms']:>9}{row['max_ms']:>9}"
            )
    cpu = result["cpu_ms_per_answer"]
    print("CPU ms per answer: " + ", ".join(f"{role} {ms}" for role, ms in cpu.items()))
    print(f"errors: {result['errors'] or 'none'}; double posts: {result['double_posts']}")
    print("audit: " + ", ".join(f"{k} {v}" for k, v in result["audit"].items() if k != "mismatch_examples"))
    for example in result["audit"]["mismatch_examples"]:
        print(f"  {example}")


if __name__ == "__main__":
    main()
