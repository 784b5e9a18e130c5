"""Simulated learners (manage.py generate_learners) are written as the app would have written them."""

import importlib.util
import json
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from learner_model import bkt
from learner_model.proficiency import KCAbility
from tests.conftest import LLM101N
from tutor.loop import ability_after, item_params, learner_params, teaching_params
from webapp.analytics import rollups
from webapp.analytics.models import DailyKCRollup, LearningEvent
from webapp.learning import replay, selectors, services
from webapp.learning.models import Enrollment, Explanation, Mastery, Response

LEARNERS, RESPONSES = 20, 600


@pytest.fixture
def course(db):
    if connection.vendor != "postgresql":
        pytest.skip("simulated learners are written with COPY: PostgreSQL only (the test command provides it)")
    return services.import_course(path=LLM101N).course


@pytest.fixture
def generated(course):
    call_command(
        "generate_learners", course.slug, learners=LEARNERS, responses=RESPONSES, seed=3, days=2, stdout=_Quiet()
    )
    return course


class _Quiet:
    def write(self, text):
        pass

    def flush(self):
        pass


def responses_by_learner_kc():
    chains = defaultdict(list)
    for response in Response.objects.order_by("answered_at", "id"):
        chains[response.learner_id, response.kc_id].append(response)
    return chains


def test_every_learner_answers_and_is_enrolled_with_placement_done(generated):
    assert Response.objects.count() == RESPONSES
    assert Enrollment.objects.filter(course=generated, placed_at__isnull=False).count() == LEARNERS
    assert not Response.objects.filter(placement=True).exists()
    assert Response.objects.values("idempotency_key").distinct().count() == RESPONSES


def test_p_mastered_chains_from_the_prior_through_each_answer(generated):
    ramp = selectors.course_ramp(generated)
    kcs = {kc.id: kc for kc in ramp.kcs}
    for chain in responses_by_learner_kc().values():
        kc = kcs[chain[0].kc.slug]
        assert chain[0].p_mastered_before == pytest.approx(kc.bkt.prior)
        for earlier, later in zip(chain, chain[1:]):
            assert later.p_mastered_before == pytest.approx(earlier.p_mastered_after, abs=1e-12)


def test_replaying_the_responses_through_bkt_gives_the_stored_mastery(generated):
    ramp = selectors.course_ramp(generated)
    items = {item.id: (kc, item) for kc in ramp.kcs for item in kc.items}
    band = ramp.target_band
    checked = 0
    for mastery in Mastery.objects.select_related("kc"):
        answers = Response.objects.filter(learner=mastery.learner_id).order_by("answered_at", "id")
        belief, step, once, count, ability = None, 0, False, 0, KCAbility()
        for now, response in enumerate(answers.select_related("item")):
            if response.kc_id != mastery.kc_id:
                continue
            kc, item = items[response.item.slug]
            if belief is None:
                belief, step = bkt.initial_belief(item_params(kc, item)), now
            before = bkt.fade(belief, now - step, kc.bkt.forget)
            ability = ability.drift(now - step)
            predicted = bkt.p_correct(before, learner_params(kc, item, ability))  # the learner's own prediction
            assert response.predicted_correct == pytest.approx(predicted)
            ability = ability_after(kc, item, before, ability, response.correct)
            belief, step = bkt.observe(before, response.correct, teaching_params(kc, item, band)), now + 1
            once |= bkt.p_mastered(belief) >= generated.mastery_threshold
            count += 1
        assert (mastery.belief, mastery.step, mastery.responses, mastery.once_mastered) == (
            pytest.approx(belief),
            step,
            count,
            once,
        )
        checked += 1
    assert checked == Mastery.objects.count() > LEARNERS


def test_every_generated_learner_has_the_mastery_and_ability_the_app_would_replay(generated):
    learners = Enrollment.objects.filter(course=generated).select_related("learner")
    assert [replay.mismatches(e.learner, generated) for e in learners] == [[]] * LEARNERS
    assert not Mastery.objects.filter(ability=[]).exists()  # every row holds practice answers


