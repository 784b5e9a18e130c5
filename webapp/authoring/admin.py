from django.contrib import admin

from webapp.authoring.models import CourseFaculty, Draft, PublishedVersion


@admin.register(CourseFaculty)
class CourseFacultyAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "added_at"]
    list_filter = ["course"]


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["course", "updated_at", "updated_by"]


@admin.register(PublishedVersion)
class PublishedVersionAdmin(admin.ModelAdmin):
    list_display = ["course", "number", "published_by", "published_at"]
    list_filter = ["course"]
