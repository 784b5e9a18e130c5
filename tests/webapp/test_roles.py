"""Who may open which URL: every URL pattern of the project, for every role, in one table.

The table has a row per request (at least one per pattern name); a test walks the URL
resolver and fails when a pattern has no row, so a new page cannot be added without
saying who may open it. Django admin's own patterns are not listed: a test walks every
one of them and checks that only staff get past its login (see `test_every_admin_url_needs_staff`).

Roles, each its own user:
- anonymous: not logged in;
- learner: enrolled in the course, owner of the answer and explanation in the URLs;
- other_learner: enrolled in the same course, owner of nothing in the URLs;
- other_faculty: faculty of another course only;
- faculty: faculty of the course (not enrolled);
- staff: `is_staff` (not a superuser: the admin's model pages need permissions besides).
"""

import json
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import FIXTURES
from webapp.analytics.xapi import pseudonym
from webapp.authoring import services as authoring
from webapp.authoring.models import CourseFaculty
from webapp.learning import placement, services
from webapp.learning.models import Explanation, LearnerModelFit

ROLES = ("anonymous", "learner", "other_learner", "other_faculty", "faculty", "staff")
LOGIN = "login"  # a redirect to the login page, with ?next=
ADMIN_LOGIN = "admin login"  # a redirect to the admin's login page, with ?next=


@dataclass(frozen=True)
class Row:
    """One request to the URL named `name`, and the status each role gets, in ROLES order.
    `kwargs` values that are callables are called with the world (the fixtures' objects)."""

    name: str
    method: str
    statuses: tuple
    kwargs: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    note: str = ""


def slug(world):
    return world.course.slug


def explanation_of_learner(world):
    return world.explanation.pk


def fit_of_course(world):
    return world.fit.pk


def fit_of_other_course(world):
    return world.other_fit.pk


#             anonymous  learner  other_learner  other_faculty  faculty  staff
EVERYONE_LOGGED_IN = (LOGIN, 200, 200, 200, 200, 200)
ENROLLED_ONLY = (LOGIN, 200, 200, 302, 302, 302)  # the others are sent to the course list
FACULTY_OF_SOME_COURSE = (LOGIN, 403, 403, 200, 200, 200)
FACULTY_OF_THE_COURSE = (LOGIN, 403, 403, 403, 200, 200)


def faculty_of_the_course(status):
    return (LOGIN, 403, 403, 403, status, status)


TABLE = [
    # accounts
    Row("signup", "get", (200, 200, 200, 200, 200, 200)),
    Row("login", "get", (200, 200, 200, 200, 200, 200)),
    Row("logout", "get", (405, 405, 405, 405, 405, 405), note="logging out is a POST"),
    Row("logout", "post", (302, 302, 302, 302, 302, 302)),
    # learning
    Row("course_list", "get", EVERYONE_LOGGED_IN),
    Row("enroll", "post", (LOGIN, 302, 302, 302, 302, 302), {"slug": slug}, note="anyone may enroll"),
    Row("enroll", "get", (LOGIN, 405, 405, 405, 405, 405), {"slug": slug}),
    Row("learn", "get", ENROLLED_ONLY, {"slug": slug}),
    Row("answer", "post", (LOGIN, 400, 400, 302, 302, 302), {"slug": slug}, note="an empty form: 400"),
    Row("answer", "get", (LOGIN, 405, 405, 405, 405, 405), {"slug": slug}),
    Row("explain", "post", (LOGIN, 302, 302, 302, 302, 302), {"slug": slug}, {"item": "counting-apples"}),
    Row("ask", "post", (LOGIN, 400, 400, 302, 302, 302), {"slug": slug}, {"item": "counting-apples"}),
    Row("placement_skip", "post", (LOGIN, 302, 302, 404, 404, 404), {"slug": slug}),
    Row("placement_restart", "post", (LOGIN, 302, 302, 404, 404, 404), {"slug": slug}),
    Row("explanation", "get", (LOGIN, 200, 404, 404, 404, 404), {"pk": explanation_of_learner}),
    Row("progress", "get", ENROLLED_ONLY, {"slug": slug}, note="each learner's own"),
    Row("own_statements", "get", (LOGIN, 200, 200, 404, 404, 404), {"slug": slug}, note="each learner's own"),
    # operations
    Row("health_live", "get", (200, 200, 200, 200, 200, 200)),
    Row("health_ready", "get", (200, 200, 200, 200, 200, 200), note="PostgreSQL, Redis and the cache up"),
    Row("metrics", "get", (401, 403, 403, 403, 403, 200), note="or the metrics token"),
    # authoring
    Row("authoring:dashboard", "get", FACULTY_OF_SOME_COURSE),
    Row("authoring:new_course", "get", FACULTY_OF_SOME_COURSE),
    Row("authoring:draft", "get", FACULTY_OF_THE_COURSE, {"slug": slug}),
    Row("authoring:upload", "post", faculty_of_the_course(400), {"slug": slug}, note="no file: 400"),
    Row("authoring:edit_file", "get", FACULTY_OF_THE_COURSE, {"slug": slug, "name": "kcs/adding.md"}),
    Row("authoring:add_kc", "post", faculty_of_the_course(302), {"slug": slug}),
    Row("authoring:remove_kc", "post", faculty_of_the_course(302), {"slug": slug}),
    Row("authoring:graph", "get", FACULTY_OF_THE_COURSE, {"slug": slug}),
    Row("authoring:preview_item", "get", FACULTY_OF_THE_COURSE, {"slug": slug, "item_id": "adding-small"}),
    Row("authoring:publish", "get", FACULTY_OF_THE_COURSE, {"slug": slug}),
    Row("authoring:discard", "post", faculty_of_the_course(302), {"slug": slug}),
    # analytics
    Row("analytics:course_dashboard", "get", FACULTY_OF_THE_COURSE, {"slug": slug}),
    Row("analytics:refresh", "post", faculty_of_the_course(302), {"slug": slug}),
    Row("analytics:statements", "get", FACULTY_OF_THE_COURSE, {"slug": slug}),
    Row("analytics:learner_model", "get", FACULTY_OF_THE_COURSE, {"slug": slug}),
    Row("analytics:learner_model_csv", "get", FACULTY_OF_THE_COURSE, {"slug": slug}),
    Row("analytics:apply_refit", "post", faculty_of_the_course(302), {"slug": slug, "fit_id": fit_of_course}),
    Row(
        "analytics:apply_refit",
        "post",
        faculty_of_the_course(404),
        {"slug": slug, "fit_id": fit_of_other_course},
        note="another course's fit through this course's URL",
    ),
    Row("analytics:course_csv", "get", FACULTY_OF_THE_COURSE, {"slug": slug, "table": "kcs"}),
    Row("analytics:course_csv", "get", faculty_of_the_course(404), {"slug": slug, "table": "nope"}),
    # the admin: a few rows to show what each role sees; every admin URL is checked below
    Row("admin:index", "get", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200)),
    Row("admin:login", "get", (200, 200, 200, 200, 200, 302), note="staff are sent on to the index"),
    Row(
        "admin:learning_response_changelist",
        "get",
        (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403),
        note="staff without the model's permissions",
    ),
]


