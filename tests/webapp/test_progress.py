"""The learner's progress page: their mastery map, eurekas, active time and what is next; theirs only."""

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.webapp.conftest import answer
from webapp.analytics import progress
from webapp.analytics.models import LearningEvent
from webapp.learning import placement, services

DAY1 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
DAY3 = DAY1 + timedelta(days=2)


def answers_at(learner, item, given: list[str], start: datetime, gap: int = 60) -> None:
    """`learner` answers `item` once per entry of `given`, `gap` seconds apart from `start` (one session)."""
    for step, text in enumerate(given):
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(seconds=gap * step)):
            answer(learner, item, text)


@pytest.fixture
def ada_log(course, enrolled, learner):
    """Ada, as in the dashboard's tests: day 1, six answers on counting (one wrong) a minute apart
    (5 minutes active); day 2, four right ones on adding two minutes apart (6 minutes). No answer
    carries a measured time, so each session's first adds nothing: 11 minutes, 2 eurekas."""
    answers_at(learner, course.items.get(slug="counting-letters"), ["4", "7", "4", "4", "4", "4"], DAY1)
    answers_at(learner, course.items.get(slug="adding-small"), ["5", "5", "5", "5"], DAY2, gap=120)
    return course


@pytest.fixture
def bob(course):
    """Another learner: on day 3, five right answers on counting, three minutes apart (12 minutes, 1 eureka)."""
    user = get_user_model().objects.create_user(username="bob", password="another-long-passphrase")
    placement.skip(enrollment=services.enroll(learner=user, course=course))
    answers_at(user, course.items.get(slug="counting-letters"), ["4"] * 5, DAY3, gap=180)
    return user


def page(client, course) -> str:
    response = client.get(reverse("progress", args=[course.slug]))
    assert response.status_code == 200
    return response.content.decode()


def field(html: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}">([^<]*)<', html).group(1)


def eureka_rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-eureka="([^"]+)">.*?<time datetime="([^"]+)"', html, re.S)


def box(html: str, kc: str) -> str:
    """The map's <g> of one KC (content.graph_svg draws each on a line of its own)."""
    return re.search(rf'<g class="kc" data-kc="{kc}">[^\n]*', html).group(0)


def test_the_page_shows_the_learners_eurekas_time_and_rate(client, learner, ada_log):
    client.force_login(learner)
    html = page(client, ada_log)
    assert field(html, "eureka-count") == "2"
    assert field(html, "active-minutes") == "11.0 minutes"
    assert field(html, "eurekas-per-hour") == "10.9"  # 2 eurekas in 11 minutes: 2 * 60 / 11
    # The eurekas are those the log recorded as `mastered`, at the answers that crossed the threshold.
    mastered = LearningEvent.objects.filter(learner=learner, verb=LearningEvent.Verb.MASTERED).order_by("timestamp")
    expected = [(event.kc.slug, event.timestamp.isoformat()) for event in mastered]
    assert [slug for slug, _ in expected] == ["counting", "adding"]
    assert eureka_rows(html) == expected
    assert expected[0][1].startswith("2026-01-05") and expected[1][1].startswith("2026-01-06")


def test_the_map_colours_each_kc_by_mastery_and_outlines_what_is_next(client, learner, ada_log):
    client.force_login(learner)
    html = page(client, ada_log)
    svg = re.search(r'data-testid="mastery-map">(<svg.*?</svg>)', html, re.S).group(1)
    for kc in ("counting", "adding"):
        node = box(svg, kc)
        assert f'fill="{progress.MASTERED_FILL}"' in node and ", mastered</title>" in node
    nxt = box(svg, "multiplying")  # never answered: its prior, 10%, under 20%
    assert f'fill="{progress.SHADES[0][1]}"' in nxt and f'stroke="{progress.NEXT_STROKE}"' in nxt
    assert "Your P(mastered): 10%, next to learn</title>" in nxt and ">10%</text>" in nxt
    assert "coloured by your P(mastered)" in svg  # the <desc> says what the colours mean
    # The legend names every colour, and the table says the same as the map without colour.
    legend = re.search(r'data-testid="legend">(.*?)</ul>', html, re.S).group(1)
    assert [fill for fill, _ in progress.legend()] == re.findall(r'fill="(#[0-9a-f]+)"', legend)
    rows = re.findall(r'<tr data-kc="([^"]+)">.*?data-field="percent">(\d+)%.*?data-field="state">([^<]+)<', html, re.S)
    assert [(kc, state) for kc, _, state in rows] == [
        ("counting", "mastered"),
        ("adding", "mastered"),
        ("multiplying", "next to learn"),
    ]
    assert rows[2][1] == "10" and int(rows[0][1]) >= 95
    assert re.search(r'data-next="multiplying">Multiplying<', html)
    assert f'href="{reverse("learn", args=[ada_log.slug])}">Continue learning<' in html


def test_another_learners_data_never_appears(client, learner, ada_log, bob):
    client.force_login(learner)
    html = page(client, ada_log)
    assert field(html, "eureka-count") == "2" and field(html, "active-minutes") == "11.0 minutes"
    assert "2026-01-07" not in html  # bob's day
    client.force_login(bob)
    html = page(client, ada_log)
    assert field(html, "eureka-count") == "1"
    assert field(html, "active-minutes") == "12.0 minutes"  # four gaps of 3 minutes
    assert [slug for slug, _ in eureka_rows(html)] == ["counting"]
    assert "2026-01-05" not in html and "2026-01-06" not in html
    assert 'data-next="adding"' in html


def test_not_enrolled_is_sent_to_the_course_list_and_anonymous_to_log_in(client, course, learner):
    url = reverse("progress", args=[course.slug])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("course_list")
    assert client.get(reverse("progress", args=["no-such-course"])).status_code == 404


def test_a_learner_being_placed_is_told_to_finish_placement(client, course, learner):
    services.enroll(learner=learner, course=course)
    client.force_login(learner)
    html = page(client, course)
    assert 'data-testid="placing"' in html and "Continue placement" in html
    assert field(html, "eureka-count") == "0" and field(html, "eurekas-per-hour") == "–"


def test_the_course_list_and_the_learning_page_link_to_it(client, learner, enrolled, course):
    client.force_login(learner)
    url = reverse("progress", args=[course.slug])
    assert f'href="{url}"' in client.get(reverse("course_list")).content.decode()
    assert f'href="{url}"' in client.get(reverse("learn", args=[course.slug])).content.decode()


def test_the_page_reads_in_as_many_queries_however_long_the_log(client, learner, ada_log):
    client.force_login(learner)
    page(client, ada_log)  # the process builds the course's ramp once (webapp.learning.selectors.course_ramp)
    with CaptureQueriesContext(connection) as short:
        page(client, ada_log)
    answers_at(learner, ada_log.items.get(slug="adding-half"), ["0.5", "1"] * 15, DAY3)
    with CaptureQueriesContext(connection) as long:
        html = page(client, ada_log)
    assert LearningEvent.objects.filter(learner=learner).count() > 40
    assert len(long) == len(short) <= 15
    assert field(html, "active-minutes") == f"{11 + 29:.1f} minutes"  # 29 more one-minute gaps
