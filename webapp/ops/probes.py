"""Readiness checks: can this process serve a learner right now?

Each check returns a small dict for the JSON of /health/ready: whether it passed, how long
it took, and on failure only the error's class name (the full error goes to the log, never
to an anonymous caller: it may name hosts or users).
"""

import logging
import time
import uuid
from collections.abc import Callable

import httpx
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from webapp.ops import counters

logger = logging.getLogger(__name__)

LLM_PROBE_SECONDS = 1.0


def database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def redis_broker() -> None:
    counters.client(settings.REDIS_URL).ping()


def shared_cache() -> None:
    """A round trip through the cache (Redis in production: the LLM replies live there)."""
    key = f"ops:ready:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the cache did not return what was just stored")
    finally:
        cache.delete(key)


def llm_server() -> None:
    """The vLLM server's /health (docs/SERVING.md). Reported, never failing readiness:
    without it, explanations fall back to the authored text."""
    response = httpx.get(settings.LLM_BASE_URL.rstrip("/") + "/health", timeout=LLM_PROBE_SECONDS)
    response.raise_for_status()


def run(name: str, check: Callable[[], None]) -> dict:
    started = time.monotonic()
    try:
        check()
    except Exception as error:  # any failure is a failed check, reported by its class only
        logger.warning("readiness check %s failed: %s", name, error)
        return {"ok": False, "error": type(error).__name__, "ms": _ms_since(started)}
    return {"ok": True, "ms": _ms_since(started)}


def readiness() -> tuple[bool, dict]:
    """(ready, {check name: result}). Redis is checked only when configured (production);
    the LLM server only with the openai backend (the local one runs inside the worker)."""
    results = {"database": run("database", database)}
    if settings.REDIS_URL:
        results["redis"] = run("redis", redis_broker)
    results["cache"] = run("cache", shared_cache)
    ready = all(result["ok"] for result in results.values())
    if settings.LLM_BACKEND == "openai":
        results["llm"] = {**run("llm", llm_server), "required": False}
    else:
        results["llm"] = {"ok": True, "backend": settings.LLM_BACKEND, "required": False}
    return ready, results


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
