"""The learner-model page: parameters now and proposed, metrics side by side, warnings, a plot, Apply, CSV."""

import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.webapp.test_refit import AUTHORED, QUICK, parameters, store_simulated_responses
from webapp.authoring.models import CourseFaculty
from webapp.learning import refit
from webapp.learning.models import Course, LearnerModelFit


@pytest.fixture
def proposal(course):
    store_simulated_responses(course, learners=150)
    return refit.propose_refit(course=course, options=QUICK)


@pytest.fixture
def degenerate_proposal(course):
    """Learners who answer right three times in four without mastery: the fit's guess is above 0.5."""
    store_simulated_responses(course, learners=150, truth=dict(prior=0.2, learn=0.1, guess=0.75, slip=0.1))
    return refit.propose_refit(course=course, options=QUICK)


def page_url(course):
    return reverse("analytics:learner_model", args=[course.slug])


def apply_url(fit):
    return reverse("analytics:apply_refit", args=[fit.course.slug, fit.pk])


def kc_cells(html: str, slug: str) -> dict[str, dict[str, str]]:
    """The parameter table's rows of one KC as {parameter: {field: the cell's text}}."""
    body = re.search(rf'<tbody data-kc="{slug}">(.*?)</tbody>', html, re.S).group(1)
    return {
        name: {field: _text(cell) for field, cell in re.findall(r'data-field="([^"]+)">(.*?)</td>', cells, re.S)}
        for name, cells in re.findall(r'<tr data-parameter="([^"]+)">(.*?)</tr>', body, re.S)
    }


def _text(cell: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()


def test_the_page_shows_the_proposal_next_to_the_current_parameters(client, faculty, course, proposal):
    client.force_login(faculty)
    html = client.get(page_url(course)).content.decode()
    cells = kc_cells(html, "counting")
    fitted = proposal.parameters["counting"]["proposed"]
    for name in ("prior", "learn", "guess", "slip"):
        assert cells[name]["current"] == f"{AUTHORED[name]:.3f}"  # authored: no interval known
        low, high = (proposal.intervals["counting"][name][end] for end in ("low", "high"))
        assert cells[name]["proposed"] == f"{fitted[name]:.3f} [{low:.2f}, {high:.2f}]"
        change = fitted[name] - AUTHORED[name]
        assert cells[name]["change"] == f"{change:+.3f}"
    assert kc_cells(html, "adding")["prior"]["proposed"] == "–"  # no responses: nothing proposed
    # KCs in ramp order, the metrics of both parameter sets, the plot, the button.
    assert [m for m in re.findall(r'<tbody data-kc="([^"]+)"', html)] == ["counting", "adding", "multiplying"]
    metrics = dict(re.findall(r'<tr data-metric="([^"]+)"><td>[^<]*</td>\s*<td>([^<]*)</td>', html))
    assert metrics["AUC"] == f"{proposal.metrics['current']['auc']:.4f}"
    assert 'data-testid="status">Not applied' in html and 'data-testid="apply"' in html
    assert re.search(r'data-testid="guess-slip-chart"><svg.*?</svg>', html, re.S)
    assert 'data-testid="warnings"' not in html


def test_degenerate_parameters_are_warned_about_and_marked_in_the_plot(client, faculty, course, degenerate_proposal):
    assert degenerate_proposal.parameters["counting"]["proposed"]["guess"] > 0.5
    client.force_login(faculty)
    html = client.get(page_url(course)).content.decode()
    warnings = re.search(r'data-testid="warnings">(.*?)</ul>', html, re.S).group(1)
    assert "Proposed: guess" in warnings and "&gt; 0.5" in warnings
    chart = re.search(r'data-testid="guess-slip-chart">(<svg.*?</svg>)', html, re.S).group(1)
    assert 'class="degenerate"' in chart and "(degenerate)" in chart


def test_apply_over_http_writes_and_the_page_then_shows_intervals_for_the_current(client, faculty, course, proposal):
    client.force_login(faculty)
    response = client.post(apply_url(proposal), follow=True)
    assert "are now the KCs" in response.content.decode()
    assert parameters(course) == proposal.parameters["counting"]["proposed"]
    proposal.refresh_from_db()
    assert proposal.applied_by == faculty
    html = client.get(page_url(course)).content.decode()
    assert "Applied" in html and "by grace" in html and 'data-testid="apply"' not in html
    interval = proposal.intervals["counting"]["guess"]
    assert kc_cells(html, "counting")["guess"]["current"].endswith(f"[{interval['low']:.2f}, {interval['high']:.2f}]")


def test_a_refused_apply_says_why_and_changes_nothing(client, faculty, course, proposal):
    client.force_login(faculty)
    course.kcs.filter(slug="counting").update(guess=0.3)  # as a re-import would
    html = client.get(page_url(course)).content.decode()
    assert "Stale" in html and 'data-testid="apply"' not in html
    response = client.post(apply_url(proposal), follow=True)
    assert "This proposal is stale: the parameters of counting changed" in response.content.decode()
    assert parameters(course) == {**AUTHORED, "guess": 0.3}
    assert LearnerModelFit.objects.get().applied_at is None


def test_apply_needs_the_csrf_token_and_a_post(faculty, course, proposal):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(faculty)
    assert browser.post(apply_url(proposal)).status_code == 403
    assert browser.get(apply_url(proposal)).status_code == 405
    assert parameters(course) == AUTHORED
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(page_url(course)).content.decode())
    assert browser.post(apply_url(proposal), {"csrfmiddlewaretoken": token.group(1)}).status_code == 302
    assert parameters(course) != AUTHORED


