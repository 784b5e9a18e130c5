from django.contrib import admin

from webapp.learning.models import (
    Course,
    Enrollment,
    Explanation,
    Item,
    KnowledgeComponent,
    LearnerModelFit,
    Mastery,
    Response,
)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "band_low", "band_high", "mastery_threshold", "imported_at"]


@admin.register(KnowledgeComponent)
class KnowledgeComponentAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "position", "prior", "learn", "guess", "slip", "archived"]
    list_filter = ["course", "archived"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["slug", "kc", "position", "archived"]
    list_filter = ["course", "archived"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["learner", "course", "enrolled_at", "current_item"]


@admin.register(Mastery)
class MasteryAdmin(admin.ModelAdmin):
    list_display = ["learner", "kc", "p_mastered", "responses", "updated_at"]
    list_filter = ["kc__course"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """The response log is the source of truth: staff may read it, not change it."""

    list_display = ["learner", "item", "answer", "correct", "predicted_correct", "p_mastered_after", "answered_at"]
    list_filter = ["correct", "kc__course"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Explanation)
class ExplanationAdmin(admin.ModelAdmin):
    list_display = ["learner", "item", "kind", "status", "source", "model_name", "created_at", "finished_at"]
    list_filter = ["status", "source", "kind"]


@admin.register(LearnerModelFit)
class LearnerModelFitAdmin(admin.ModelAdmin):
    list_display = ["course", "fitted_at", "responses", "seconds", "applied_at"]
    readonly_fields = [
        "course",
        "fitted_at",
        "responses",
        "seconds",
        "metrics",
        "parameters",
        "skipped",
        "intervals",
        "applied_at",
        "applied_by",
    ]
