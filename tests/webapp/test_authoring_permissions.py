"""Who may open which authoring page: every URL, for every kind of user."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from webapp.authoring import services
from webapp.authoring.models import CourseFaculty
from webapp.learning.models import Course

# (method, URL name, arguments after the course's slug or None for pages of no course, what faculty get)
PAGES = [
    ("get", "authoring:dashboard", None, 200),
    ("get", "authoring:new_course", None, 200),
    ("get", "authoring:draft", (), 200),
    ("post", "authoring:upload", (), 400),  # no file chosen: the draft page again, with the reason
    ("get", "authoring:edit_file", ("course.toml",), 200),
    ("get", "authoring:edit_file", ("kcs/adding.md",), 200),
    ("post", "authoring:edit_file", ("kcs/adding.md",), 200),  # a check without saving
    ("post", "authoring:add_kc", (), 302),
    ("post", "authoring:remove_kc", (), 302),
    ("get", "authoring:graph", (), 200),
    ("get", "authoring:preview_item", ("adding-small",), 200),
    ("post", "authoring:preview_item", ("adding-small",), 200),
    ("get", "authoring:publish", (), 200),
    ("post", "authoring:publish", (), 400),  # nothing reviewed: refused, and said why
    ("post", "authoring:discard", (), 302),
]
IDS = [f"{method} {name} {args or ''}" for method, name, args, _ in PAGES]


def url_of(name, args, slug="tiny"):
    return reverse(name, args=[] if args is None else [slug, *args])


def fetch(client, method, name, args, slug="tiny"):
    return getattr(client, method)(url_of(name, args, slug))


@pytest.fixture
def other_faculty(db):
    """Faculty of another course only."""
    other = services.create_course(
        slug="other",
        title="Other",
        by=get_user_model().objects.create_user(username="otto", password="a-long-faculty-passphrase"),
    )
    return CourseFaculty.objects.get(course=other).user


@pytest.mark.parametrize(("method", "name", "args", "_"), PAGES, ids=IDS)
def test_anonymous_visitors_are_sent_to_log_in(client, course, method, name, args, _):
    reply = fetch(client, method, name, args)
    assert reply.status_code == 302 and reply.url.startswith(reverse("login"))


@pytest.mark.parametrize(("method", "name", "args", "_"), PAGES, ids=IDS)
def test_learners_get_403_everywhere(logged_in, enrolled, method, name, args, _):
    assert fetch(logged_in, method, name, args).status_code == 403


@pytest.mark.parametrize(("method", "name", "args", "allowed"), PAGES, ids=IDS)
def test_faculty_of_another_course_get_403_on_its_pages(client, course, other_faculty, method, name, args, allowed):
    client.force_login(other_faculty)
    assert fetch(client, method, name, args).status_code == (allowed if args is None else 403)


@pytest.mark.parametrize(("method", "name", "args", "allowed"), PAGES, ids=IDS)
def test_faculty_of_the_course_may_open_every_page(client, faculty, method, name, args, allowed):
    client.force_login(faculty)
    assert fetch(client, method, name, args).status_code == allowed


@pytest.mark.parametrize(("method", "name", "args", "allowed"), PAGES, ids=IDS)
def test_staff_are_faculty_of_every_course(client, course, method, name, args, allowed):
    staff = get_user_model().objects.create_user(username="root", password="a-long-staff-passphrase", is_staff=True)
    client.force_login(staff)
    assert fetch(client, method, name, args).status_code == allowed


def test_a_learner_changes_nothing_by_posting(logged_in, enrolled, course):
    logged_in.post(reverse("authoring:discard", args=["tiny"]))
    logged_in.post(reverse("authoring:add_kc", args=["tiny"]), {"kc_id": "dividing", "title": "Dividing"})
    logged_in.post(reverse("authoring:new_course"), {"slug": "mine", "title": "Mine"})
    assert not Course.objects.filter(slug="mine").exists()
    assert not course.versions.exists() and not hasattr(Course.objects.get(pk=course.pk), "draft")


def test_the_header_links_the_authoring_pages_for_faculty_only(client, logged_in, enrolled, faculty):
    assert "Authoring</a>" not in logged_in.get(reverse("course_list")).content.decode()
    client.force_login(faculty)
    page = client.get(reverse("course_list")).content.decode()
    assert f'href="{reverse("authoring:dashboard")}">Authoring</a>' in page


def test_faculty_see_only_their_courses_on_the_dashboard(client, faculty, other_faculty):
    client.force_login(faculty)
    page = client.get(reverse("authoring:dashboard")).content.decode()
    assert 'data-course="tiny"' in page and 'data-course="other"' not in page
