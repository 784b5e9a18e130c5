"""A course's learning events as a stream of xAPI statements (a JSON array), for faculty or one learner.

The events are read a chunk at a time, in id order from the (course, id) index, and
written out as they come, so a million of them never sit in memory and the first bytes
leave at once. Each chunk's answers and questions are read by two small queries on their
primary keys, not by joining the whole log to the responses and explanations (a join the
database may choose to hash before the first row). The KC and item slugs and titles are
read once, and each learner's pseudonym is hashed once.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_date, parse_datetime

from webapp.analytics import xapi
from webapp.analytics.models import LearningEvent
from webapp.learning.models import Course, Explanation, Response

CHUNK = 2000  # events per query
COLUMNS = ("id", "learner_id", "verb", "timestamp", "result", "kc_id", "item_id", "response_id", "explanation_id")


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
    kc_slugs = dict(course.kcs.values_list("id", "slug"))
    item_slugs = dict(course.items.values_list("id", "slug"))
    names: dict[int, str] = {}
    for chunk in _chunks(events):
        answers = dict(Response.objects.filter(pk__in={row[7] for row in chunk} - {None}).values_list("pk", "answer"))
        asked = {row[8] for row in chunk} - {None}
        questions = dict(Explanation.objects.filter(pk__in=asked).values_list("pk", "question"))
        for event_id, learner_id, verb, timestamp, result, kc, item, response, explanation in chunk:
            if learner_id not in names:
                names[learner_id] = xapi.pseudonym(learner_id)
            row = xapi.Row(
                event_id,
                learner_id,
                verb,
                timestamp,
                result,
                kc_slugs.get(kc),
                item_slugs.get(item),
                answers.get(response),
                questions.get(explanation),
            )
            yield xapi.statement(row, site, names[learner_id])


def _chunks(events) -> Iterator[list[tuple]]:
    """The events' COLUMNS in id order, CHUNK at a time (keyset pages: each query starts past the last id)."""
    last = 0
    while chunk := list(events.filter(id__gt=last).order_by("id").values_list(*COLUMNS)[:CHUNK]):
        yield chunk
        last = chunk[-1][0]


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
