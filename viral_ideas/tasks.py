"""django-q2 entry points of viral ideas."""

from viral_ideas.services import viral_start_due_reruns


def start_due_reruns() -> list[str]:
    """Scheduled: start the reruns whose time has come."""
    return viral_start_due_reruns()
