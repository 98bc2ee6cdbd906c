"""Hooks into django-q2's worker processes (no domain logic here)."""

import logging
import os
import signal

from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django_q.signals import post_spawn, pre_execute

from jobs import runner

logger = logging.getLogger(__name__)


@receiver(pre_execute)
def remember_current_task(sender, func=None, task=None, **kwargs):
    runner.current_q_task_id = (task or {}).get("id", "") or ""


@receiver(post_spawn)
def announce_worker(sender, proc_name=None, **kwargs):
    """A worker process starts: recover what dead processes of this host left running (a crashed
    cluster, a killed sibling), say who it is, and start beating (jobs.runner.liveness)."""
    from jobs.services import recover_jobs_of_dead_local_processes, worker_announce

    try:
        # Recovery before the announcement, so that an announced worker has finished starting:
        # a process that dies after it is left to the heartbeat sweep, as on another machine.
        recover_jobs_of_dead_local_processes()
        worker_announce()
    except Exception:  # the database may still be starting; the liveness thread beats and sweeps
        logger.warning("worker start-up recovery failed", exc_info=True)
    runner.liveness.start()
    # Stop at once on SIGTERM, handing back the job being run (jobs.runner.WorkerStopping).
    signal.signal(signal.SIGTERM, runner.stop_worker)


def keep_the_sentinel_through_sigterm() -> None:
    """In the qcluster process: the sentinel (and the pusher and monitor it forks) ignore SIGTERM
    and are stopped by the cluster process, as django-q2 does with SIGINT.

    django-q2 lets the sentinel die of SIGTERM. When a whole process group gets it (systemd,
    docker stop, kill -TERM -pgid), the sentinel dies while it waits on the stop Event, and the
    cluster process's handler then blocks for ever in stop_event.set(): multiprocessing's
    Condition.notify waits for every sleeper, dead ones too (measured: still running after 30 s,
    until a service manager's SIGKILL). The workers the sentinel forks get their own handler when
    they start (announce_worker).
    """
    from django_q.cluster import Sentinel

    start = Sentinel.start
    if getattr(start, "ignores_sigterm", False):
        return

    def start_ignoring_sigterm(self):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        start(self)

    start_ignoring_sigterm.ignores_sigterm = True
    Sentinel.start = start_ignoring_sigterm


@receiver(connection_created)
def name_worker_connection(sender, connection=None, **kwargs):
    """pg_stat_activity shows which worker process holds a connection (django-q2 forks them all
    from one process, after settings chose the application name)."""
    from django.conf import settings

    if connection.vendor == "postgresql" and settings.PROCESS_ROLE == "worker":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('application_name', %s, false)", [f"viralspot-worker:{os.getpid()}"])
