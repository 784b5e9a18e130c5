"""Refitting the learner model: a refit proposes parameters, faculty apply them.

- `propose_refit(course=...)` fits each KC's BKT parameters (prior, learn, guess, slip) to
  the course's response log and records a `LearnerModelFit` that changes nothing yet: per
  KC the parameters current now and the fitted ones, the Bayesian fit's 90% intervals, and
  the fit metrics of both parameter sets on the same log.
- `apply_refit(fit=..., user=...)` writes a proposal's parameters into the KCs, in one
  transaction, unless the KCs changed since it was made (a re-import, another apply) or it
  was applied already: then it raises `RefitRefused` and changes nothing.
- `propose_if_new(course=...)` is what the nightly Celery task calls: it skips a course
  whose latest proposal was made on the same log and still matches the KCs.

Items' authored guess and slip overrides stay as they are, and learners' stored mastery is
not replayed: it keeps the beliefs computed when they answered.
"""

import logging
import math
import time

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from learner_model.log import ResponseLog, from_columns
from learner_model.model import BKTModel, KCFit, Options, evaluate, fit, log_likelihood
from webapp.learning.models import Course, KnowledgeComponent, LearnerModelFit, Response

logger = logging.getLogger(__name__)

PARAMS = ("prior", "learn", "guess", "slip")  # what a KC stores and a refit changes
DEFAULT_OPTIONS = Options(restarts=5, seed=0, min_responses=50)


class RefitRefused(Exception):
    """A proposal that cannot be applied: stale or applied already. Nothing was written."""


# Proposing -----------------------------------------------------------------------------------------


def propose_refit(*, course: Course, options: Options = DEFAULT_OPTIONS) -> LearnerModelFit:
    """Fit the course's response log and record the result as a proposal; the KCs are not changed.

    Raises ValueError, recording nothing, when the course has no responses, when no KC has
    `options.min_responses` of them, or when `options` ask for more than the KCs can store
    (standard BKT per KC: no forgetting, no per-item or per-learner parameters).
    """
    if options.forgets or options.item_guess_slip or options.item_learn or options.prior_by != "kc":
        raise ValueError("a KC stores standard BKT parameters: refit without forgetting or per-item/learner ones")
    log = _response_log(course)
    # Read before the fit, which takes a while: an apply in the meantime makes this proposal stale.
    current = {kc.slug: current_params(kc) for kc in course.kcs.filter(slug__in=log.kcs)}
    started = time.perf_counter()
    model = fit(log, options)
    seconds = time.perf_counter() - started
    if not model.kcs:
        raise ValueError(
            f"course {course.slug!r}: no KC has the {options.min_responses} responses a fit needs ({model.skipped})"
        )
    proposed = {slug: {name: getattr(kc_fit, name) for name in PARAMS} for slug, kc_fit in model.kcs.items()}
    counts = {**model.skipped, **{slug: kc_fit.n_responses for slug, kc_fit in model.kcs.items()}}
    return LearnerModelFit.objects.create(
        course=course,
        responses=len(log),
        seconds=seconds,
        # KCs too thin to fit keep their current parameters, in the proposal's metrics as after an apply.
        metrics={"current": _metrics(current, log), "proposed": _metrics({**current, **proposed}, log)},
        parameters={
            slug: {"current": current[slug], "proposed": proposed.get(slug), "responses": counts[slug]}
            for slug in log.kcs
        },
        skipped=model.skipped,
        intervals=_posterior_intervals(log, options.min_responses),
    )


def _response_log(course: Course) -> ResponseLog:
    rows = list(
        Response.objects.filter(kc__course=course)
        .order_by("answered_at", "id")
        .values_list("learner_id", "kc__slug", "correct")
    )
    if not rows:
        raise ValueError(f"course {course.slug!r} has no responses to fit")
    learners, kcs, correct = zip(*rows)
    return from_columns(kcs=list(kcs), learners=[str(learner) for learner in learners], correct=list(correct))


def current_params(kc: KnowledgeComponent) -> dict[str, float]:
    return {name: getattr(kc, name) for name in PARAMS}


def _metrics(params: dict[str, dict[str, float]], log: ResponseLog) -> dict[str, float | None]:
    """AUC, RMSE, log loss and log-likelihood of one parameter set on `log`, as the refit's model predicts.

    Forgetting is left out of both sets alike: a KC's stored `forget` fades a belief per answer
    given elsewhere, which this per-KC sequence model does not see, and a refit does not change it.
    A figure that is not finite (no wrong answer to rank, a probability of 0) is stored as None.
    """
    model = BKTModel(
        options=Options(),
        kcs={
            slug: KCFit(**values, forget=0.0, n_responses=0, log_likelihood=0.0, iterations=0)
            for slug, values in params.items()
        },
        skipped={},
    )
    figures = {**evaluate(model, log), "log_likelihood": log_likelihood(model, log)}
    return {name: value if math.isfinite(value) else None for name, value in figures.items()}


