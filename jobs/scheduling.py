"""Which job a worker claims next: priority levels with caps, aging, fair shares between owners.

A kind declares what its rows know (jobs.models.TrackedJob: `job_level_field`,
`job_queued_field`, `job_fair_share_field`); settings say what to enforce (QUEUE_* in
viralspot/settings.py). The policy, best first:

1. **Caps.** At most QUEUE_MAX_RUNNING_<LEVEL> jobs of a level run at once (profile jobs: HIGH 3
   by default), and at most QUEUE_MAX_RUNNING_<KIND> jobs of a kind; 0 is no cap. A job whose
   worker died counts as running until it is recovered (WORKER_HEARTBEAT_TIMEOUT_SECONDS). A level at its
   cap is skipped, never waited on, so a worker takes the best job of a level that has room:
   with 6 workers and 8 HIGH + 8 LOW queued, 3 HIGH and 3 LOW run.
2. **Levels.** The highest level first, then arrival. Aging is not decided here: a LOW job queued
   longer than QUEUE_AGING_MINUTES is moved up to MEDIUM by the scheduled sweep
   (promote_aged_jobs), so the queue positions every status page shows stay true and the claim
   stays one indexed look per level.
3. **Fair shares.** Within a kind that has owners (generation jobs), the owner with the fewest
   jobs running goes first, then the one served least recently, then the one waiting longest:
   round-robin, so one user's bulk of 50 articles does not hold back another user's single one.
   Choosing reads the waiting owners (a grouped count over the kind's waiting jobs).

Preemption (a running LOW job giving its worker to waiting higher work) is
jobs.services.job_yield_to_waiting, asked at each progress report; it chooses with the same code.

Counting and claiming must see the same world on every worker of every cluster, or two workers
each see room for "one more HIGH" and both take it. So a claim under a policy holds the kind's
claim lock for its short transaction: a PostgreSQL transaction-level advisory lock, or on SQLite
the write lock its IMMEDIATE transactions take at BEGIN. Statements after the lock see every
claim committed before it (READ COMMITTED takes a snapshot per statement). The lock serialises
claims of one kind only for the few milliseconds of choosing; jobs run outside it. A claim that
can break no cap goes without it: while no job of a capped level is due, the best due job is of
a level without a cap, and one statement takes it (jobs.services.job_claim).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from jobs.models import TrackedJob

# First key of our advisory locks (pg_advisory_xact_lock(int, int)): "VS", so they cannot be
# mistaken for another application's locks on a shared server.
CLAIM_LOCK_CLASS = 0x5653

# Names of a kind's levels in settings (QUEUE_MAX_RUNNING_HIGH, ...), by level number.
LEVEL_NAMES = {1: "HIGH", 2: "MEDIUM", 3: "LOW"}


@dataclass(frozen=True)
class ClaimPolicy:
    """What a kind's claims must respect right now (read from settings on each claim)."""

    level_caps: dict[int, int] = field(default_factory=dict)  # level → most running at once
    kind_cap: int = 0
    fair_shares: bool = False

    @property
    def applies(self) -> bool:
        """Whether claims need the lock and the choosing below; otherwise the one-statement claim
        of the best job by the kind's claim order is exactly right."""
        return bool(self.level_caps or self.kind_cap or self.fair_shares)

    @property
    def uncapped_levels_need_no_lock(self) -> bool:
        """Whether a job of a level without a cap may be claimed without the lock: caps on levels
        are all there is (a kind cap or fair shares weigh every claim), and a level has none.
        Taking such a job changes no count a cap is checked against."""
        return (bool(self.level_caps) and not self.kind_cap and not self.fair_shares
                and len(self.level_caps) < len(LEVEL_NAMES))


def claim_policy(model: type[TrackedJob]) -> ClaimPolicy:
    level_caps = {}
    if model.job_level_field:
        for level, name in LEVEL_NAMES.items():
            cap = getattr(settings, f"QUEUE_MAX_RUNNING_{name}", 0)
            if cap:
                level_caps[level] = cap
    kind_cap = settings.QUEUE_MAX_RUNNING_BY_KIND.get(model.job_kind, 0)
    return ClaimPolicy(level_caps=level_caps, kind_cap=kind_cap, fair_shares=bool(model.job_fair_share_field))


