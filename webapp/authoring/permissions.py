"""Who may author what: faculty of a course, and staff for every course.

Every authoring view goes through one of the two decorators below, so a learner gets
403 on every authoring URL and faculty of one course get 403 on another's pages.
"""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from webapp.authoring.models import CourseFaculty
from webapp.learning.models import Course


def is_faculty(user) -> bool:
    """Faculty of some course, or staff: may open the authoring pages and create a course."""
    return user.is_authenticated and (user.is_staff or CourseFaculty.objects.filter(user=user).exists())


def may_author(user, course: Course) -> bool:
    return user.is_authenticated and (user.is_staff or CourseFaculty.objects.filter(user=user, course=course).exists())


def authored_courses(user):
    """The courses `user` may author, by title."""
    courses = Course.objects.order_by("title")
    return courses if user.is_staff else courses.filter(faculty__user=user)


def faculty_required(view):
    """Logged in (else the login page) and faculty of some course (else 403)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_faculty(request.user):
            raise PermissionDenied("Only faculty may author courses.")
        return view(request, *args, **kwargs)

    return wrapped


def course_faculty_required(view):
    """Faculty of the course named by the URL's `slug` (else 403); the view gets the course instead."""

    @faculty_required
    @functools.wraps(view)
    def wrapped(request, slug, *args, **kwargs):
        course = get_object_or_404(Course, slug=slug)
        if not may_author(request.user, course):
            raise PermissionDenied("You are not faculty of this course.")
        return view(request, course, *args, **kwargs)

    return wrapped
