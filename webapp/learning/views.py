"""Pages for learners. Thin: parse the request, call a service or selector, render."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tutor.grading import AnswerError, display_order, feedback_for, order_from_positions
from tutor.prompts import MAX_LEARNER_TEXT
from webapp.learning import explanations, placement, selectors, services
from webapp.learning import state as learner_state
from webapp.learning.models import Course, Enrollment, Explanation, Item, Response
from webapp.learning.ratelimit import llm_rate_limited
from webapp.learning.rendering import markdown_to_html


@login_required
@require_GET
def course_list(request):
    enrolled = set(request.user.enrollments.values_list("course_id", flat=True))
    courses = [(course, course.id in enrolled) for course in selectors.offered_courses().order_by("title")]
    return render(request, "learning/course_list.html", {"courses": courses})


@login_required
@require_POST
def enroll(request, slug):
    course = get_object_or_404(selectors.offered_courses(), slug=slug)
    services.enroll(learner=request.user, course=course)
    return redirect("learn", slug=slug)


@login_required
@require_GET
def learn(request, slug):
    enrollment = selectors.enrollment_in(request.user, slug)
    if enrollment is None:
        get_object_or_404(Course, slug=slug)  # no such course: 404; not enrolled: to the course list
        return redirect("course_list")
    course = enrollment.course
    answered = _own_response(request, request.GET.get("answered"))
    course_data = selectors.course_ramp(course)
    # Read once for the sidebar and the item to serve; what only choosing an item needs is not
    # read for the feedback page, nor while an item is served and not yet answered.
    choosing = answered is None and enrollment.current_item is None
    state = learner_state.read(request.user, course, to_choose=choosing)
    mastery = selectors.mastery_map(request.user, course, course_data=course_data, state=state)
    context = {"course": course, "mastery": mastery}
    if answered is not None:
        context["response"] = answered
        context["explanations"] = answered.explanations.order_by("created_at")
        context["feedback"] = feedback_for(answered.item.content, answered.answer)
        steps = answered.item.content.steps  # an ordering item's: each given step, and whether it is in its place
        context["given_order"] = [
            (step, n < len(steps) and step == steps[n]) for n, step in enumerate(answered.answer.splitlines())
        ]
        return render(request, "learning/feedback.html", context)
    return _item_page(request, course, enrollment, context, course_data=course_data, state=state)


def _item_page(request, course, enrollment, context, *, error="", status=200, course_data=None, state=None):
    placing = enrollment.placed_at is None
    served = services.serve_item(enrollment=enrollment, course_data=course_data, state=state)
    if placing and enrollment.placed_at is not None:
        # The probe just ended: show where the learner stands before teaching begins.
        context["mastery"] = selectors.mastery_map(request.user, course)
        return render(request, "learning/placed.html", context)
    if served is None:
        return render(request, "learning/complete.html", context)
    asked = request.GET.get("explanation")
    explanation = (
        Explanation.objects.filter(pk=asked, learner=request.user, item=served.item, response=None).first()
        if (asked and asked.isdigit())
        else None
    )
    context.update(
        item=served.item,
        spec=served.item.content,
        choices=display_order(served.item.content, str(request.user.pk)),  # or an ordering's steps
        positions=range(1, len(served.item.content.steps) + 1),
        reason=served.reason,
        placement=served.placement,
        idempotency_key=uuid.uuid4(),
        explanation=explanation,
        error=error,
    )
    return render(request, "learning/item.html", context, status=status)


def _own_response(request, response_id):
    if not response_id or not response_id.isdigit():
        return None
    return Response.objects.filter(pk=response_id, learner=request.user).select_related("item__kc", "kc").first()


@login_required
@require_POST
def answer(request, slug):
    # The enrollment is checked by record_answer, under the lock that orders the learner's
    # answers; a form that cannot be recorded is refused only to an enrolled learner (others
    # are sent to the course list, as on every learning page).
    item_slug = request.POST.get("item", "")
    # PostgreSQL cannot even compare text with a NUL in it: such a slug names no item.
    named = None if "\x00" in item_slug else Item.objects.filter(course__slug=slug, slug=item_slug)
    item = named.select_related("kc", "course").first() if named is not None else None
    course = item.course if item is not None else get_object_or_404(Course, slug=slug)
    try:
        key = uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        key = None
    if key is None or item is None:
        if selectors.enrollment_for(request.user, course) is None:
            return redirect("course_list")
        if key is None:
            return HttpResponseBadRequest("The answer form was incomplete (no valid idempotency_key). Reload the page.")
        return HttpResponseBadRequest("The answer names no item of this course. Reload the page.")
    try:
        result = services.record_answer(
            learner=request.user, item=item, answer=_given_answer(request, item), idempotency_key=key
        )
    except services.NotEnrolled:
        return redirect("course_list")
    except AnswerError as error:
        enrollment = selectors.enrollment_for(request.user, course)
        if enrollment is None:
            return redirect("course_list")
        context = {"course": course, "mastery": selectors.mastery_map(request.user, course)}
        return _item_page(request, course, enrollment, context, error=str(error), status=400)
    return redirect(f"{reverse('learn', args=[slug])}?answered={result.response.pk}")


def _given_answer(request, item) -> str:
    """The answer as text. An ordering item's page posts a position for each step as it was
    shown (`position-0`, `position-1`, ...); they are turned into the steps in the learner's order."""
    content = item.content
    if content.kind != "ordering" or "answer" in request.POST:
        return request.POST.get("answer", "")
    shown = display_order(content, str(request.user.pk))
    return order_from_positions(shown, [request.POST.get(f"position-{i}", "") for i in range(len(shown))])


