"""Faculty edit a draft, see its problems with file and line, preview items, and publish it,
while learners keep working on the published version."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.conftest import FIXTURES, LLM101N
from tests.webapp.conftest import answer, folder_files
from webapp.authoring import selectors, services
from webapp.authoring.models import CourseFaculty, Draft, PublishedVersion
from webapp.learning import selectors as learning
from webapp.learning.models import Course, Mastery, Response

TINY = folder_files(FIXTURES / "tiny")


@pytest.fixture
def as_faculty(faculty):
    """A browser session of its own: a test may have a learner's (`logged_in`) open beside it."""
    client = Client()
    client.force_login(faculty)
    return client


def edit_url(name, slug="tiny"):
    return reverse("authoring:edit_file", args=[slug, name])


def save(client, name, text, slug="tiny"):
    return client.post(edit_url(name, slug), {"text": text, "action": "save"})


def draft_text(name, slug="tiny"):
    return Draft.objects.get(course__slug=slug).files[name]


def publish(client, slug="tiny"):
    """Open the publish page, then publish what it showed."""
    page = client.get(reverse("authoring:publish", args=[slug])).content.decode()
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    return client.post(reverse("authoring:publish", args=[slug]), {"digest": digest})


def test_the_draft_starts_as_the_published_course_and_is_valid(as_faculty, course):
    page = as_faculty.get(reverse("authoring:draft", args=["tiny"])).content.decode()
    assert "The draft is valid and the same as the published course." in page
    files = Draft.objects.get(course=course).files
    assert sorted(files) == ["course.toml", "kcs/adding.md", "kcs/counting.md", "kcs/multiplying.md"]
    assert 'ramp = [\n  "counting",' in files["course.toml"]


def test_a_validation_error_shows_its_file_and_line_linked_to_the_edit_form(as_faculty, course):
    broken = TINY["kcs/adding.md"].replace('answer = "20"', 'answer = "21"')
    reply = save(as_faculty, "kcs/adding.md", broken)
    assert reply.status_code == 302
    problem = "kcs/adding.md:30: item &#x27;adding-choice&#x27;: its answer &#x27;21&#x27; is not among its choices"
    draft_page = as_faculty.get(reverse("authoring:draft", args=["tiny"])).content.decode()
    assert "The draft has 2 problems" in draft_page  # and multiplying's prerequisite, which no longer parses
    assert f'<a href="{edit_url("kcs/adding.md")}?line=30">{problem}' in draft_page
    edit_page = as_faculty.get(edit_url("kcs/adding.md")).content.decode()
    assert "1 problem in kcs/adding.md" in edit_page and problem in edit_page
    assert "1 more in other files" in edit_page
    publish_page = as_faculty.get(reverse("authoring:publish", args=["tiny"])).content.decode()
    assert problem in publish_page and "Publish version" not in publish_page


def test_checking_without_saving_validates_the_text_as_typed(as_faculty, course):
    broken = TINY["kcs/adding.md"].replace('title = "Adding"', 'title = "Adding')
    reply = as_faculty.post(edit_url("kcs/adding.md"), {"text": broken, "action": "check", "fragment": "1"})
    fragment = reply.content.decode()
    assert "kcs/adding.md:3: cannot parse TOML" in fragment and "Checked as typed: not saved yet." in fragment
    assert "<html" not in fragment  # the panel only, for the live check
    assert draft_text("kcs/adding.md") == TINY["kcs/adding.md"]


def test_saving_keeps_one_newline_convention_and_the_preview_renders_sanitized_markdown(as_faculty, course):
    text = TINY["kcs/adding.md"].replace("Adding two counts", "**Adding** <script>x()</script> two counts")
    save(as_faculty, "kcs/adding.md", text.replace("\n", "\r\n"))
    assert draft_text("kcs/adding.md") == text
    page = as_faculty.get(edit_url("kcs/adding.md")).content.decode()
    assert "No problems in kcs/adding.md." in page
    assert "<strong>Adding</strong> &lt;script&gt;" in page and "<script>x()" not in page
    assert 'data-item="adding-choice"' in page and "20 <strong>(the answer)</strong>" in page


