"""The xAPI statement exports: a course's whole event log for its faculty, a learner's own events for them.

Both stream a JSON array (webapp.analytics.statements). `since` and `until` (ISO 8601)
limit them to events in [since, until); a bad value is answered 400 naming the parameter.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from webapp.analytics import statements
from webapp.authoring.permissions import course_faculty_required
from webapp.learning.models import Course, Enrollment


@course_faculty_required
@require_GET
def course_statements(request, course):
    try:
        since, until = statements.parse_window(request.GET)
    except statements.BadWindow as error:
        return HttpResponseBadRequest(str(error))
    found = statements.statements(course, statements.home(request), since=since, until=until)
    return statements.response(found, f"{course.slug}-statements.json")


@login_required
@require_GET
def own_statements(request, slug):
    """The learner's own events in the course: enrolled learners only (else 404)."""
    course = get_object_or_404(Course, slug=slug)
    if not Enrollment.objects.filter(learner=request.user, course=course).exists():
        raise Http404("You are not enrolled in this course.")
    try:
        since, until = statements.parse_window(request.GET)
    except statements.BadWindow as error:
        return HttpResponseBadRequest(str(error))
    found = statements.statements(course, statements.home(request), learner=request.user, since=since, until=until)
    return statements.response(found, f"{course.slug}-my-statements.json")