def take_claim_lock(model: type[TrackedJob]) -> None:
    """Hold the kind's claim lock until the current transaction ends (call inside atomic())."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [CLAIM_LOCK_CLASS, zlib.crc32(model.job_kind.encode()) & 0x7FFFFFFF])
    # SQLite: the transaction began with BEGIN IMMEDIATE (viralspot/env.py), which already admits
    # one writer at a time; nothing more to take.


def level_of(job: TrackedJob) -> int | None:
    return getattr(job, job.job_level_field) if job.job_level_field else None


def choose_next_job(
    model: type[TrackedJob], policy: ClaimPolicy, *, now: datetime,
    above_level: int | None = None, due_before: datetime | None = None,
):
    """The primary key of the job to claim next under `policy`, or None. Call holding the lock.

    `above_level` keeps only jobs of a strictly higher level (a lower number), and `due_before`
    only jobs due since before then: what a running job yields to (jobs.services.job_yield_to_waiting).
    The row chosen is locked (FOR UPDATE SKIP LOCKED), so a row another transaction holds (a
    cancel under way) is passed over rather than waited for.
    """
    statuses = model.job_statuses
    running = model.objects.filter(status=statuses.processing)
    if policy.kind_cap and running.count() >= policy.kind_cap:
        return None
    due = model.objects.filter(status=statuses.pending, next_attempt_at__lte=due_before or now)
    if policy.fair_shares:
        return _fair_share_choice(model, due, running)
    if not model.job_level_field:
        return _first(due, model.job_claim_order)
    return _level_choice(model, policy, due, running, above_level=above_level)


def _first(queryset, order):
    return queryset.select_for_update(skip_locked=True).order_by(*order).values_list("pk", flat=True).first()


def _level_choice(model, policy: ClaimPolicy, due, running, *, above_level):
    """The best job of the best level that has room: one indexed LIMIT 1 per level looked at,
    never a sort of the backlog."""
    level_field = model.job_level_field
    full = set()
    if policy.level_caps:
        counts = dict(running.order_by().values_list(level_field).annotate(n=Count("pk")).values_list(level_field, "n"))
        full = {level for level, cap in policy.level_caps.items() if counts.get(level, 0) >= cap}
    for level in sorted(LEVEL_NAMES):
        if level in full or (above_level is not None and level >= above_level):
            continue
        chosen = _first(due.filter(**{level_field: level}), model.job_claim_order)
        if chosen is not None:
            return chosen
    return None


def _fair_share_choice(model, due, running):
    """Round-robin between owners: fewest running, then served least recently, then waiting longest."""
    owner = model._meta.get_field(model.job_fair_share_field).attname
    waiting = {row[owner]: row["first"] for row in
               due.order_by().values(owner).annotate(first=Min(model.job_queued_field))}
    if not waiting:
        return None
    running_by_owner = dict(running.order_by().values_list(owner).annotate(n=Count("pk")).values_list(owner, "n"))
    last_served = dict(
        model.objects.filter(**{f"{owner}__in": list(waiting), f"{model.job_started_field}__isnull": False})
        .order_by().values_list(owner).annotate(last=Max(model.job_started_field)).values_list(owner, "last")
    )
    never = datetime.min.replace(tzinfo=dt_timezone.utc)

    def turn(candidate):
        return running_by_owner.get(candidate, 0), last_served.get(candidate) or never, waiting[candidate], str(candidate)

    # The owner whose turn it is may have every waiting job held by another transaction: next owner.
    for candidate in sorted(waiting, key=turn):
        chosen = _first(due.filter(**{owner: candidate}), model.job_claim_order)
        if chosen is not None:
            return chosen
    return None


def promote_aged_jobs(model: type[TrackedJob], *, batch_size: int = 1000, most: int = 10_000) -> int:
    """Aging: move the LOW jobs queued longer than QUEUE_AGING_MINUTES up to MEDIUM, oldest first;
    how many were moved. Run by the scheduled sweep (so within JOB_SWEEP_INTERVAL_MINUTES of
    their time). Each keeps its arrival ticket, so among MEDIUM jobs it goes by when it arrived.
    """
    if not model.job_level_field or not settings.QUEUE_AGING_MINUTES:
        return 0
    from jobs.services import record_event

    lowest = max(LEVEL_NAMES)
    cutoff = timezone.now() - timedelta(minutes=settings.QUEUE_AGING_MINUTES)
    promoted = 0
    while promoted < most:
        with transaction.atomic():
            jobs = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(status=model.job_statuses.pending, **{model.job_level_field: lowest,
                                                                f"{model.job_queued_field}__lte": cutoff})
                .order_by(model.job_queued_field)[:batch_size]
            )
            if not jobs:
                break
            model.objects.filter(pk__in=[job.pk for job in jobs]).update(**model.job_level_values[lowest - 1])
            for job in jobs:
                record_event(job, status=job.status, stage="queued", message=(
                    f"Waited over {settings.QUEUE_AGING_MINUTES} minutes: moved up to {LEVEL_NAMES[lowest - 1]} "
                    "priority"), data={"promoted_to": LEVEL_NAMES[lowest - 1]})
        promoted += len(jobs)
        if len(jobs) < batch_size:
            break
    return promoted


def a_worker_is_free(now: datetime) -> bool:
    """Whether some live worker process (beat within WORKER_HEARTBEAT_TIMEOUT_SECONDS) runs no job
    of any kind: it will take waiting work when woken, so nothing needs to pause for it."""
    from jobs.models import WorkerHeartbeat
    from jobs.registry import job_models

    busy = set()
    for model in job_models().values():
        busy.update(model.objects.filter(status=model.job_statuses.processing).values_list("worker_name", flat=True))
    alive = WorkerHeartbeat.objects.filter(
        beat_at__gte=now - timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS))
    return alive.exclude(worker_name__in=busy).exists()