def _posterior_intervals(log: ResponseLog, min_responses: int) -> dict:
    """How sure the model is about each KC's parameters (learner_model.bayes); empty if that fit fails."""
    from learner_model.bayes import fit_bayes  # pyro loads only when a refit runs

    try:
        return fit_bayes(log, min_responses=min_responses).to_json()["kcs"]
    except (RuntimeError, ValueError):
        logger.exception("the Bayesian fit failed; the refit is recorded without intervals")
        return {}


# Degenerate parameters -----------------------------------------------------------------------------


def degenerate(params: dict[str, float]) -> list[str]:
    """Why a KC's guess and slip make a doubtful model, in words; empty when they look sound."""
    guess, slip = params["guess"], params["slip"]
    reasons = []
    if guess > 0.5:
        reasons.append(f"guess {guess:.2f} > 0.5: learners who have not mastered it answer right more often than not")
    if slip > 0.5:
        reasons.append(f"slip {slip:.2f} > 0.5: learners who have mastered it answer wrong more often than not")
    # With guess + slip >= 1, P(right | mastered) = 1 - slip is no more than P(right | not
    # mastered) = guess: a right answer no longer raises the belief in mastery (the two states
    # have swapped meaning, or cannot be told apart), so the tutor would learn nothing from answers.
    if guess + slip >= 1:
        reasons.append(f"guess + slip = {guess + slip:.2f} >= 1: a right answer is no sign of mastery")
    return reasons


# Applying ------------------------------------------------------------------------------------------


def stale_kcs(fit: LearnerModelFit, kcs: dict[str, KnowledgeComponent]) -> list[str]:
    """The KCs (by slug) whose parameters are no longer those the proposal was made from, or that are gone."""
    return sorted(
        slug for slug, row in fit.parameters.items() if slug not in kcs or current_params(kcs[slug]) != row["current"]
    )


def apply_refit(*, fit: LearnerModelFit, user=None) -> LearnerModelFit:
    """Write the proposal's fitted parameters into its KCs and record who applied it and when.

    `user` is None when applied from the command line. Raises RefitRefused, writing nothing,
    when the proposal was applied already or a KC's parameters changed since it was made.
    """
    with transaction.atomic():
        # Locking the proposal, then its KCs, serializes two applies: the second sees the first's writes.
        fit = LearnerModelFit.objects.select_for_update().select_related("course").get(pk=fit.pk)
        if fit.applied_at is not None:
            raise RefitRefused(f"This proposal was applied already, at {fit.applied_at:%Y-%m-%d %H:%M} UTC.")
        kcs = {kc.slug: kc for kc in fit.course.kcs.select_for_update().filter(slug__in=fit.parameters)}
        changed = stale_kcs(fit, kcs)
        if changed:
            raise RefitRefused(
                f"This proposal is stale: the parameters of {', '.join(changed)} changed since it was made "
                "(a re-import or another apply). Nothing was changed; refit for a fresh proposal."
            )
        for slug, row in fit.parameters.items():
            if row["proposed"] is not None:
                KnowledgeComponent.objects.filter(pk=kcs[slug].pk).update(**row["proposed"])
        fit.applied_at, fit.applied_by = timezone.now(), user
        fit.save(update_fields=["applied_at", "applied_by"])
    return fit


# Nightly -------------------------------------------------------------------------------------------


def courses_to_refit(min_responses: int = DEFAULT_OPTIONS.min_responses):
    """Courses with at least one KC answered `min_responses` times: those a fit can say something about."""
    enough = (
        KnowledgeComponent.objects.annotate(answers=Count("responses"))
        .filter(answers__gte=min_responses)
        .values("course_id")
    )
    return Course.objects.filter(pk__in=enough).order_by("slug")


def propose_if_new(*, course: Course, options: Options = DEFAULT_OPTIONS) -> LearnerModelFit | None:
    """A fresh proposal, or None when the latest one was made on this same log and the KCs still
    hold the parameters it was made from (pending) or wrote (applied).

    Responses are never deleted, so an equal count means the same log: a second run of the
    nightly task records nothing new, while a re-import since the last one gets a proposal.
    """
    latest = course.learner_model_fits.first()
    if latest is not None and latest.responses == Response.objects.filter(kc__course=course).count():
        kcs = {kc.slug: current_params(kc) for kc in course.kcs.filter(slug__in=latest.parameters)}
        expected = {
            slug: (row["proposed"] or row["current"]) if latest.applied_at else row["current"]
            for slug, row in latest.parameters.items()
        }
        if kcs == expected:
            return None
    return propose_refit(course=course, options=options)