def test_events_are_those_the_app_records(generated):
    threshold = generated.mastery_threshold
    answered = LearningEvent.objects.filter(verb=LearningEvent.Verb.ANSWERED)
    assert answered.count() == RESPONSES
    for event in answered.select_related("response"):
        response = event.response
        assert (event.learner_id, event.kc_id, event.item_id, event.timestamp) == (
            response.learner_id,
            response.kc_id,
            response.item_id,
            response.answered_at,
        )
        assert event.result == {
            "correct": response.correct,
            "predicted": response.predicted_correct,
            "p_before": response.p_mastered_before,
            "p_after": response.p_mastered_after,
            "placement": False,
            "seconds": response.seconds,
        }
        assert 0 < response.seconds <= 300
    first_crossings = set()
    for chain in responses_by_learner_kc().values():
        crossing = next((r for r in chain if r.p_mastered_after >= threshold), None)
        if crossing is not None and crossing.p_mastered_before < threshold:
            first_crossings.add(crossing.pk)
    mastered = set(LearningEvent.objects.filter(verb=LearningEvent.Verb.MASTERED).values_list("response", flat=True))
    assert mastered == first_crossings and mastered
    wrong = set(Response.objects.filter(correct=False).values_list("pk", flat=True))
    explained = LearningEvent.objects.filter(verb=LearningEvent.Verb.EXPLAINED)
    assert set(explained.values_list("response", flat=True)) == wrong
    assert explained.count() == len(wrong) == Explanation.objects.filter(kind=Explanation.Kind.WRONG_ANSWER).count()
    assert LearningEvent.objects.filter(verb=LearningEvent.Verb.HINTED).count() == (
        Explanation.objects.filter(kind=Explanation.Kind.ASKED).count()
    )


def test_the_rollups_are_rebuilt_from_the_generated_events(generated):
    totals = DailyKCRollup.objects.filter(course=generated).aggregate(answers=Sum("answers"), eurekas=Sum("eurekas"))
    assert totals == {
        "answers": RESPONSES,
        "eurekas": LearningEvent.objects.filter(verb=LearningEvent.Verb.MASTERED).count(),
    }


def test_generating_again_needs_clear_and_clear_replaces(generated):
    with pytest.raises(CommandError, match="--clear"):
        call_command("generate_learners", generated.slug, learners=2, responses=10, stdout=_Quiet())
    call_command("generate_learners", generated.slug, learners=2, responses=10, clear=True, stdout=_Quiet())
    assert Response.objects.count() == 10
    assert Enrollment.objects.count() == 2


def test_sqlite_is_refused_with_a_clear_message(course, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_learners", course.slug, learners=2, responses=10, stdout=_Quiet())
    assert not Response.objects.exists()


def test_the_dashboard_benchmark_times_every_analytics_page(generated, tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "dashboard_benchmark", Path(__file__).parents[2] / "benchmarks" / "dashboard.py"
    )
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    out = tmp_path / "dashboard.json"
    monkeypatch.setattr(sys, "argv", ["dashboard.py", "--course", generated.slug, "--repeat", "2", "--json", str(out)])
    benchmark.main()
    report = json.loads(out.read_text())
    assert report["rows"] == {"responses": RESPONSES, "events": LearningEvent.objects.count(), "learners": LEARNERS}
    assert "analytics:course_dashboard" in report["pages"]
    assert "analytics:refresh" not in report["pages"]  # POST only
    assert {"analytics:course_csv kcs", "analytics:course_csv days"} <= set(report["pages"])
    assert all(page["median_ms"] > 0 and page["bytes"] > 0 for page in report["pages"].values())


def test_the_rebuild_reads_the_same_records_as_values_of_the_columns(generated):
    events = LearningEvent.objects.filter(course=generated)
    assert rollups.stored_records(events) == rollups.records(events.values_list(*rollups.COLUMNS))
