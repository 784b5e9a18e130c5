"""Who may author a course, the draft being edited, and the versions published from it.

Learners never read these tables: they see the course as last imported into
webapp.learning, so a draft can be edited, broken and fixed while they keep working.
"""

from django.conf import settings
from django.db import models

from webapp.learning.models import Course


class CourseFaculty(models.Model):
    """A faculty member of one course: they may edit its draft and publish it (staff may for every course)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="faculty_of")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="faculty")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="unique_course_faculty")]
        verbose_name = "course faculty member"
        verbose_name_plural = "course faculty"

    def __str__(self):
        return f"{self.user} teaches {self.course}"


class Draft(models.Model):
    """The course folder being edited, as `{path inside the course: text}` (course.toml, kcs/<id>.md).

    Started from the published course (content.export) or from an uploaded zip. It may
    hold problems: it is checked on every view and only a valid draft is published.
    """

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="draft")
    files = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"draft of {self.course}"


class PublishedVersion(models.Model):
    """One publish of a course's draft: what learners have worked on since."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="published_versions"
    )
    published_at = models.DateTimeField(auto_now_add=True)
    digest = models.CharField(max_length=64, help_text="Hash of the published files (content.load.course_digest).")
    changes = models.JSONField(default=list, help_text="What the publish changed, one line per kind of change.")

    class Meta:
        ordering = ["course", "-number"]
        constraints = [models.UniqueConstraint(fields=["course", "number"], name="unique_version_number")]

    def __str__(self):
        return f"{self.course} version {self.number}"
