from django.urls import path

from webapp.learning import views

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("courses/<slug:slug>/enroll/", views.enroll, name="enroll"),
    path("courses/<slug:slug>/learn/", views.learn, name="learn"),
    path("courses/<slug:slug>/answer/", views.answer, name="answer"),
    path("courses/<slug:slug>/explain/", views.explain, name="explain"),
    path("explanations/<int:pk>/", views.explanation, name="explanation"),
]