def test_an_unknown_file_is_404(as_faculty, course):
    assert as_faculty.get(edit_url("kcs/nothing.md")).status_code == 404
    assert as_faculty.get(edit_url("../settings.py")).status_code == 404


def test_a_draft_may_not_change_the_course_id(as_faculty, course):
    save(as_faculty, "course.toml", TINY["course.toml"].replace('id = "tiny"', 'id = "huge"'))
    page = as_faculty.get(reverse("authoring:draft", args=["tiny"])).content.decode()
    assert "course.toml:1: the course id is &#x27;huge&#x27; but this draft is of course &#x27;tiny&#x27;" in page


def test_adding_a_kc_makes_its_file_appends_it_to_the_ramp_and_draws_it(as_faculty, course):
    reply = as_faculty.post(reverse("authoring:add_kc", args=["tiny"]), {"kc_id": "dividing", "title": "Dividing"})
    assert reply.status_code == 302 and reply.url.startswith(edit_url("kcs/dividing.md"))
    assert 'ramp = [\n  "counting",\n  "adding",\n  "multiplying",\n  "dividing",\n]' in draft_text("course.toml")
    assert 'title = "Dividing"' in draft_text("kcs/dividing.md")
    graph = as_faculty.get(reverse("authoring:graph", args=["tiny"])).content.decode()
    assert "<svg" in graph and 'data-kc="dividing"' in graph and "4. Dividing" in graph
    again = as_faculty.post(reverse("authoring:add_kc", args=["tiny"]), {"kc_id": "dividing", "title": "Again"})
    assert "already has kcs/dividing.md" in as_faculty.get(again.url).content.decode()
    as_faculty.post(reverse("authoring:add_kc", args=["tiny"]), {"kc_id": "../x", "title": "Bad"})
    assert sorted(Draft.objects.get().files) == [
        *("course.toml", "kcs/adding.md", "kcs/counting.md", "kcs/dividing.md", "kcs/multiplying.md")
    ]


def test_removing_a_kc_takes_it_out_of_the_ramp_and_publishing_archives_it(as_faculty, course):
    as_faculty.post(reverse("authoring:remove_kc", args=["tiny"]), {"name": "kcs/multiplying.md"})
    assert "kcs/multiplying.md" not in Draft.objects.get().files
    assert 'ramp = [\n  "counting",\n  "adding",\n]' in draft_text("course.toml")
    assert publish(as_faculty).status_code == 302
    assert course.kcs.get(slug="multiplying").archived and course.items.filter(archived=True).count() == 3


def test_the_graph_waits_for_a_valid_draft(as_faculty, course):
    save(as_faculty, "kcs/counting.md", TINY["kcs/counting.md"].replace("prerequisites = []", 'prerequisites = ["x"]'))
    page = as_faculty.get(reverse("authoring:graph", args=["tiny"])).content.decode()
    assert "<svg" not in page and "The graph is drawn once the draft has no problems" in page
    assert "kcs/counting.md:4" in page


def test_the_preview_checks_an_answer_and_records_nothing(as_faculty, faculty, course):
    url = reverse("authoring:preview_item", args=["tiny", "counting-apples"])
    wrong = as_faculty.post(url, {"item": "counting-apples", "answer": "4"}).content.decode()
    assert "Not quite. You answered 4; the answer is 3." in wrong and "You counted one apple twice." in wrong
    assert "Correct! You answered 3." in as_faculty.post(url, {"answer": "3"}).content.decode()
    assert "not one of this question" in as_faculty.post(url, {"answer": "7"}).content.decode()
    assert not Response.objects.exists() and not Mastery.objects.exists()
    assert as_faculty.get(reverse("authoring:preview_item", args=["tiny", "no-such-item"])).status_code == 404


