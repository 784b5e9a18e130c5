from django.urls import include, path

from webapp.analytics import views

app_name = "analytics"
urlpatterns = [
    path("courses/<slug:slug>/", views.course_dashboard, name="course_dashboard"),
    path("courses/<slug:slug>/model/", include("webapp.analytics.model_urls")),
    path("courses/<slug:slug>/refresh/", views.refresh, name="refresh"),
    path("courses/<slug:slug>/<slug:table>.csv", views.course_csv, name="course_csv"),
]
