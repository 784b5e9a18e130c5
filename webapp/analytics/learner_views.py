"""The learner's own progress page. Thin: check the learner is enrolled, read their progress, render.

Only the logged-in learner's own data is read; a learner not enrolled in the course is
sent to the course list, as the learning pages do.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from webapp.analytics import progress as progress_of
from webapp.learning import selectors
from webapp.learning.models import Course


@login_required
@require_GET
def progress(request, slug):
    course = get_object_or_404(Course, slug=slug)
    enrollment = selectors.enrollment_for(request.user, course)
    if enrollment is None:
        return redirect("course_list")
    found = progress_of.progress(request.user, course, enrollment)
    context = {
        "course": course,
        "progress": found,
        "map_svg": mark_safe(found.map_svg),  # built by content.graph_svg, which escapes every text
        "legend": progress_of.legend(),
    }
    return render(request, "analytics/progress.html", context)
