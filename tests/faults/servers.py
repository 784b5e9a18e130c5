"""Real processes the fault tests start, stop and kill: their own Redis, PostgreSQL and
LLM server, so that no fault reaches the shared services other test runs are using."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from glob import glob
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, *, timeout: float, what: str, every: float = 0.1):
    """Poll `check` until it returns something true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Redis:
    """A redis-server of the test's own, on a free port, with nothing saved to disk."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: listening(self.port), timeout=10, what=f"redis-server on port {self.port}")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


class PostgreSQL:
    """A PostgreSQL cluster of the test's own in a temporary folder, on a free port.
    PostgreSQL refuses to run as root: as root, it runs as the postgres user (as
    scripts/test-services.sh does)."""

    def __init__(self):
        self.bin = Path(sorted(glob("/usr/lib/postgresql/*/bin/initdb"))[-1]).parent
        self.port = free_port()
        self.data = Path(tempfile.mkdtemp(prefix="tutor-faults-pg-")) / "data"
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        self.url = f"postgres://tutor@127.0.0.1:{self.port}/tutor"

    def init(self) -> None:
        self.data.mkdir()
        if self.as_pg:
            shutil.chown(self.data.parent, "postgres", "postgres")
            shutil.chown(self.data, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "tutor", "--auth=trust", "-E", "UTF8")
        self.ctl("start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "tutor", "tutor")

    def copy_schema(self, *, host: str, port: int, user: str, name: str) -> None:
        """The tables (and the migrations recorded) of another database: no rows but django_migrations'."""
        schema = subprocess.run(
            [str(self.bin / "pg_dump"), "-h", host, "-p", str(port), "-U", user, "--no-owner", "--schema-only", name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        migrations = subprocess.run(
            [
                str(self.bin / "pg_dump"),
                "-h",
                host,
                "-p",
                str(port),
                "-U",
                user,
                "--no-owner",
                "--data-only",
                "-t",
                "django_migrations",
                name,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        subprocess.run(
            [
                str(self.bin / "psql"),
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "tutor",
                "tutor",
            ],
            input=schema + migrations,
            check=True,
            capture_output=True,
            text=True,
        )

    def ctl(self, action: str, *extra: str) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data.parent} -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data.parent / "server.log"),
            "-w",
            action,
            *extra,
            "-o",
            options,
        )

    def destroy(self) -> None:
        subprocess.run(
            [*self.as_pg, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.data.parent, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_pg, str(self.bin / program), *args], check=True, capture_output=True, text=True)


class SlowLLM:
    """A small OpenAI-compatible chat server (the wire format of tutor/openai_backend.py) that
    streams `pieces` one every `pause` seconds, or, with `stall`, accepts the request and
    never sends a token. A test double for the LLM: the faults under test are elsewhere."""

    def __init__(self, pieces: list[str], *, pause: float = 0.0, stall: bool = False):
        self.pieces, self.pause, self.stall = pieces, pause, stall
        self.requests = 0
        self.released = threading.Event()  # set to let stalled handlers go
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests += 1
                if server.stall:
                    server.released.wait(60)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for piece in server.pieces:
                        event = {"choices": [{"delta": {"content": piece}}]}
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                        self.wfile.flush()
                        time.sleep(server.pause)
                    self.wfile.write(b"data: [DONE]\n\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (a killed worker): nothing to finish
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def text(self) -> str:
        return "".join(self.pieces).strip()

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def start_worker(*, database_url: str, redis_url: str, queue: str, llm_url: str, log_path: Path, extra_env=None):
    """A Celery worker process (one process, solo pool) on `queue`, with the openai backend."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_EAGER": "0",
        "CELERY_QUEUE": queue,
        "LLM_BACKEND": "openai",
        "LLM_BASE_URL": llm_url,
        "LLM_MODEL": "slow-test-double",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool=solo", "--loglevel=INFO", "-Q", queue]
    with open(log_path, "a") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
