from django.apps import AppConfig


class ViralIdeasConfig(AppConfig):
    name = "viral_ideas"
    verbose_name = "Viral ideas"