@login_required
@require_POST
@llm_rate_limited
def explain(request, slug):
    """The Hint button: a hint on the item the learner is working on (the answer never in it)."""
    course = get_object_or_404(Course, slug=slug)
    item = get_object_or_404(course.items, slug=request.POST.get("item", ""))
    if selectors.enrollment_for(request.user, course) is None:
        return redirect("course_list")
    hint = explanations.ask_hint(learner=request.user, item=item)
    return redirect(f"{reverse('learn', args=[slug])}?explanation={hint.pk}")


@login_required
@require_POST
@llm_rate_limited
def ask(request, slug):
    """A question of the learner's about the item's KC: on the item page (the item still open), or
    on the feedback page after answering (`response` names their answer)."""
    course = get_object_or_404(Course, slug=slug)
    item = get_object_or_404(course.items, slug=request.POST.get("item", ""))
    if selectors.enrollment_for(request.user, course) is None:
        return redirect("course_list")
    question = request.POST.get("question", "").strip()
    if not question or len(question) > MAX_LEARNER_TEXT:
        return HttpResponseBadRequest(
            f"Type a question of at most {MAX_LEARNER_TEXT} characters (this one has {len(question)})."
        )
    if "\x00" in question:  # PostgreSQL stores no NUL in text
        return HttpResponseBadRequest("The question holds a NUL character (\\x00); type it again without it.")
    response = _own_response(request, request.POST.get("response"))
    if response is not None and response.item_id != item.id:
        return HttpResponseBadRequest("That answer is not to this question. Reload the page.")
    asked = explanations.ask_question(learner=request.user, item=item, question=question, response=response)
    if response is not None:
        return redirect(f"{reverse('learn', args=[slug])}?answered={response.pk}#explanation-{asked.pk}")
    return redirect(f"{reverse('learn', args=[slug])}?explanation={asked.pk}")


@login_required
@require_GET
def explanation(request, pk):
    """The explanation as JSON, the text so far while the model writes it; asking for it the first
    time starts its generation, and asking past the deadline gives the authored text."""
    explanation = get_object_or_404(Explanation, pk=pk, learner=request.user)
    explanation = explanations.dispatch(explanation=explanation)
    shown = explanation.status in (Explanation.Status.WRITING, Explanation.Status.DONE)
    return JsonResponse(
        {
            "status": explanation.status,
            "kind": explanation.kind,
            "source": explanation.source,
            "model_name": explanation.model_name,
            "html": markdown_to_html(explanation.text) if shown else "",
        }
    )


@login_required
@require_POST
def placement_skip(request, slug):
    enrollment = get_object_or_404(Enrollment, learner=request.user, course__slug=slug)
    placement.skip(enrollment=enrollment)
    return redirect("learn", slug=slug)


@login_required
@require_POST
def placement_restart(request, slug):
    enrollment = get_object_or_404(Enrollment, learner=request.user, course__slug=slug)
    placement.restart(enrollment=enrollment)
    return redirect("learn", slug=slug)
