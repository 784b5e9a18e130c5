from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    name = "webapp.authoring"
    label = "authoring"
    verbose_name = "authoring"
