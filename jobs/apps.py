import sys

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Job core"

    def ready(self):
        from jobs import signals  # noqa: F401  (connects django-q2 worker signals)
        from jobs.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)
        if "qcluster" in sys.argv:
            signals.keep_the_sentinel_through_sigterm()
