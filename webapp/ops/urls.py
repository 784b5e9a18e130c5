from django.urls import path

from webapp.ops import views

urlpatterns = [
    path("health/live", views.live, name="health_live"),
    path("health/ready", views.ready, name="health_ready"),
    path("metrics", views.prometheus, name="metrics"),
]