def walk(patterns, prefix="", namespace=""):
    """(name or None, route, pattern) for every URL pattern under `patterns`, includes followed."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else None), prefix + str(pattern.pattern), pattern


def project_patterns():
    return list(walk(get_resolver().url_patterns))


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    names = {name for name, route, _ in project_patterns() if not route.startswith("admin/")}
    unnamed = [route for name, route, _ in project_patterns() if name is None and not route.startswith("admin/")]
    assert not unnamed, f"name these URL patterns so that the table can list them: {unnamed}"
    listed = {row.name for row in TABLE if not row.name.startswith("admin:")}
    assert not names - listed, f"add rows to TABLE for these URL patterns: {sorted(names - listed)}"
    assert not listed - names, f"these rows name no URL pattern: {sorted(listed - names)}"


@pytest.fixture
def world(db):
    """The course with its learners, faculty and staff, an answer and an explanation of `learner`'s."""
    course = services.import_course(path=FIXTURES / "tiny").course
    users = get_user_model().objects
    # No passwords: the clients log in with force_login, and hashing one takes a second here.
    learner = users.create_user(username="ada")
    other_learner = users.create_user(username="bob")
    for who in (learner, other_learner):
        placement.skip(enrollment=services.enroll(learner=who, course=course))
    faculty = users.create_user(username="grace")
    CourseFaculty.objects.create(user=faculty, course=course)
    other_faculty = users.create_user(username="otto")
    other_course = authoring.create_course(slug="other", title="Other", by=other_faculty)
    staff = users.create_user(username="root", is_staff=True)
    item = course.items.get(slug="counting-apples")
    answered = services.record_answer(learner=learner, item=item, answer="4", idempotency_key=uuid.uuid4())
    explanation = Explanation.objects.create(
        learner=learner,
        item=item,
        response=answered.response,
        kind=Explanation.Kind.WRONG_ANSWER,
        status=Explanation.Status.DONE,  # written: a poll starts no model
        text="You counted one apple twice.",
        source="authored",
    )
    fits = {  # a refit proposal of each course that changes no KC (the page and apply read its shape only)
        on: LearnerModelFit.objects.create(
            course=on, responses=0, seconds=0.0, metrics={"current": {}, "proposed": {}}, parameters={}
        )
        for on in (course, other_course)
    }
    return SimpleNamespace(
        fit=fits[course],
        other_fit=fits[other_course],
        course=course,
        other_course=other_course,
        response=answered.response,
        explanation=explanation,
        users={
            "anonymous": None,
            "learner": learner,
            "other_learner": other_learner,
            "other_faculty": other_faculty,
            "faculty": faculty,
            "staff": staff,
        },
    )


def client_of(world, role) -> Client:
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def status_of(reply) -> str | int:
    """The reply as the table writes it: LOGIN or ADMIN_LOGIN for a redirect to a login page, else its status."""
    where = reply.get("Location", "")
    if reply.status_code == 302 and where.startswith(reverse("login") + "?next="):
        return LOGIN
    if reply.status_code == 302 and where.startswith(reverse("admin:login") + "?next="):
        return ADMIN_LOGIN
    return reply.status_code


