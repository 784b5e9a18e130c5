"""Issue 7's browser scenario: faculty open their course's dashboard from Authoring, see the
plots drawn, and download a table as CSV whose figures match the page."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.browser.test_authoring import log_in
from tests.conftest import FIXTURES
from webapp.analytics import rollups
from webapp.authoring.models import CourseFaculty
from webapp.learning import placement, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def course_with_a_log(transactional_db):
    """The tiny course, its faculty, and two learners' answers over two days, rolled up."""
    course = services.import_course(path=FIXTURES / "tiny").course
    users = get_user_model().objects
    grace = users.create_user(username="grace", password="a-long-faculty-passphrase")
    CourseFaculty.objects.create(user=grace, course=course)
    counting = course.items.get(slug="counting-letters")
    for day, name in enumerate(["ada", "alan"]):
        learner = users.create_user(username=name, password="a-long-learner-passphrase")
        placement.skip(enrollment=services.enroll(learner=learner, course=course))
        for step, given in enumerate(["7", "4", "4", "4", "4", "4"]):
            at = START + timedelta(days=day, seconds=90 * step)
            with mock.patch("django.utils.timezone.now", return_value=at):
                services.record_answer(learner=learner, item=counting, answer=given, idempotency_key=uuid.uuid4())
    rollups.refresh(course)
    return course


def test_faculty_open_the_dashboard_see_the_plots_and_download_a_csv(page: Page, live_server, course_with_a_log):
    log_in(page, live_server.url, "grace", "a-long-faculty-passphrase")
    page.get_by_role("link", name="Authoring").click()
    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("heading", name="Tiny arithmetic: how learning goes")).to_be_visible()

    # The plots are drawn: an SVG per chart, laid out with a real size, holding its marks.
    for testid, mark in [("eurekas-chart", "polyline"), ("calibration-chart", "circle")]:
        chart = page.get_by_test_id(testid).locator("svg")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, (testid, box)
        assert chart.locator(mark).count() >= 1, testid
    # Two days, each with one learner's eureka on counting: two points on the line.
    points = page.get_by_test_id("eurekas-chart").locator("polyline").get_attribute("points").split()
    assert len(points) == 2

    shown = page.locator('tr[data-kc="counting"] td[data-field="answers"]').inner_text().strip()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the KCs as CSV").click()
    download = download_info.value
    assert download.suggested_filename == "tiny-kcs.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    counting = next(row for row in rows if row["kc"] == "counting")
    assert counting["answers"] == shown == "12"
    assert counting["eurekas"] == "2"
