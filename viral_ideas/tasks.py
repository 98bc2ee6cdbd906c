"""django-q2 entry points of viral ideas."""

from jobs.runner import run_claimed_job
from jobs.services import job_claim
from viral_ideas.models import ViralIdeasQueue
from viral_ideas.services import viral_start_due_reruns


def process_entry(entry_id: str) -> str | None:
    """Staff's "process now": claim this entry (if still pending) and run it."""
    from jobs import runner

    entry = job_claim(ViralIdeasQueue, job_id=entry_id, q_task_id=runner.current_q_task_id)
    return run_claimed_job(entry) if entry else None


def start_due_reruns() -> list[str]:
    """Scheduled: start the reruns whose time has come."""
    return viral_start_due_reruns()
