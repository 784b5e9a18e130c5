"""Counters that stay right across every web and worker process: they live in shared state.

- Answers recorded: the rows of the response log (exact and durable; no counter to keep).
- LLM calls and failures: Redis INCR at the call (`llm_call`, from the explanation task), so
  any number of gunicorn and Celery processes add to the same number. A Redis restart
  starts them again from zero, which Prometheus reads as a counter reset.
- Queue depth: the length of the Celery queue's Redis list.

In embedded mode (no REDIS_URL) everything runs in one process, so the LLM counters are
kept in this process's memory.
"""

import logging
import threading
from collections import Counter
from functools import lru_cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "tutor:metrics:"
LLM_CALLS = "llm_calls"
LLM_FAILURES = "llm_failures"

_in_process = Counter()
_in_process_lock = threading.Lock()


@lru_cache(maxsize=4)
def client(url: str) -> redis.Redis:
    """A Redis client for `url`, short timeouts: a probe or a counter must never hang a request."""
    return redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)


def llm_call(*, failed: bool) -> None:
    """Count one call of the LLM; `failed` when its reply could not be served (the learner got
    the authored text). Counting never breaks the caller: Redis down is logged and skipped."""
    names = [LLM_CALLS, LLM_FAILURES] if failed else [LLM_CALLS]
    if not settings.REDIS_URL:
        with _in_process_lock:
            _in_process.update(names)
        return
    try:
        with client(settings.REDIS_URL).pipeline(transaction=False) as pipe:
            for name in names:
                pipe.incr(KEY_PREFIX + name)
            pipe.execute()
    except redis.RedisError as error:
        logger.warning("could not count an LLM call in Redis: %s", type(error).__name__)


def llm_counts() -> dict[str, int]:
    """{LLM_CALLS: n, LLM_FAILURES: m}; raises redis.RedisError when Redis is unreachable."""
    names = [LLM_CALLS, LLM_FAILURES]
    if not settings.REDIS_URL:
        with _in_process_lock:
            return {name: _in_process[name] for name in names}
    values = client(settings.REDIS_URL).mget([KEY_PREFIX + name for name in names])
    return {name: int(value or 0) for name, value in zip(names, values)}


def queue_depth() -> int | None:
    """Tasks waiting in the Celery queue, or None in embedded mode (no broker, no queue).
    Celery's Redis transport keeps a queue as a list named after it; raises redis.RedisError
    when Redis is unreachable."""
    if not settings.REDIS_URL:
        return None
    return client(settings.REDIS_URL).llen(settings.CELERY_TASK_DEFAULT_QUEUE)