def test_the_same_person_sees_the_same_item_markup_as_learner_and_in_preview(client, course, faculty, learner):
    """A faculty member enrolled as a learner: the learner page and the preview render one form."""
    from tests.webapp.test_item_kinds import serve
    from webapp.learning import placement
    from webapp.learning import services as learning_services

    placement.skip(enrollment=learning_services.enroll(learner=faculty, course=course))
    serve(course, faculty, "counting-apples")
    client.force_login(faculty)
    learner_page = client.get(reverse("learn", args=["tiny"])).content.decode()
    preview = client.get(reverse("authoring:preview_item", args=["tiny", "counting-apples"])).content.decode()

    def item_form(page):
        form = re.search(r'<form method="post" action="[^"]*" class="item".*?</details>', page, re.S).group(0)
        form = re.sub(r'name="(csrfmiddlewaretoken|idempotency_key)" value="[^"]*"', "", form)
        return re.sub(r'action="[^"]*"', "", form)

    assert item_form(learner_page) == item_form(preview)  # the same choices in the same order, the same hints
    assert 'action="/authoring/courses/tiny/items/counting-apples/" class="item"' in preview
    assert "Preview of the draft" in preview and "Course notes: Counting" in preview


def test_publishing_keeps_learners_answers_and_mastery_and_bumps_the_version(as_faculty, faculty, enrolled, learner):
    course = enrolled.course
    apples = course.items.get(slug="counting-apples")
    answer(learner, apples, "3")
    mastery = Mastery.objects.get(learner=learner, kc__slug="counting")
    counting = TINY["kcs/counting.md"]
    counting = counting.replace("How many apples", "How many red apples")
    counting = counting.replace('id = "counting-pairs"', 'id = "counting-socks"')
    save(as_faculty, "kcs/counting.md", counting)

    page = as_faculty.get(reverse("authoring:publish", args=["tiny"])).content.decode()
    assert "KCs changed" not in page  # items are compared on their own
    assert "Items added (1): counting-socks" in page and "Items archived (1): counting-pairs" in page
    assert "Items changed (1): counting-apples" in page and "Publish version 1" in page
    reply = publish(as_faculty)
    assert reply.status_code == 302
    assert "Published version 1." in as_faculty.get(reply.url).content.decode()

    version = PublishedVersion.objects.get()
    assert (version.number, version.published_by, version.course) == (1, faculty, course)
    assert "Items added (1): counting-socks" in version.changes
    assert course.items.get(slug="counting-pairs").archived and not course.items.get(slug="counting-socks").archived
    assert "red apples" in course.items.get(slug="counting-apples").spec["prompt"]
    assert Response.objects.filter(learner=learner, item=apples).count() == 1
    after = Mastery.objects.get(learner=learner, kc__slug="counting")
    assert (after.pk, after.belief, after.responses) == (mastery.pk, mastery.belief, 1)

    save(as_faculty, "kcs/adding.md", TINY["kcs/adding.md"].replace("2 + 3 = ?", "3 + 2 = ?"))
    publish(as_faculty)
    assert list(course.versions.values_list("number", flat=True)) == [2, 1]
    assert "version 2" in as_faculty.get(reverse("authoring:dashboard")).content.decode()


def test_a_learner_keeps_the_published_version_while_the_draft_changes(as_faculty, logged_in, enrolled, course):
    from tests.webapp.test_item_kinds import serve

    serve(course, enrolled.learner, "counting-apples")
    save(as_faculty, "kcs/counting.md", TINY["kcs/counting.md"].replace("How many apples", "How many pears"))
    save(as_faculty, "kcs/adding.md", "this file no longer parses")
    page = logged_in.get(reverse("learn", args=["tiny"])).content.decode()
    assert "How many apples" in page and "pears" not in page
    assert [kc.id for kc in learning.course_ramp(course).kcs] == ["counting", "adding", "multiplying"]
    save(as_faculty, "kcs/adding.md", TINY["kcs/adding.md"])
    publish(as_faculty)
    assert "How many pears" in logged_in.get(reverse("learn", args=["tiny"])).content.decode()


