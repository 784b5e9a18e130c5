"""Placement: the probe that finds out, in a few questions, where a new learner stands.

A learner who enrolls (or asks to be placed again) answers the questions the probe
chooses (learner_model.probe) over the course's prerequisite graph (learner_model.graph);
the belief is rebuilt from their placement answers on every request, which is exact and
cheap for a course's size. When every KC is settled or the question budget is spent, each
KC's mastery is set from the graph belief and teaching begins.
"""

import functools
import math

import torch
from django.db import transaction
from django.utils import timezone

from learner_model.graph import Graph, base_rates, observe, prior_belief
from learner_model.probe import next_probe
from tutor.loop import item_params, teaching_params
from webapp.learning import selectors
from webapp.learning.models import Enrollment, Item, Mastery, Response

LEAK = 0.05  # P(mastered) of a KC whose prerequisites are not all mastered


def budget(n_kcs: int) -> int:
    """At most a third of the questions of a pre-test with one item per KC (and at least 2)."""
    return max(2, math.ceil(n_kcs / 3))


def _belief(enrollment: Enrollment):
    """The graph belief after the learner's placement answers, and the course data it is over."""
    course = selectors.course_ramp(enrollment.course)
    graph = Graph.from_prerequisites({kc.id: list(kc.prerequisites) for kc in course.kcs})
    index = {kc.id: k for k, kc in enumerate(course.kcs)}
    base = _base_rates(graph, tuple(kc.bkt.prior for kc in course.kcs))
    belief = prior_belief(graph, base, leak=LEAK, reach=True)
    answers = (
        Response.objects.filter(
            learner=enrollment.learner,
            item__course=enrollment.course,
            placement=True,
            answered_at__gte=enrollment.placement_started_at,
        )
        .select_related("item__kc")
        .order_by("answered_at", "id")
    )
    asked = []
    for answer in answers:
        kc = course.kc(answer.kc.slug)
        # Learning from a placement question follows the loop's premise too (tutor.loop.teaching_params).
        params = teaching_params(kc, answer.item.content, course.target_band)
        belief = observe(belief, index[kc.id], answer.correct, guess=params.guess, slip=params.slip, learn=params.learn)
        asked.append(answer.item.slug)
    return course, belief, asked


@functools.lru_cache(maxsize=64)
def _base_rates(graph: Graph, priors: tuple[float, ...]) -> torch.Tensor:
    # Sampled (about 10 ms for a course of 10 KCs): once per graph and priors, not per request.
    return base_rates(graph, torch.tensor(priors, dtype=torch.float64), leak=LEAK, reach=True)


def next_question(*, enrollment: Enrollment) -> tuple[Item, str] | None:
    """The next placement question and why, or None once placement is over (it is then finished)."""
    course, belief, asked = _belief(enrollment)
    items = [(k, kc, item) for k, kc in enumerate(course.kcs) for item in kc.items]
    params = [item_params(kc, item) for _, kc, item in items]
    limit = budget(len(course.kcs))
    choice = None
    if len(asked) < limit:
        choice = next_probe(
            belief,
            torch.tensor([k for k, _, _ in items]),
            torch.tensor([p.guess for p in params], dtype=torch.float64),
            torch.tensor([p.slip for p in params], dtype=torch.float64),
            asked={i for i, (_, _, item) in enumerate(items) if item.id in asked},
        )
    if choice is None:
        finish(enrollment=enrollment, course=course, marginals=belief.marginals().tolist())
        return None
    _, kc, item = items[choice]
    reason = (
        f"Placement question {len(asked) + 1} of at most {limit}: of all the questions, this one tells most "
        f"about what you already know ({kc.title})."
    )
    return enrollment.course.items.select_related("kc").get(slug=item.id), reason


def finish(*, enrollment: Enrollment, course, marginals: list[float]) -> None:
    """Set every KC's mastery from the placement belief and start teaching."""
    kcs = {kc.slug: kc for kc in enrollment.course.kcs.filter(archived=False)}
    now = selectors.answers_given(enrollment.learner, enrollment.course)
    with transaction.atomic():
        for kc, p in zip(course.kcs, marginals):
            p = min(max(p, 1e-6), 1 - 1e-6)
            Mastery.objects.update_or_create(
                learner=enrollment.learner,
                kc=kcs[kc.id],
                defaults={
                    "belief": math.log(p) - math.log1p(-p),
                    "step": now,
                    "once_mastered": p >= course.mastery_threshold,
                },
            )
        Enrollment.objects.filter(pk=enrollment.pk).update(placed_at=timezone.now(), current_item=None)
    enrollment.refresh_from_db()


def restart(*, enrollment: Enrollment) -> None:
    """Place the learner again (their earlier answers stay in the log)."""
    Enrollment.objects.filter(pk=enrollment.pk).update(
        placed_at=None, placement_started_at=timezone.now(), current_item=None
    )
    enrollment.refresh_from_db()


def skip(*, enrollment: Enrollment) -> None:
    """Start teaching from the first steps of the ramp, without placement."""
    Enrollment.objects.filter(pk=enrollment.pk).update(placed_at=timezone.now(), current_item=None)
    enrollment.refresh_from_db()
