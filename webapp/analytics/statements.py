"""A course's learning events as a stream of xAPI statements (a JSON array), for faculty or one learner.

The events are read with a server-side cursor in chunks (`.iterator()`) and written out
as they come, so a million of them never sit in memory: the KC titles are read once, and
each learner's pseudonym is hashed once.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_date, parse_datetime

from webapp.analytics import xapi
from webapp.analytics.models import LearningEvent
from webapp.learning.models import Course

CHUNK = 2000  # rows per fetch from the cursor
COLUMNS = ("id", "learner_id", "verb", "timestamp", "result", "kc__slug", "item__slug", "response__answer")


def home(request) -> str:
    """The site's root IRI, in the actors' accounts, the statement ids and the activity ids: the
    setting SITE_URL where set (so that ids do not depend on the host name a request used), else
    the root of the requested URL."""
    root = getattr(settings, "SITE_URL", "") or request.build_absolute_uri("/")
    return root if root.endswith("/") else root + "/"


class BadWindow(ValueError):
    """A `since` or `until` that is not an ISO 8601 date or time (the message names which)."""


def parse_window(params) -> tuple[datetime | None, datetime | None]:
    """`since` and `until` from the query string: ISO 8601 dates or date-times, UTC if no offset
    is given. Raises BadWindow naming the parameter that is wrong."""
    window = []
    for name in ("since", "until"):
        text = params.get(name, "").strip()
        window.append(_instant(name, text) if text else None)
    since, until = window
    if since and until and since >= until:
        raise BadWindow(f"'since' ({since.isoformat()}) must be before 'until' ({until.isoformat()}).")
    return since, until


def _instant(name: str, text: str) -> datetime:
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime(day.year, day.month, day.day) if day else None
    except ValueError:  # well formed but impossible, such as month 13
        moment = None
    if moment is None:
        raise BadWindow(f"'{name}' must be an ISO 8601 date or date-time such as 2026-01-05T10:00:00Z, got {text!r}.")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def statements(
    course: Course,
    home: str,
    *,
    learner=None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[dict]:
    """The course's events (one learner's, if given) in the window [since, until), in the order they were
    recorded (by id: the primary key's index, no sort of the whole log), as statements."""
    site = xapi.Site(
        home=home,
        course_slug=course.slug,
        course_title=course.title,
        kc_titles=dict(course.kcs.values_list("slug", "title")),
    )
    events = LearningEvent.objects.filter(course=course)
    if learner is not None:
        events = events.filter(learner=learner)
    if since is not None:
        events = events.filter(timestamp__gte=since)
    if until is not None:
        events = events.filter(timestamp__lt=until)
    rows = events.order_by("id").values_list(*COLUMNS, "explanation__question")
    names: dict[int, str] = {}
    for event_id, learner_id, verb, timestamp, result, kc, item, answer, question in rows.iterator(chunk_size=CHUNK):
        if learner_id not in names:
            names[learner_id] = xapi.pseudonym(learner_id)
        row = xapi.Row(event_id, learner_id, verb, timestamp, result, kc, item, answer, question)
        yield xapi.statement(row, site, names[learner_id])


def json_array(items: Iterator[dict], per_piece: int = 500) -> Iterator[bytes]:
    """A JSON array written piece by piece, `per_piece` items to a piece (each piece yielded costs
    the response a few conversions, so one per item would double the time)."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    piece = ["["]
    for n, item in enumerate(items):
        piece.append(("," if n else "") + "\n" + encode(item))
        if (n + 1) % per_piece == 0:
            yield "".join(piece).encode()
            piece = []
    piece.append("\n]\n")
    yield "".join(piece).encode()


def response(items: Iterator[dict], filename: str) -> StreamingHttpResponse:
    streamed = StreamingHttpResponse(json_array(items), content_type="application/json; charset=utf-8")
    streamed["Content-Disposition"] = f'attachment; filename="{filename}"'
    streamed["X-Experience-API-Version"] = "1.0.3"
    return streamed