def request_row(world, role, row):
    """The row's request made by `role`; what it writes is rolled back, so that every row sees the same world."""
    kwargs = {key: value(world) if callable(value) else value for key, value in row.kwargs.items()}
    url = reverse(row.name, kwargs=kwargs)
    with transaction.atomic():
        reply = getattr(client_of(world, role), row.method)(url, row.data)  # a new client: a logout logs out no other
        transaction.set_rollback(True)
    return url, reply


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_status_the_table_says(world, role):
    """One test per role (one world to set up), every row of the table; the failure lists every wrong cell."""
    wrong = []
    for row in TABLE:
        expected = row.statuses[ROLES.index(role)]
        url, reply = request_row(world, role, row)
        if status_of(reply) != expected:
            wrong.append(f"{row.method.upper()} {url} ({row.name}): expected {expected}, got {status_of(reply)}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def concrete_admin_url(name, route, pattern, world) -> str:
    """A URL of the admin pattern, its path arguments filled with objects that exist."""
    values = {
        "object_id": str(world.response.pk),
        "id": str(world.users["learner"].pk),  # a user's password change
        "content_type_id": "1",
        "app_label": "learning",
        "url": "nowhere/",
    }
    groups = list(pattern.pattern.regex.groupindex)
    if name:
        return reverse(name, kwargs={group: values[group] for group in groups})
    # The admin's unnamed patterns: the old change URLs (<model>/<id>/) and the final catch-all.
    if route.endswith("(?P<url>.*)$"):
        return "/admin/" + values["url"]
    assert groups == ["object_id"], route
    return "/" + route.replace("<path:object_id>", values["object_id"])


def test_every_admin_url_needs_staff(world):
    """Every admin URL but its login and logout sends anyone not staff to the admin's login,
    and lets staff past it (they then get the page, or 403/404/405 without model permissions)."""
    admin_patterns = [(name, route, p) for name, route, p in project_patterns() if route.startswith("admin/")]
    assert len(admin_patterns) > 30  # the walk found the admin's per-model pages
    clients = {role: client_of(world, role) for role in ROLES}
    for name, route, pattern in admin_patterns:
        if name in ("admin:login", "admin:logout"):
            continue
        url = concrete_admin_url(name, route, pattern, world)
        for role in ROLES[:-1]:
            assert status_of(clients[role].get(url)) == ADMIN_LOGIN, (role, url)
        staff = clients["staff"].get(url)
        assert staff.status_code in (200, 301, 302, 403, 404, 405), (url, staff.status_code)
        assert "?next=" not in staff.get("Location", ""), url


def test_a_learner_never_sees_another_learners_answer_explanation_or_mastery(world):
    bob = client_of(world, "other_learner")
    learn = reverse("learn", args=[world.course.slug])
    answered = bob.get(f"{learn}?answered={world.response.pk}").content.decode()
    assert "You answered" not in answered and 'data-item="counting-' in answered  # Bob's own item page
    shown = bob.get(f"{learn}?explanation={world.explanation.pk}").content.decode()
    assert world.explanation.text not in shown
    assert bob.get(reverse("explanation", args=[world.explanation.pk])).status_code == 404
    # Ada's wrong answer lowered her mastery of counting, not Bob's: Bob's bars show the prior.
    ada = client_of(world, "learner").get(learn).content.decode()
    assert 'data-testid="mastery-counting">10%' not in ada and 'data-testid="mastery-counting">10%' in answered


def test_a_learners_statements_are_their_own(world):
    ada, bob = world.users["learner"], world.users["other_learner"]
    url = reverse("own_statements", args=[world.course.slug])
    for who in (ada, bob):
        client = Client()
        client.force_login(who)
        actors = {row["actor"]["account"]["name"] for row in json.loads(b"".join(client.get(url).streaming_content))}
        assert actors <= {pseudonym(who.pk)}
    assert actors == set()  # Bob has done nothing yet: none of Ada's events


def test_a_question_naming_another_learners_answer_is_not_tied_to_it(world):
    bob = client_of(world, "other_learner")
    data = {"item": "counting-apples", "question": "What did she answer?", "response": world.response.pk}
    assert bob.post(reverse("ask", args=[world.course.slug]), data).status_code == 302
    asked = Explanation.objects.get(learner=world.users["other_learner"])
    assert asked.response is None  # asked on the open item: the guard keeps the answer out of the reply


def test_faculty_see_only_their_courses_learners(world):
    grace, otto = client_of(world, "faculty"), client_of(world, "other_faculty")
    for name in ("analytics:course_dashboard", "authoring:draft"):
        assert otto.get(reverse(name, args=[world.course.slug])).status_code == 403
        assert grace.get(reverse(name, args=[world.other_course.slug])).status_code == 403
    csv = reverse("analytics:course_csv", args=[world.other_course.slug, "kcs"])
    assert grace.get(csv).status_code == 403 and otto.get(csv).status_code == 200
    assert status_of(grace.get(reverse("admin:learning_response_changelist"))) == ADMIN_LOGIN
