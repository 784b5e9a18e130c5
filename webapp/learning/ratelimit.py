"""A per-user limit on the requests that ask the LLM for something (the Hint button, a question).

Each such request costs a model call, so one learner (or a script with their session)
could keep the model busy for everyone. The limit is a fixed window on Django's cache: a
counter per user and window, created with the window's length as its timeout and
incremented atomically (`cache.incr`, an INCR in Redis), so every web process shares it
when the cache is Redis. A fixed window lets a burst of up to twice the limit through
across a window's edge; that is fine for this purpose and costs one round trip.

The setting LLM_RATE_LIMIT reads "N/s", "N/m" or "N/h" ("20/m": 20 requests a minute);
"0/m" refuses every request, an empty string turns the limit off.
"""

import functools
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render

UNITS = {"s": 1, "m": 60, "h": 3600}
UNIT_NAMES = {"s": "second", "m": "minute", "h": "hour"}


@dataclass(frozen=True)
class Rate:
    requests: int
    unit: str  # a key of UNITS

    @property
    def seconds(self) -> int:
        return UNITS[self.unit]

    def __str__(self) -> str:
        return f"{self.requests} per {UNIT_NAMES[self.unit]}"


def parse_rate(text: str) -> Rate | None:
    """'20/m' -> Rate(20, 'm'); '' -> None (no limit)."""
    if not text.strip():
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*([smh])\s*", text)
    if match is None:
        raise ImproperlyConfigured(f"LLM_RATE_LIMIT={text!r}: write N/s, N/m or N/h, for example 20/m")
    return Rate(int(match[1]), match[2])


def seconds_to_wait(scope: str, user_id: int, rate: Rate, *, now: float | None = None) -> int:
    """Count one request of the user's in the current window; 0 when it is allowed, else the
    seconds until the window ends (the Retry-After)."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    key = f"ratelimit:{scope}:{user_id}:{window}"
    cache.add(key, 0, timeout=rate.seconds + 1)  # the counter outlives its window by a second at most
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request starts the count again
        cache.add(key, 1, timeout=rate.seconds + 1)
        count = 1
    if count <= rate.requests:
        return 0
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def llm_rate_limited(view):
    """Answer 429, with a page saying when to try again and a Retry-After header, once the
    logged-in user has made more than LLM_RATE_LIMIT requests to LLM views in the window.
    Place it under login_required (it counts per user), on views of a course (`slug`)."""

    @functools.wraps(view)
    def limited(request, *args, **kwargs):
        rate = parse_rate(settings.LLM_RATE_LIMIT)
        if rate is not None:
            wait = seconds_to_wait("llm", request.user.pk, rate)
            if wait:
                context = {"rate": rate, "wait": wait, "slug": kwargs["slug"]}
                reply = render(request, "learning/rate_limited.html", context, status=429)
                reply["Retry-After"] = str(wait)
                return reply
        return view(request, *args, **kwargs)

    return limited
