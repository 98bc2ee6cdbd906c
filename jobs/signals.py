"""Hooks into django-q2's worker processes (no domain logic here)."""

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
