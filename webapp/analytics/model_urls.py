"""The learner-model page's URLs, under /analytics/courses/<slug>/model/ (in the analytics namespace)."""

from django.urls import path

from webapp.analytics import model_views

urlpatterns = [
    path("", model_views.learner_model, name="learner_model"),
    path("proposals/<int:fit_id>/apply/", model_views.apply, name="apply_refit"),
    path("parameters.csv", model_views.parameters_csv, name="learner_model_csv"),
]
