from django.urls import include, path

from webapp.analytics import statement_views, views

app_name = "analytics"
urlpatterns = [
    path("courses/<slug:slug>/", views.course_dashboard, name="course_dashboard"),
    path("courses/<slug:slug>/model/", include("webapp.analytics.model_urls")),
    path("courses/<slug:slug>/refresh/", views.refresh, name="refresh"),
    path("courses/<slug:slug>/statements.json", statement_views.course_statements, name="statements"),
    path("courses/<slug:slug>/<slug:table>.csv", views.course_csv, name="course_csv"),
]
