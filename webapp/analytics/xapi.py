"""Learning events as xAPI 1.0.3 statements: the mapping, one event row to one statement dict.

- **id**: a UUID (version 5) of the site and the event's id, so exporting the same event
  again gives the same statement id, and another site's event 17 a different one.
- **actor**: an account on the site (`homePage`) named by a pseudonym: a keyed hash of
  the learner's primary key, never their username or email. It stays the same from one
  export to the next as long as the site's SECRET_KEY does.
- **verb**: ADL's IRIs where ADL has the verb (answered, asked, mastered); IRIs under
  the site's `xapi/verbs/` for the others (hinted, explained).
- **object**: the item (an interaction) for answers, hints, questions and explanations;
  the KC (an objective) for a mastery.
- **result**: for an answer, success, the answer given, its measured duration, and the
  model's figures as extensions (predicted, p_before, p_after, placement); for a mastery,
  the move of P(mastered) across the threshold; for a question, what was asked.
- **context**: the course as the parent activity, and the item's KC as a grouping one.
- **timestamp**: when the learner did it, ISO 8601 in UTC.

No queries here: webapp.analytics.statements reads the rows and streams the statements.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.crypto import salted_hmac

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
# verb -> (IRI under ADL's vocabulary, or None for one under the site; what it displays)
VERBS = {
    "answered": ("answered", "answered"),
    "mastered": ("mastered", "mastered"),
    "asked": ("asked", "asked a question about"),
    "hinted": (None, "asked for a hint on"),
    "explained": (None, "was given an explanation of a wrong answer to"),
}
PSEUDONYM_SALT = "webapp.analytics.xapi.actor"
RESULT_EXTENSIONS = ("predicted", "p_before", "p_after", "placement")


@dataclass(frozen=True, slots=True)
class Row:
    """One learning event with the names its statement needs."""

    id: int
    learner_id: int
    verb: str
    timestamp: datetime
    result: dict
    kc: str | None  # slugs
    item: str | None
    answer: str | None = None  # the answer given (answered, mastered)
    question: str | None = None  # what the learner typed (asked, hinted)


@dataclass(frozen=True, slots=True)
class Site:
    """Where the statements come from: the site's root IRI (ending in '/'), and the course."""

    home: str
    course_slug: str
    course_title: str
    kc_titles: dict[str, str]  # KC slug -> title

    def iri(self, *parts: str) -> str:
        return self.home + "/".join(parts)

    @property
    def course_iri(self) -> str:
        return self.iri("courses", self.course_slug)


def pseudonym(learner_id: int) -> str:
    """The learner's stable name in statements: a keyed hash, not reversible without the SECRET_KEY."""
    return salted_hmac(PSEUDONYM_SALT, str(learner_id), algorithm="sha256").hexdigest()[:32]


def statement_id(home: str, event_id: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{home}xapi/statements/{event_id}"))


def statement(row: Row, site: Site, actor_name: str) -> dict:
    """The xAPI statement of one event; `actor_name` is pseudonym(row.learner_id), passed in so a
    caller streaming many rows hashes each learner once."""
    adl, display = VERBS[row.verb]
    found = {
        "id": statement_id(site.home, row.id),
        "actor": {"objectType": "Agent", "account": {"homePage": site.home, "name": actor_name}},
        "verb": {
            "id": ADL_VERBS + adl if adl else site.iri("xapi", "verbs", row.verb),
            "display": {"en-US": display},
        },
        "object": _object(row, site),
        "context": _context(row, site),
        "timestamp": row.timestamp.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    result = _result(row, site)
    if result:
        found["result"] = result
    return found


def _object(row: Row, site: Site) -> dict:
    """The item, or for a mastery the KC; an event that names neither (none is recorded so, but the
    columns allow it) is about the course."""
    if row.item and row.verb != "mastered":
        return _item_activity(row, site)
    return _kc_activity(row.kc, site) if row.kc else _course_activity(site)


def _item_activity(row: Row, site: Site) -> dict:
    return {
        "objectType": "Activity",
        "id": site.iri("courses", site.course_slug, "items", row.item),
        "definition": {
            "name": {"en-US": f"{row.item} ({site.kc_titles.get(row.kc, row.kc)})"},
            "type": ADL_ACTIVITIES + "cmi.interaction",
        },
    }


def _kc_activity(kc: str, site: Site) -> dict:
    return {
        "objectType": "Activity",
        "id": site.iri("courses", site.course_slug, "kcs", kc),
        "definition": {"name": {"en-US": site.kc_titles.get(kc, kc)}, "type": ADL_ACTIVITIES + "objective"},
    }


def _course_activity(site: Site) -> dict:
    return {
        "objectType": "Activity",
        "id": site.course_iri,
        "definition": {"name": {"en-US": site.course_title}, "type": ADL_ACTIVITIES + "course"},
    }


def _context(row: Row, site: Site) -> dict:
    activities = {"parent": [_course_activity(site)]}
    if row.item and row.verb != "mastered" and row.kc:
        activities["grouping"] = [_kc_activity(row.kc, site)]
    return {"contextActivities": activities}


def _result(row: Row, site: Site) -> dict:
    figures = row.result or {}
    extensions = {site.iri("xapi", "extensions", name): figures[name] for name in RESULT_EXTENSIONS if name in figures}
    result: dict = {}
    if row.verb == "answered":
        result["success"] = bool(figures.get("correct"))
        if row.answer is not None:
            result["response"] = row.answer
        if figures.get("seconds") is not None:
            result["duration"] = f"PT{float(figures['seconds']):.2f}S"
    elif row.verb == "mastered":
        result["success"] = True
    elif row.verb in ("asked", "hinted") and row.question:
        result["response"] = row.question
    if extensions:
        result["extensions"] = extensions
    return result
