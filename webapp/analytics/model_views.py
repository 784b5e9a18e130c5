"""The learner-model page of a course, for its faculty (and staff): the BKT parameters per KC now
and in the latest refit proposal, their fit metrics side by side, and the button that applies it.

Thin: check who asks (authoring's `course_faculty_required`: a learner, or faculty of another
course, gets 403; anonymous visitors are sent to log in), read the stored fits, render.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from webapp.analytics import exports, model_chart, model_table
from webapp.authoring.permissions import course_faculty_required
from webapp.learning import refit


@course_faculty_required
@require_GET
def learner_model(request, course):
    page = model_table.learner_model_page(course)
    chart = model_chart.guess_slip_chart(page.rows, title="Guess and slip per KC, with 90% intervals")
    return render(request, "analytics/learner_model.html", {"course": course, "page": page, "chart": mark_safe(chart)})


@course_faculty_required
@require_POST
def apply(request, course, fit_id):
    proposal = get_object_or_404(course.learner_model_fits, pk=fit_id)
    try:
        refit.apply_refit(fit=proposal, user=request.user)
    except refit.RefitRefused as refused:
        messages.error(request, str(refused))
        return redirect("analytics:learner_model", slug=course.slug)
    messages.success(request, "The proposed parameters are now the KCs' parameters.")
    return redirect("analytics:learner_model", slug=course.slug)


@course_faculty_required
@require_GET
def parameters_csv(request, course):
    return exports.csv_response(f"{course.slug}-learner-model.csv", model_table.csv_table(course))
