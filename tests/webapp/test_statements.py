"""The event log as xAPI statements: their shape field by field (and Ralph's xAPI model),
stable ids, pseudonymous actors, the since/until window, and who may export what."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.http import StreamingHttpResponse
from django.urls import reverse
from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement

from tests.webapp.conftest import answer
from webapp.analytics import statements, xapi
from webapp.analytics.models import LearningEvent
from webapp.authoring.models import CourseFaculty
from webapp.learning import explanations, placement, services
from webapp.learning.models import Course

DAY1 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
HOME = "http://testserver/"
ADL = "http://adlnet.gov/expapi/verbs/"


def at(moment: datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def log(course, enrolled, learner):
    """Ada on day 1: a hint on counting-letters, a wrong answer (explained), then right answers
    a minute apart until her eureka; on day 2 a question about adding."""
    letters = course.items.get(slug="counting-letters")
    with at(DAY1):
        explanations.ask_hint(learner=learner, item=letters, text="what counts?")
    for step, given in enumerate(["7", "4", "4", "4", "4", "4"], start=1):
        with at(DAY1 + timedelta(minutes=step)):
            answer(learner, letters, given)
    with at(DAY2):
        explanations.ask_question(learner=learner, item=course.items.get(slug="adding-small"), question="Why 5?")
    return course


@pytest.fixture
def bob(course):
    user = get_user_model().objects.create_user(username="bob", email="bob@example.org", password="another-long-pass")
    placement.skip(enrollment=services.enroll(learner=user, course=course))
    with at(DAY2 + timedelta(hours=1)):
        answer(user, course.items.get(slug="counting-apples"), "3")
    return user


def export(client, url: str, **params) -> list[dict]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(b"".join(response.streaming_content))


def faculty_url(course) -> str:
    return reverse("analytics:statements", args=[course.slug])


def own_url(course) -> str:
    return reverse("own_statements", args=[course.slug])


def by_verb(exported: list[dict]) -> dict[str, list[dict]]:
    found = {}
    for statement in exported:
        found.setdefault(statement["verb"]["id"].rsplit("/", 1)[1], []).append(statement)
    return found


def test_each_event_is_one_statement_with_its_fields(client, faculty, learner, log):
    client.force_login(faculty)
    exported = export(client, faculty_url(log))
    events = list(LearningEvent.objects.filter(course=log).order_by("id"))
    assert len(exported) == len(events)
    verbs = by_verb(exported)
    assert {verb: len(found) for verb, found in verbs.items()} == {
        "hinted": 1,
        "answered": 6,
        "explained": 1,
        "mastered": 1,
        "asked": 1,
    }
    course_activity = {
        "objectType": "Activity",
        "id": f"{HOME}courses/tiny",
        "definition": {"name": {"en-US": "Tiny arithmetic"}, "type": "http://adlnet.gov/expapi/activities/course"},
    }
    counting = {
        "objectType": "Activity",
        "id": f"{HOME}courses/tiny/kcs/counting",
        "definition": {"name": {"en-US": "Counting"}, "type": "http://adlnet.gov/expapi/activities/objective"},
    }
    actor = {"objectType": "Agent", "account": {"homePage": HOME, "name": xapi.pseudonym(learner.pk)}}

    wrong = verbs["answered"][0]
    event = events[[e.verb for e in events].index("answered")]
    assert wrong == {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{HOME}xapi/statements/{event.id}")),
        "actor": actor,
        "verb": {"id": ADL + "answered", "display": {"en-US": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": f"{HOME}courses/tiny/items/counting-letters",
            "definition": {
                "name": {"en-US": "counting-letters (Counting)"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            },
        },
        "context": {"contextActivities": {"parent": [course_activity], "grouping": [counting]}},
        "timestamp": "2026-01-05T10:01:00Z",
        "result": {
            "success": False,
            "response": "7",
            "extensions": {
                f"{HOME}xapi/extensions/predicted": event.result["predicted"],
                f"{HOME}xapi/extensions/p_before": event.result["p_before"],
                f"{HOME}xapi/extensions/p_after": event.result["p_after"],
                f"{HOME}xapi/extensions/placement": False,
            },
        },
    }
    assert verbs["answered"][1]["result"]["success"] is True and verbs["answered"][1]["result"]["response"] == "4"

    mastered = verbs["mastered"][0]
    assert mastered["verb"] == {"id": ADL + "mastered", "display": {"en-US": "mastered"}}
    assert mastered["object"] == counting
    assert mastered["context"] == {"contextActivities": {"parent": [course_activity]}}
    assert mastered["result"]["success"] is True
    extensions = mastered["result"]["extensions"]
    assert extensions[f"{HOME}xapi/extensions/p_before"] < 0.95 <= extensions[f"{HOME}xapi/extensions/p_after"]
    assert mastered["timestamp"] in {s["timestamp"] for s in verbs["answered"]}  # the answer that crossed

    hinted = verbs["hinted"][0]
    assert hinted["verb"] == {"id": f"{HOME}xapi/verbs/hinted", "display": {"en-US": "asked for a hint on"}}
    assert hinted["result"] == {"response": "what counts?"} and hinted["timestamp"] == "2026-01-05T10:00:00Z"
    explained = verbs["explained"][0]
    assert explained["verb"]["id"] == f"{HOME}xapi/verbs/explained" and "result" not in explained
    assert explained["object"]["id"] == f"{HOME}courses/tiny/items/counting-letters"
    asked = verbs["asked"][0]
    assert asked["verb"] == {"id": ADL + "asked", "display": {"en-US": "asked a question about"}}
    assert asked["result"] == {"response": "Why 5?"} and asked["timestamp"] == "2026-01-06T10:00:00Z"
    assert asked["object"]["id"] == f"{HOME}courses/tiny/items/adding-small"


def test_every_statement_is_valid_xapi_by_ralph(client, faculty, log, bob):
    client.force_login(faculty)
    exported = export(client, faculty_url(log))
    for statement in exported:
        BaseXapiStatement(**statement)
    broken = {**exported[0], "actor": {"account": {"homePage": HOME}}}  # an account needs a name
    with pytest.raises(ValidationError):
        BaseXapiStatement(**broken)


def test_ids_are_stable_and_actors_pseudonymous(client, faculty, learner, log, bob):
    client.force_login(faculty)
    first, again = export(client, faculty_url(log)), export(client, faculty_url(log))
    assert [s["id"] for s in first] == [s["id"] for s in again]
    assert len({s["id"] for s in first}) == len(first)
    names = {s["actor"]["account"]["name"] for s in first}
    assert names == {xapi.pseudonym(learner.pk), xapi.pseudonym(bob.pk)}
    text = json.dumps(first)
    assert "bob@example.org" not in text and '"bob"' not in text and '"ada"' not in text


def test_since_and_until_keep_the_events_in_the_window(client, faculty, log, bob):
    client.force_login(faculty)
    everything = export(client, faculty_url(log))
    day2 = export(client, faculty_url(log), since="2026-01-06")
    assert [s["id"] for s in day2] == [s["id"] for s in everything if s["timestamp"] >= "2026-01-06"]
    assert {s["verb"]["id"].rsplit("/", 1)[1] for s in day2} == {"asked", "answered"}  # ada's question, bob's answer
    day1 = export(client, faculty_url(log), until="2026-01-06T00:00:00Z")
    assert len(day1) + len(day2) == len(everything) and all(s["timestamp"] < "2026-01-06" for s in day1)
    # An offset is honoured: 11:30 in Paris is 10:30 UTC, after ada's question and before bob's answer.
    morning = export(client, faculty_url(log), since="2026-01-06", until="2026-01-06T11:30:00+01:00")
    assert [s["verb"]["id"].rsplit("/", 1)[1] for s in morning] == ["asked"]


@pytest.mark.parametrize(
    "params, named",
    [
        ({"since": "yesterday"}, "'since'"),
        ({"until": "2026-13-01"}, "'until'"),
        ({"since": "2026-01-06", "until": "2026-01-05"}, "'since' (2026-01-06T00:00:00+00:00) must be before 'until'"),
    ],
)
def test_a_bad_window_is_a_400_naming_the_parameter(client, faculty, learner, log, params, named):
    client.force_login(faculty)
    response = client.get(faculty_url(log), params)
    assert response.status_code == 400 and named in response.content.decode()
    client.force_login(learner)
    response = client.get(own_url(log), params)
    assert response.status_code == 400 and named in response.content.decode()


def test_a_learner_exports_only_their_own_statements(client, learner, log, bob):
    client.force_login(learner)
    own = export(client, own_url(log))
    assert len(own) == LearningEvent.objects.filter(learner=learner).count() == 10
    assert {s["actor"]["account"]["name"] for s in own} == {xapi.pseudonym(learner.pk)}
    client.force_login(bob)
    theirs = export(client, own_url(log))
    assert [s["verb"]["id"] for s in theirs] == [ADL + "answered"]


def test_who_may_export(client, course, learner, faculty, log):
    url = faculty_url(course)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.get(own_url(course))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(learner)
    assert client.get(url).status_code == 403  # a learner, not faculty
    other = Course.objects.create(slug="other", title="Other", digest="x")
    stranger = get_user_model().objects.create_user(username="alan", password="a-long-faculty-passphrase-2")
    CourseFaculty.objects.create(user=stranger, course=other)
    client.force_login(stranger)
    assert client.get(url).status_code == 403  # faculty of another course
    assert client.get(own_url(course)).status_code == 404  # not enrolled: no statements of theirs here


def test_the_export_is_read_in_chunks_and_written_in_pieces(client, faculty, log, bob):
    client.force_login(faculty)
    whole = export(client, faculty_url(log))
    with mock.patch.object(statements, "CHUNK", 3):  # several fetches from the cursor
        assert export(client, faculty_url(log)) == whole
    pieces = list(statements.json_array(iter(whole), per_piece=4))
    assert len(pieces) == len(whole) // 4 + 1 and all(isinstance(piece, bytes) for piece in pieces)
    assert json.loads(b"".join(pieces)) == whole
    assert json.loads(b"".join(statements.json_array(iter([])))) == []


def test_an_event_naming_no_item_is_about_its_kc_or_the_course():
    site = xapi.Site(home=HOME, course_slug="tiny", course_title="Tiny arithmetic", kc_titles={"adding": "Adding"})
    row = xapi.Row(1, 7, "hinted", DAY1, {}, kc="adding", item=None)
    found = xapi.statement(row, site, "someone")
    assert found["object"]["id"] == f"{HOME}courses/tiny/kcs/adding"
    activities = found["context"]["contextActivities"]
    assert list(activities) == ["parent"] and activities["parent"][0]["id"] == f"{HOME}courses/tiny"
    alone = xapi.statement(xapi.Row(2, 7, "asked", DAY1, {}, kc=None, item=None, question="?"), site, "someone")
    assert alone["object"]["id"] == f"{HOME}courses/tiny" and alone["result"] == {"response": "?"}
    BaseXapiStatement(**alone)
