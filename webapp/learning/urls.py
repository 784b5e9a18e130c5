from django.urls import path

from webapp.analytics import learner_views, statement_views
from webapp.learning import views

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("courses/<slug:slug>/enroll/", views.enroll, name="enroll"),
    path("courses/<slug:slug>/learn/", views.learn, name="learn"),
    path("courses/<slug:slug>/answer/", views.answer, name="answer"),
    path("courses/<slug:slug>/explain/", views.explain, name="explain"),
    path("courses/<slug:slug>/ask/", views.ask, name="ask"),
    path("courses/<slug:slug>/placement/skip/", views.placement_skip, name="placement_skip"),
    path("courses/<slug:slug>/placement/restart/", views.placement_restart, name="placement_restart"),
    path("courses/<slug:slug>/progress/", learner_views.progress, name="progress"),
    path("courses/<slug:slug>/progress/statements.json", statement_views.own_statements, name="own_statements"),
    path("explanations/<int:pk>/", views.explanation, name="explanation"),
]
