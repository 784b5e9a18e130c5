from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "webapp.analytics"
    label = "analytics"
    verbose_name = "learning analytics"