def test_publish_refuses_a_draft_with_problems_one_that_changed_since_review_or_one_with_no_change(as_faculty, course):
    url = reverse("authoring:publish", args=["tiny"])
    nothing = as_faculty.get(url).content.decode()
    assert "there is nothing to publish" in nothing
    save(as_faculty, "kcs/adding.md", TINY["kcs/adding.md"].replace("2 + 3", "3 + 2"))
    page = as_faculty.get(url).content.decode()
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    save(as_faculty, "kcs/adding.md", TINY["kcs/adding.md"].replace("2 + 3", "4 + 1"))
    stale = as_faculty.post(url, {"digest": digest})
    assert stale.status_code == 400 and "the draft changed since you reviewed it" in stale.content.decode()
    save(as_faculty, "kcs/adding.md", "broken")
    broken = as_faculty.post(url, {"digest": digest})
    assert broken.status_code == 400 and "fix them first" in broken.content.decode()
    assert not PublishedVersion.objects.exists() and "2 + 3" in course.items.get(slug="adding-small").spec["prompt"]


def test_discarding_the_draft_starts_again_from_the_published_course(as_faculty, course):
    save(as_faculty, "kcs/adding.md", "broken")
    as_faculty.post(reverse("authoring:discard", args=["tiny"]))
    assert "The draft is valid" in as_faculty.get(reverse("authoring:draft", args=["tiny"])).content.decode()


def test_a_new_course_is_hidden_from_learners_until_its_first_version_is_published(
    client, faculty, logged_in, enrolled
):
    client.force_login(faculty)
    reply = client.post(reverse("authoring:new_course"), {"slug": "stats101", "title": "Statistics"})
    assert reply.status_code == 302 and reply.url == reverse("authoring:draft", args=["stats101"])
    course = Course.objects.get(slug="stats101")
    assert CourseFaculty.objects.filter(user=faculty, course=course).exists()
    assert "The draft is valid" in client.get(reply.url).content.decode()
    assert "Statistics" not in logged_in.get(reverse("course_list")).content.decode()
    assert logged_in.post(reverse("enroll", args=["stats101"])).status_code == 404

    page = client.get(reverse("authoring:publish", args=["stats101"])).content.decode()
    assert "KCs added (1): first-steps" in page and "Course settings changed" not in page
    refused = publish(client, "stats101").content.decode()
    assert "Nothing was published: write the starter&#x27;s placeholder questions first" in refused
    assert "kcs/first-steps.md:" in refused and not PublishedVersion.objects.filter(course=course).exists()
    starter = draft_text("kcs/first-steps.md", "stats101")
    written = re.sub(r"Placeholder question (\d): replace it\.", r"Question \1: which is right?", starter)
    save(client, "kcs/first-steps.md", written, "stats101")
    publish(client, "stats101")
    assert "Enroll in Statistics" in logged_in.get(reverse("course_list")).content.decode()
    taken = client.post(reverse("authoring:new_course"), {"slug": "stats101", "title": "Again"})
    assert taken.status_code == 400 and "already a course with id" in taken.content.decode()


def test_the_dashboard_says_how_each_draft_stands(as_faculty, course):
    assert "no draft yet" in as_faculty.get(reverse("authoring:dashboard")).content.decode()
    as_faculty.get(reverse("authoring:draft", args=["tiny"]))  # opening the course starts its draft
    assert "valid, the same as published" in as_faculty.get(reverse("authoring:dashboard")).content.decode()
    save(as_faculty, "kcs/adding.md", "broken")
    page = as_faculty.get(reverse("authoring:dashboard")).content.decode()
    assert re.search(r"[1-9]\d* problems?", page) and "imported from files" in page


def test_a_draft_exported_from_the_published_course_has_nothing_to_publish(course):
    state = selectors.draft_state(course, services.draft_for(course))
    assert state.validation.valid and not state.changes and state.changes.summary() == []
    assert not state.publishable


def test_seed_demo_makes_the_demo_faculty_faculty_of_llm101n(db):
    from webapp.learning import services as learning_services

    learning_services.import_course(path=LLM101N)
    call_command("seed_demo")
    assert CourseFaculty.objects.filter(user__username="faculty", course__slug="llm101n").exists()
