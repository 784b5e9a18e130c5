"""The course dashboard: charts, tables and CSVs read from the rollups, for faculty of the course only."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.webapp.conftest import answer
from webapp.analytics import charts, rollups, selectors
from webapp.analytics.models import DailyKCRollup, LearningEvent, RollupWatermark
from webapp.authoring.models import CourseFaculty
from webapp.learning.models import Course

DAY1 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
# Hand-checked from the log below: no answer carries a measured time, so a session's first
# answer adds no seconds and each later one adds its gap.
COUNTING = {"answers": "6", "correct_rate": "83%", "eurekas": "1", "active_minutes": "5.0", "eurekas_per_hour": "12.0"}
ADDING = {"answers": "4", "correct_rate": "100%", "eurekas": "1", "active_minutes": "6.0", "eurekas_per_hour": "10.0"}


def answers_at(learner, item, given: list[str], start: datetime, gap: int = 60) -> None:
    """`learner` answers `item` once per entry of `given`, `gap` seconds apart from `start` (one session)."""
    for step, text in enumerate(given):
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(seconds=gap * step)):
            answer(learner, item, text)


@pytest.fixture
def log(course, enrolled, learner):
    """Day 1: six answers on counting (one wrong), a minute apart (5 minutes active); day 2: four
    right ones on adding, two minutes apart (6 minutes). Each KC is mastered once along the way."""
    answers_at(learner, course.items.get(slug="counting-letters"), ["4", "7", "4", "4", "4", "4"], DAY1)
    answers_at(learner, course.items.get(slug="adding-small"), ["5", "5", "5", "5"], DAY2, gap=120)
    rollups.refresh(course)
    return course


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="root", password="a-long-staff-passphrase", is_staff=True)


def page(client, course) -> str:
    response = client.get(reverse("analytics:course_dashboard", args=[course.slug]))
    assert response.status_code == 200
    return response.content.decode()


def chart(html: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}">(<svg.*?</svg>)', html, re.S).group(1)


def polyline_points(svg: str) -> list[str]:
    return re.search(r'<polyline[^>]*points="([^"]*)"', svg).group(1).split()


def kc_table(html: str) -> dict[str, dict[str, str]]:
    """The KC table as {kc slug: {field: the cell's text up to any bar}}."""
    table = {}
    for slug, cells in re.findall(r'<tr data-kc="([^"]+)">(.*?)</tr>', html, re.S):
        fields = re.findall(r'data-field="([^"]+)">\s*([^<\s]*)', cells)
        table[slug] = dict(fields)
    return table


def download(client, course, table: str) -> list[list[str]]:
    response = client.get(reverse("analytics:course_csv", args=[course.slug, table]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="{course.slug}-{table}.csv"'
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_page_draws_eurekas_per_hour_with_a_point_per_day_and_the_calibration(client, faculty, log):
    client.force_login(faculty)
    html = page(client, log)
    eurekas = chart(html, "eurekas-chart")
    assert 'role="img"' in eurekas and "<title>Eurekas per hour, by day</title>" in eurekas
    assert len(polyline_points(eurekas)) == 2  # two days with active time
    assert "<title>2026-01-05: 12</title>" in eurekas and "<title>2026-01-06: 10</title>" in eurekas
    calibration = chart(html, "calibration-chart")
    bins = selectors.calibration_rows(log)
    assert len(bins) >= 2 and sum(row.answers for row in bins) == 10  # every answer was served by the tutor
    assert len(polyline_points(calibration)) == len(bins)
    assert 'class="diagonal"' in calibration
    share = selectors.band_share(selectors.kc_rows(log))
    assert f"{round(share * 100)}% of the tutor's answers" in html


def test_the_kc_table_shows_the_rollups_in_ramp_order(client, faculty, log):
    client.force_login(faculty)
    table = kc_table(page(client, log))
    assert list(table) == ["counting", "adding", "multiplying"]
    assert {field: table["counting"][field] for field in COUNTING} == COUNTING
    assert {field: table["adding"][field] for field in ADDING} == ADDING
    assert table["multiplying"]["answers"] == "0" and table["multiplying"]["eurekas_per_hour"] == "–"
    # The eurekas are the log's: one `mastered` event per KC.
    mastered = LearningEvent.objects.filter(verb=LearningEvent.Verb.MASTERED)
    assert sorted(mastered.values_list("kc__slug", flat=True)) == ["adding", "counting"]
    for slug in ("counting", "adding"):
        rows = DailyKCRollup.objects.filter(kc__slug=slug)
        in_band, served = sum(r.in_band for r in rows), sum(r.served for r in rows)
        assert table[slug]["band_share"] == f"{round(in_band / served * 100)}%"


def test_the_page_reads_the_rollups_not_the_log(client, faculty, log):
    LearningEvent.objects.all().delete()
    client.force_login(faculty)
    table = kc_table(page(client, log))
    assert table["counting"]["eurekas_per_hour"] == "12.0" and table["adding"]["answers"] == "4"


def test_each_csv_has_a_header_and_the_numbers_of_the_page(client, faculty, log):
    client.force_login(faculty)
    kcs = download(client, log, "kcs")
    assert kcs[0][:3] == ["position", "kc", "title"]
    rows = {row[1]: dict(zip(kcs[0], row)) for row in kcs[1:]}
    assert list(rows) == ["counting", "adding", "multiplying"]
    assert [rows["counting"][f] for f in ("answers", "correct", "eurekas", "active_minutes", "eurekas_per_hour")] == [
        "6",
        "5",
        "1",
        "5.0",
        "12.0",
    ]
    assert rows["counting"]["correct_rate"] == "0.833" and rows["multiplying"]["eurekas_per_hour"] == ""

    days = download(client, log, "days")
    assert days == [
        ["day", "eurekas", "active_minutes", "eurekas_per_hour"],
        ["2026-01-05", "1", "5.0", "12.0"],
        ["2026-01-06", "1", "6.0", "10.0"],
    ]

    calibration = download(client, log, "calibration")
    assert calibration[0] == ["bin", "predicted_from", "predicted_to", "answers", "mean_predicted", "observed"]
    expected = [
        [str(v) for v in (r.bin, r.low, r.high, r.answers, r.mean_predicted, r.observed)]
        for r in selectors.calibration_rows(log)
    ]
    assert calibration[1:] == expected and sum(int(row[3]) for row in calibration[1:]) == 10


def test_an_unknown_table_is_not_found(client, faculty, log):
    client.force_login(faculty)
    assert client.get(reverse("analytics:course_csv", args=[log.slug, "learners"])).status_code == 404


def test_only_faculty_of_the_course_and_staff_see_the_dashboard(client, course, learner, faculty, staff):
    urls = [
        reverse("analytics:course_dashboard", args=[course.slug]),
        reverse("analytics:course_csv", args=[course.slug, "kcs"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    other = get_user_model().objects.create_user(username="alan", password="another-faculty-passphrase")
    CourseFaculty.objects.create(user=other, course=Course.objects.create(slug="other", title="Other", digest="-"))
    for user, status in ((learner, 403), (other, 403), (faculty, 200), (staff, 200)):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [status, status], user


def test_the_authoring_pages_link_to_the_dashboard(client, course, faculty):
    client.force_login(faculty)
    link = reverse("analytics:course_dashboard", args=[course.slug])
    assert link in client.get(reverse("authoring:dashboard")).content.decode()
    assert link in client.get(reverse("authoring:graph", args=[course.slug])).content.decode()


def test_refresh_now_adds_new_answers_for_faculty(client, faculty, learner, log):
    answers_at(learner, log.items.get(slug="adding-small"), ["5"], DAY2 + timedelta(minutes=7))
    before = RollupWatermark.objects.get(course=log).last_event_id
    client.force_login(faculty)
    url = reverse("analytics:refresh", args=[log.slug])
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("analytics:course_dashboard", args=[log.slug]), 302)]
    assert "Rollups refreshed: 1 new event read." in response.content.decode()
    assert RollupWatermark.objects.get(course=log).last_event_id > before
    table = kc_table(response.content.decode())
    assert table["adding"]["answers"] == "5" and table["adding"]["active_minutes"] == "7.0"  # one more minute


def test_refresh_is_refused_to_learners_to_gets_and_without_a_csrf_token(faculty, learner, log):
    answers_at(learner, log.items.get(slug="adding-small"), ["5"], DAY2 + timedelta(minutes=7))
    url = reverse("analytics:refresh", args=[log.slug])
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post(url).status_code == 403
    client.force_login(faculty)
    assert client.post(url).status_code == 403  # no CSRF token
    assert client.get(url).status_code == 405
    assert DailyKCRollup.objects.get(kc__slug="adding").answers == 4  # nothing refreshed


def test_nice_ticks_are_round_and_reach_the_top():
    assert charts.nice_ticks(12) == [0, 5, 10, 15]
    assert charts.nice_ticks(0.8) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8])
    assert charts.nice_ticks(0) == [0.0, 1.0]


def test_a_chart_escapes_its_labels_and_says_when_it_has_no_data():
    svg = charts.line_chart([("<day>", 3.0)], title="A & B", x_label="x", y_label="y")
    assert "<title>A &amp; B</title>" in svg and 'aria-label="A &amp; B"' in svg and "&lt;day&gt;" in svg
    assert "No data yet" in charts.calibration_chart([], title="Calibration")


# Items, times to eureka and bounces: three learners answer the three counting items once each
# in one session, on 2026-02-02 from 09:00 (seconds after it below). "served" sets the item the
# tutor served and when; an answer to the item served carries its seconds (at most 300).
#   ada: served apples 0, hint 10, apples right 40 (40 s); served letters 40, right 100 (60 s);
#        pairs right 130, never served (no seconds).
#   bo:  served apples 0, wrong 30 (30 s); served letters 30, wrong 50 (20 s); served pairs 50, wrong 150 (100 s).
#   cy:  served apples 0, right 20 (20 s); served letters 20, right 80 (60 s); served pairs 80, wrong 480 (300 s).
# Every wrong answer is followed by an explanation. Per item (placement skipped: all the tutor's):
#   apples: 3 answers, 2 right (67%); seconds 40, 30, 20: mean 30.0; hinted 1 (33%); explained 1 (33%).
#   letters: 3, 2 right (67%); 60, 20, 60: mean 46.7; hinted 0; explained 1 (33%).
#   pairs: 3, 1 right (33%); timed 2, 100 and 300: mean 200.0; hinted 0; explained 2 (67%).
# Discrimination (tests/analytics/test_items.py works the same pattern out): right on (apples,
# letters, pairs) is ada (1, 1, 1), bo (0, 0, 0), cy (1, 1, 0), so apples and letters have pairs
# (1, 1), (0, 0), (1, 1/2): r = sqrt(3)/2 = 0.87; pairs has (1, 1), (0, 0), (0, 1): r = 0.5.
# The model's predictions, P(mastered) before and after (read off the answers once):
#   ada 0.387, 0.254, 0.795 (pairs lifts counting from 0.85 to 0.962: her eureka at 130);
#   bo 0.387, 0.072, 0.202 (all below the band 0.7 to 0.85, then the session ends: a bounce, "too hard");
#   cy 0.387, 0.254, 0.795 (the last in the band: no bounce; pairs wrong: no eureka).
# Ada's time to eureka: credits from her first answer (40) to the eureka (130): 30 + 60 + 30 = 120 s, 2.0 minutes.
START = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
RIGHT = {"counting-apples": "3", "counting-letters": "4", "counting-pairs": "3"}
WRONG = {"counting-apples": "2", "counting-letters": "7", "counting-pairs": "9"}
ITEMS = {
    "counting-apples": {"answers": "3", "success": "67%", "mean_seconds": "30.0", "hint_share": "33%"},
    "counting-letters": {"answers": "3", "success": "67%", "mean_seconds": "46.7", "hint_share": "0%"},
    "counting-pairs": {"answers": "3", "success": "33%", "mean_seconds": "200.0", "hint_share": "0%"},
}
EXPLAINED = {"counting-apples": "33%", "counting-letters": "33%", "counting-pairs": "67%"}
DISCRIMINATION = {"counting-apples": "0.87", "counting-letters": "0.87", "counting-pairs": "0.50"}


@pytest.fixture
def item_log(course, enrolled, learner):
    from webapp.learning import explanations, placement, services
    from webapp.learning.models import Enrollment

    def at(seconds):
        return mock.patch("django.utils.timezone.now", return_value=START + timedelta(seconds=seconds))

    def served(who, slug, seconds):
        item = course.items.get(slug=slug)
        Enrollment.objects.filter(learner=who, course=course).update(
            current_item=item, served_at=START + timedelta(seconds=seconds)
        )

    def answered(who, slug, right, seconds):
        with at(seconds):
            answer(who, course.items.get(slug=slug), (RIGHT if right else WRONG)[slug])

    bo, cy = (get_user_model().objects.create_user(username=name, password="a-long-passphrase") for name in "bc")
    for who in (bo, cy):
        placement.skip(enrollment=services.enroll(learner=who, course=course))
    served(learner, "counting-apples", 0)
    with at(10):
        explanations.ask_hint(learner=learner, item=course.items.get(slug="counting-apples"))
    answered(learner, "counting-apples", True, 40)
    served(learner, "counting-letters", 40)
    answered(learner, "counting-letters", True, 100)
    answered(learner, "counting-pairs", True, 130)
    for who, rights, times in (
        (bo, (False, False, False), (0, 30, 50, 150)),
        (cy, (True, True, False), (0, 20, 80, 480)),
    ):
        for slug, right, shown, given in zip(RIGHT, rights, times, times[1:]):
            served(who, slug, shown)
            answered(who, slug, right, given)
    rollups.refresh(course)
    return course


def item_table(html: str) -> dict[str, dict[str, str]]:
    """The item table as {item slug: {field: the cell's text}}, in the page's order."""
    return {
        slug: dict(re.findall(r'data-field="([^"]+)">\s*([^<\s]*)', cells))
        for slug, cells in re.findall(r'<tr data-item="([^"]+)">(.*?)</tr>', html, re.S)
    }


def test_the_item_table_shows_success_time_help_and_discrimination_under_each_kc(client, faculty, item_log):
    client.force_login(faculty)
    html = page(client, item_log)
    table = item_table(html)
    assert list(table)[:3] == ["counting-apples", "counting-letters", "counting-pairs"]  # the KC's order
    assert re.findall(r'<tbody data-group="([^"]+)">', html) == ["counting", "adding", "multiplying"]
    for slug, expected in ITEMS.items():
        assert {field: table[slug][field] for field in expected} == expected, slug
        assert table[slug]["explanation_share"] == EXPLAINED[slug]
        assert table[slug]["discrimination"] == DISCRIMINATION[slug]
        assert table[slug]["discrimination_learners"] == "3" and table[slug]["placement_answers"] == "0"
    assert table["adding-small"]["answers"] == "0" and table["adding-small"]["success"] == "–"

    kcs = kc_table(html)
    assert kcs["counting"]["median_minutes_to_eureka"] == "2.0" and kcs["counting"]["bounces"] == "1"
    assert kcs["adding"]["median_minutes_to_eureka"] == "–" and kcs["adding"]["bounces"] == "0"


def test_the_item_plot_has_a_dot_per_item_named_by_its_slug(client, faculty, item_log):
    client.force_login(faculty)
    svg = chart(page(client, item_log), "item-chart")
    assert "<title>Items: success against discrimination</title>" in svg
    titles = re.findall(r'<circle class="item"[^>]*><title>([^<]*)</title>', svg)
    assert titles == [
        "counting-apples: discrimination 0.87, success 0.67, 3 answers",
        "counting-letters: discrimination 0.87, success 0.67, 3 answers",
        "counting-pairs: discrimination 0.50, success 0.33, 3 answers",
    ]


def test_items_csv_and_the_new_kc_columns(client, faculty, item_log):
    client.force_login(faculty)
    items = download(client, item_log, "items")
    assert items[0][:4] == ["kc_position", "kc", "item_position", "item"]
    rows = {row[3]: dict(zip(items[0], row)) for row in items[1:]}
    assert list(rows)[:3] == list(RIGHT)
    fields = ("answers", "correct", "success", "discrimination", "timed_answers", "mean_seconds", "hint_share")
    assert [rows["counting-pairs"][f] for f in fields] == ["3", "1", "0.333", "0.5", "2", "200.0", "0.0"]
    assert [rows["counting-apples"][f] for f in fields] == ["3", "2", "0.667", "0.866", "3", "30.0", "0.333"]
    assert rows["counting-apples"]["explanation_share"] == "0.333" and rows["adding-small"]["success"] == ""

    kcs = download(client, item_log, "kcs")
    counting = dict(zip(kcs[0], kcs[1]))
    assert (counting["kc"], counting["median_minutes_to_eureka"], counting["bounces"]) == ("counting", "2.0", "1")


def test_the_median_time_to_eureka_is_the_middle_of_the_learners(course, learner, item_log):
    from webapp.analytics.models import EurekaTime

    counting = course.kcs.get(slug="counting")
    assert selectors.median_seconds_to_eureka(course) == {counting.id: 120.0}  # ada's alone
    for index, seconds in enumerate([60.0, 600.0, 300.0]):  # with 120: 60, 120, 300, 600 -> (120 + 300) / 2
        who = get_user_model().objects.create_user(username=f"m{index}", password="a-long-passphrase")
        EurekaTime.objects.create(course=course, learner=who, kc=counting, day=START.date(), seconds=seconds)
        if index == 1:
            assert selectors.median_seconds_to_eureka(course) == {counting.id: 120.0}  # 60, 120, 600
    assert selectors.median_seconds_to_eureka(course) == {counting.id: 210.0}
