"""Hooks into django-q2's worker processes (no domain logic here)."""

import os

from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django_q.signals import post_spawn, pre_execute

from jobs import runner


@receiver(pre_execute)
def remember_current_task(sender, func=None, task=None, **kwargs):
    runner.current_q_task_id = (task or {}).get("id", "") or ""


@receiver(post_spawn)
def announce_worker(sender, proc_name=None, **kwargs):
    from jobs.services import worker_beat

    try:
        worker_beat()
    except Exception:  # the database may still be starting; the sweeper beats again
        pass


@receiver(connection_created)
def name_worker_connection(sender, connection=None, **kwargs):
    """pg_stat_activity shows which worker process holds a connection (django-q2 forks them all
    from one process, after settings chose the application name)."""
    from django.conf import settings

    if connection.vendor == "postgresql" and settings.PROCESS_ROLE == "worker":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('application_name', %s, false)", [f"viralspot-worker:{os.getpid()}"])