def test_a_proposal_of_another_course_is_not_found_here(client, faculty, course, proposal):
    other = Course.objects.create(slug="other", title="Other", digest="x")
    CourseFaculty.objects.create(user=faculty, course=other)
    client.force_login(faculty)
    assert client.post(reverse("analytics:apply_refit", args=["other", proposal.pk])).status_code == 404
    assert parameters(course) == AUTHORED


@pytest.mark.parametrize("who, status", [("anonymous", 302), ("learner", 403), ("other faculty", 403)])
def test_only_faculty_of_the_course_and_staff_see_or_apply(client, course, learner, proposal, who, status):
    if who == "learner":
        client.force_login(learner)
    elif who == "other faculty":
        user = get_user_model().objects.create_user(username="alan", password="another-long-passphrase")
        CourseFaculty.objects.create(user=user, course=Course.objects.create(slug="other", title="Other", digest="x"))
        client.force_login(user)
    csv_url = reverse("analytics:learner_model_csv", args=[course.slug])
    for response in (client.get(page_url(course)), client.get(csv_url), client.post(apply_url(proposal))):
        assert response.status_code == status
        if status == 302:
            assert response["Location"].startswith(reverse("login"))
    assert parameters(course) == AUTHORED


def test_staff_see_the_page_and_apply(client, course, proposal):
    staff = get_user_model().objects.create_user(username="root", password="a-long-staff-passphrase", is_staff=True)
    client.force_login(staff)
    assert client.get(page_url(course)).status_code == 200
    assert client.post(apply_url(proposal)).status_code == 302
    assert LearnerModelFit.objects.get().applied_by == staff


def test_the_parameter_table_downloads_as_csv(client, faculty, course, proposal):
    client.force_login(faculty)
    response = client.get(reverse("analytics:learner_model_csv", args=[course.slug]))
    assert response["Content-Disposition"] == 'attachment; filename="tiny-learner-model.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["kc"] for row in rows] == ["counting", "adding", "multiplying"]
    counting = rows[0]
    assert float(counting["current_guess"]) == AUTHORED["guess"] and counting["current_guess_low"] == ""
    assert float(counting["proposed_guess"]) == proposal.parameters["counting"]["proposed"]["guess"]
    assert float(counting["proposed_guess_high"]) == proposal.intervals["counting"]["guess"]["high"]
    assert int(counting["responses"]) == proposal.responses and rows[1]["proposed_prior"] == ""


def test_the_page_reads_only_stored_fits_and_kcs_never_the_responses(client, faculty, course, proposal):
    client.force_login(faculty)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page_url(course)).status_code == 200
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert "learning_learnermodelfit" in tables and "learning_response" not in tables
    # The session, the user, two permission checks, the course, its KCs and two fits: none per KC.
    assert len(queries.captured_queries) <= 9


def test_without_any_refit_the_page_shows_the_current_parameters(client, faculty, course):
    client.force_login(faculty)
    html = client.get(page_url(course)).content.decode()
    assert "No refit yet" in html and kc_cells(html, "counting")["slip"]["current"] == "0.100"
    dashboard = client.get(reverse("analytics:course_dashboard", args=[course.slug])).content.decode()
    assert f'href="{page_url(course)}"' in dashboard
