"""django-q2 schedules the job core relies on, kept in step with settings after every migrate."""

from django.conf import settings


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="jobs.sweep",
        defaults={
            "func": "jobs.tasks.sweep",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.JOB_SWEEP_INTERVAL_MINUTES,
            "repeats": -1,
        },
    )

    Schedule.objects.update_or_create(
        name="viral_ideas.reruns",
        defaults={
            "func": "viral_ideas.tasks.start_due_reruns",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.VIRAL_RERUN_CHECK_MINUTES,
            "repeats": -1,
        },
    )
