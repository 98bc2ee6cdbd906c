"""Every state transition of every job kind, one function each.

API views, admin actions, pages and worker tasks all call these; each checks the source state
with a guarded UPDATE (never read-then-write) and refuses with JobStateError when it is wrong.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import socket
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.signals import post_save
from django.utils import timezone

from jobs import read_cache, scheduling
from jobs.read_cache import Change
from jobs.errors import JobError, JobInterrupted
from jobs.models import ProgressEvent, TrackedJob, WorkerHeartbeat
from jobs.registry import job_models

logger = logging.getLogger(__name__)

# NOTIFY channel of progress events; jobs.streams listens on it.
PROGRESS_CHANNEL = "viralspot_progress"


class JobStateError(Exception):
    """The transition does not apply to the job's current state (API answers 409)."""

    def __init__(self, message: str, *, current_status: str = ""):
        super().__init__(message)
        self.message = message
        self.current_status = current_status


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff_delay(attempts_so_far: int) -> timedelta:
    """2^attempts minutes before the next try, capped (JOB_BACKOFF_CAP_MINUTES)."""
    minutes = min(2**attempts_so_far, settings.JOB_BACKOFF_CAP_MINUTES)
    return timedelta(minutes=minutes)


def record_event(
    job: TrackedJob,
    *,
    status: str,
    message: str,
    stage: str | None = None,
    percentage: float | None = None,
    stage_progress: float | None = None,
    data: dict | None = None,
) -> ProgressEvent:
    """Append to the job's history and tell live streams (delivered when the transaction commits)."""
    started = job.attempt_started_at
    event = ProgressEvent.objects.create(
        job_kind=job.job_kind,
        job_id=job.pk,
        status=status,
        stage=job.stage if stage is None else stage,
        percentage=job.progress_percentage if percentage is None else percentage,
        stage_progress=stage_progress,
        message=message[:500],
        attempt=job.attempts,
        data={"started_at": started.isoformat() if started else None, **(data or {})},
    )
    notify_progress(event)
    # This process need not wait for its own notification to stop trusting what it cached.
    _announce_on_commit(Change(kind=job.job_kind))
    return event


def _announce_on_commit(change: Change) -> None:
    transaction.on_commit(lambda: read_cache.reads.changed(change))


# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; a bigger event goes by id only.
NOTIFY_PAYLOAD_LIMIT = 7900


def notify_progress(event: ProgressEvent) -> None:
    """PostgreSQL NOTIFY for the per-process listeners; other databases are polled instead.

    The notification carries the event itself, so a listener hands it to its streams without
    reading it back (only an oversized one is read by id).
    """
    if connection.vendor != "postgresql":
        return
    body = {
        "id": event.pk, "job_kind": event.job_kind, "job_id": str(event.job_id), "status": event.status,
        "stage": event.stage, "percentage": event.percentage, "stage_progress": event.stage_progress,
        "message": event.message, "attempt": event.attempt, "data": event.data,
        "created_at": event.created_at.isoformat(),  # full precision, as a read from the table gives
    }
    envelope = {"id": event.pk, "kind": event.job_kind, "job": str(event.job_id)}
    payload = json.dumps({**envelope, "event": body}, cls=DjangoJSONEncoder)
    if len(payload.encode()) > NOTIFY_PAYLOAD_LIMIT:
        payload = json.dumps(envelope)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [PROGRESS_CHANNEL, payload])


def job_wake_workers(kind: str, *, count: int = 1) -> None:
    """Ask django-q2 for `count` wake-ups of `kind` once the current transaction commits.

    A wake-up only says "there is work of this kind"; the worker then claims the best job, so
    a lost wake-up is caught by the sweeper and a repeated one finds nothing to do. Wake-ups
    of a kind are coalesced per process (jobs.wakeups): a storm of inserts sends a few.
    """
    from jobs.wakeups import wake_ups

    transaction.on_commit(functools.partial(wake_ups.committed, kind, count))


@functools.cache
def _insert_fields(model) -> tuple:
    """The fields an INSERT of `model` writes (as the ORM's: no generated or auto-increment ones)."""
    from django.db.models import AutoField, BigAutoField

    return tuple(f for f in model._meta.concrete_fields
                 if not f.generated and not (f.primary_key and isinstance(f, (AutoField, BigAutoField))))


@functools.lru_cache(maxsize=64)
def _job_insert_sql(model: type[TrackedJob]) -> str:
    """The job row, its first event and the NOTIFY as one statement text per kind, so it is
    prepared once per connection (planning it afresh cost more than running it)."""
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    return _JOB_WRITE_SQL.format(
        settings="",
        job_write=(f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))})"),
        event_insert=(f"INSERT INTO progress_events ({', '.join(quote(f.column) for f in _event_fields())}) "
                f"SELECT {', '.join(['%s'] * len(_event_fields()))} FROM job"),
        notify=notify_event_sql("%s"),
        source="event",
    )


def _insert_values(instance, fields) -> list | None:
    """The INSERT's parameters as the ORM prepares them (auto_now values set on the instance);
    None when a value is an expression, which only the ORM's compiler can write."""
    values = [f.pre_save(instance, True) for f in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return None
    return [f.get_db_prep_save(value, connection) for f, value in zip(fields, values)]


def job_insert(job: TrackedJob, *, message: str = "Queued") -> None:
    """Insert a new job with its first event, and wake a worker once that is committed.

    On PostgreSQL the job row, its event and the NOTIFY are one prepared statement (one round
    trip instead of five: BEGIN, two INSERTs, NOTIFY, COMMIT) — the request endpoint inserts
    jobs in storms. Elsewhere: the ORM and record_event in one transaction. A duplicate the
    kind's constraints refuse raises IntegrityError with nothing written.
    """
    event = _first_event(job, message)
    job_values = _insert_values(job, _insert_fields(type(job))) if connection.vendor == "postgresql" else None
    if job_values is None:
        with transaction.atomic():
            job.save(force_insert=True)
            job_created(job, message=message)
        return
    from jobs.sql import fetch_one_prepared

    params = [*job_values, *_insert_values(event, _event_fields()), PROGRESS_CHANNEL]
    # Inside a caller's transaction a savepoint keeps a refused insert from breaking it.
    with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
        fetch_one_prepared(_job_insert_sql(type(job)), params)
        job_inserted(job)


def _first_event(job: TrackedJob, message: str) -> ProgressEvent:
    return _event_for(job, status=job.status, message=message, stage=job.stage or "queued", percentage=0)


def job_insert_ctes(job: TrackedJob, *, message: str, only_if: str, returning: str) -> tuple[str, dict] | None:
    """PostgreSQL: two CTEs for a statement of the kind's own that inserts `job` as it reads.

    `inserted` inserts the job row if the SQL condition `only_if` holds and none of the kind's
    unique constraints refuses it (ON CONFLICT DO NOTHING: a refusal is no error, so nothing
    needs a savepoint), returning `returning`; `event` appends its first event. The statement
    must select `notify_event_sql("%(channel)s")` from `event`, and call job_inserted() when
    a row came back from `inserted`. Parameters are named jN (the job's), eN (the event's) and
    channel: short, as psycopg caches the parse of short statements only (jobs.sql).
    None when a value is an expression only the ORM can write (then use job_insert()).
    """
    job_values = _insert_values(job, _insert_fields(type(job)))
    if job_values is None:
        return None
    event_values = _insert_values(_first_event(job, message), _event_fields())
    return _job_insert_ctes_sql(type(job), only_if, returning), {
        **{f"j{i}": value for i, value in enumerate(job_values)},
        **{f"e{i}": value for i, value in enumerate(event_values)},
        "channel": PROGRESS_CHANNEL,
    }


@functools.lru_cache(maxsize=64)
def _job_insert_ctes_sql(model: type[TrackedJob], only_if: str, returning: str) -> str:
    quote = connection.ops.quote_name
    fields, event_fields = _insert_fields(model), _event_fields()
    return (
        f"inserted AS (INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT {', '.join(f'%(j{i})s' for i in range(len(fields)))} WHERE {only_if} "
        f"ON CONFLICT DO NOTHING RETURNING {returning}), "
        f"event AS (INSERT INTO progress_events ({', '.join(quote(f.column) for f in event_fields)}) "
        f"SELECT {', '.join(f'%(e{i})s' for i in range(len(event_fields)))} FROM inserted RETURNING *)"
    )


def notify_event_sql(channel_param: str, *, change: str = "") -> str:
    """The NOTIFY of the row `event` for the listeners: the event itself when it fits in a
    notification, else its id to read (jobs.streams). The channel is a statement parameter;
    `change` adds what the read cache may trust about the change (json_build_object arguments,
    e.g. "'change', 'progress'": jobs.read_cache.Change)."""
    envelope = "'id', event.id, 'kind', event.job_kind, 'job', event.job_id" + (f", {change}" if change else "")
    return (
        f"pg_notify({channel_param}::text, CASE WHEN octet_length(row_to_json(event)::text) < "
        f"{NOTIFY_PAYLOAD_LIMIT - 200} THEN json_build_object({envelope}, 'event', row_to_json(event)) "
        f"ELSE json_build_object({envelope}) END::text)"
    )


def job_inserted(job: TrackedJob, *, waiting_at: tuple[int, int] | None = None) -> None:
    """After a statement of our own inserted `job`: it is saved, the cached reads it may change
    end, and a worker is woken once the transaction commits. `waiting_at`, the job's (priority
    rank, queue ticket) when known, ends only the reads it can change (jobs.read_cache)."""
    job._state.adding, job._state.db = False, connection.alias
    if waiting_at is None:
        _announce_on_commit(Change(kind=job.job_kind))
    else:
        _announce_on_commit(Change(kind=job.job_kind, what="insert", job_id=str(job.pk), waiting_at=waiting_at))
    job_wake_workers(job.job_kind)


def job_created(job: TrackedJob, *, message: str = "Queued") -> None:
    """Record the first event of a job that a kind's own service just inserted, and wake a worker."""
    record_event(job, status=job.status, stage=job.stage or "queued", percentage=0, message=message)
    job_wake_workers(job.job_kind)


def job_claim(
    model: type[TrackedJob], *, job_id=None, worker_name: str = "", q_task_id: str = ""
) -> TrackedJob | None:
    """Claim the next due job of `model` (highest priority, then oldest), or that one job.

    PostgreSQL skips rows other workers have locked (SELECT … FOR UPDATE SKIP LOCKED); on SQLite
    the statement is a plain SELECT and the status-guarded UPDATE is what keeps two workers from
    taking the same row. Either way exactly one claimer sees its UPDATE count 1.
    """
    statuses = model.job_statuses
    now = timezone.now()
    worker_name = (worker_name or worker_identity())[:200]
    claim_fields = {
        "status": statuses.processing, "claim_token": uuid.uuid4(), "heartbeat_at": now, "stage": "starting",
        "progress_percentage": 0, "progress_message": "Picked up by a worker", "worker_name": worker_name,
        "q_task_id": q_task_id[:64], "finished_at": None, "error_code": "", "error_stage": "", "error_retryable": False,
        **model.attempt_field_defaults(), model.job_started_field: now, model.job_error_field: None,
    }
    policy = scheduling.claim_policy(model)
    if job_id is not None or not policy.applies:
        # A named job (staff's "process now") is taken whatever the caps say: staff asked for it.
        return _claim_one(model, claim_fields, job_id=job_id, now=now, worker_name=worker_name)
    if policy.uncapped_levels_need_no_lock and connection.vendor == "postgresql":
        # While no job of a capped level is due, the best due job is of a level with no cap, and
        # taking it can break no cap: the one statement, no lock (a crawler's backlog under the
        # default HIGH cap: nearly every claim). Under the lock, with its count and a look per
        # level, that claim took 17 ms instead of 2.2 (median, 4 claimers, 100,000 waiting),
        # the claimers waiting for the lock 58% of the time (make bench, claim cost figure).
        job = _claim_in_one_statement(model, claim_fields, job_id=None, now=now, worker_name=worker_name,
                                      unless_due_at_levels=tuple(sorted(policy.level_caps)))
        if job is not None:
            return job
        # None: a job of a capped level is due (or nothing is); the lock and the count decide.
    with transaction.atomic():
        scheduling.take_claim_lock(model)
        # Another transaction (a cancel) may hold the chosen row for a moment: choose again.
        for _ in range(3):
            chosen = scheduling.choose_next_job(model, policy, now=now)
            if chosen is None:
                return None
            job = _claim_one(model, claim_fields, job_id=chosen, now=now, worker_name=worker_name)
            if job is not None:
                return job
    return None


def _claim_one(model: type[TrackedJob], claim_fields: dict, *, job_id, now, worker_name: str) -> TrackedJob | None:
    """Claim `job_id` if it is still pending, or else the best due job by the kind's claim order."""
    statuses = model.job_statuses
    if connection.vendor == "postgresql":
        return _claim_in_one_statement(model, claim_fields, job_id=job_id, now=now, worker_name=worker_name)
    with transaction.atomic():
        candidates = model.objects.select_for_update(skip_locked=True).filter(status=statuses.pending)
        if job_id is not None:
            candidates = candidates.filter(pk=job_id)
        else:
            candidates = candidates.filter(next_attempt_at__lte=now).order_by(*model.job_claim_order)
        for candidate_pk in candidates.values_list("pk", flat=True)[:5]:
            claimed = model.objects.filter(pk=candidate_pk, status=statuses.pending).update(
                attempts=F("attempts") + 1, **claim_fields
            )
            if claimed:
                job = model.objects.get(pk=candidate_pk)
                record_event(job, status=job.status, message=f"Attempt {job.attempts} started on {worker_name}")
                return job
    return None


def _claim_in_one_statement(model: type[TrackedJob], claim_fields: dict, *, job_id, now, worker_name: str,
                            unless_due_at_levels: tuple[int, ...] = ()):
    """PostgreSQL: pick (FOR UPDATE SKIP LOCKED), claim, record and announce in one statement.

    Seven round trips (BEGIN, SELECT … SKIP LOCKED, UPDATE, SELECT, INSERT, NOTIFY, COMMIT)
    become one: the claim is most of what the fastest jobs cost.

    `unless_due_at_levels` (level numbers): nothing while a job of one of those levels is due,
    and never a job of those levels. The numbers are written into the statement, not passed:
    as parameters, the generic plan sorted the whole backlog (120 ms a claim with 100,000
    waiting); each set of caps is one more prepared statement.
    """
    meta, quote = model._meta, connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    status = quote(meta.get_field("status").column)
    sets, params = [], []
    for name, value in claim_fields.items():
        field = meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    attempts = quote(meta.get_field("attempts").column)
    sets.append(f"{attempts} = {table}.{attempts} + 1")
    pending = model.job_statuses.pending
    if job_id is not None:
        picked = f"SELECT {pk} FROM {table} WHERE {pk} = %s AND {status} = %s FOR UPDATE SKIP LOCKED"
        picked_params = [meta.pk.get_db_prep_value(job_id, connection), pending]
    else:
        order = ", ".join(
            quote(meta.get_field(name.lstrip("-")).column) + (" DESC" if name.startswith("-") else "")
            for name in model.job_claim_order
        )
        next_attempt = quote(meta.get_field("next_attempt_at").column)
        unless, unless_params = "", []
        if unless_due_at_levels:
            level = quote(meta.get_field(model.job_level_field).column)
            levels = ", ".join(str(int(number)) for number in unless_due_at_levels)
            # The level test on the row itself as well: FOR UPDATE re-checks a row's conditions
            # when another transaction changed it meanwhile (a LOW job moved up to a capped level).
            unless = (f"AND {level} NOT IN ({levels}) AND NOT EXISTS (SELECT 1 FROM {table} WHERE {status} = %s "
                      f"AND {level} IN ({levels}) AND {next_attempt} <= %s) ")
            unless_params = [pending, now]
        picked = (f"SELECT {pk} FROM {table} WHERE {status} = %s AND {next_attempt} <= %s {unless}"
                  f"ORDER BY {order} LIMIT 1 FOR UPDATE SKIP LOCKED")
        picked_params = [pending, now, *unless_params]
    columns = [f.column for f in meta.concrete_fields]
    returning = ", ".join(f"{table}.{quote(c)}" for c in columns)
    started = {"started_at": now.isoformat()}
    statement = (
        f"WITH picked AS ({picked}), "
        f"job AS (UPDATE {table} SET {', '.join(sets)} FROM picked WHERE {table}.{pk} = picked.{pk} RETURNING {returning}), "
        "event AS (INSERT INTO progress_events (job_kind, job_id, status, stage, percentage, stage_progress, message, "
        "attempt, data, created_at) SELECT %s::text, job." + quote(meta.pk.column) + ", %s::text, 'starting', 0, NULL, "
        "'Attempt ' || job." + attempts + " || ' started on ' || %s::text, job." + attempts + ", %s::jsonb, %s::timestamptz FROM job "
        "RETURNING *) "
        f"SELECT {', '.join('job.' + quote(c) for c in columns)}, "
        "pg_notify(%s::text, json_build_object('id', event.id, 'kind', event.job_kind, 'job', event.job_id, "
        "'event', row_to_json(event))::text) FROM job, event"
    )
    from jobs.sql import fetch_one_prepared, instance_from_row

    row = fetch_one_prepared(statement, [
        *picked_params, *params, model.job_kind, model.job_statuses.processing, worker_name,
        json.dumps(started), now, PROGRESS_CHANNEL,
    ])
    if row is None:
        return None
    _announce_on_commit(Change(kind=model.job_kind))
    return instance_from_row(model, [f.attname for f in meta.concrete_fields], row[: len(columns)])


def _guarded(job: TrackedJob):
    """The job's row, only while this worker still owns the attempt."""
    return type(job).objects.filter(pk=job.pk, status=job.job_statuses.processing, claim_token=job.claim_token)


def _interruption(job: TrackedJob) -> JobInterrupted:
    current = type(job).objects.filter(pk=job.pk).values_list("status", flat=True).first()
    if current == job.job_statuses.cancelled:
        return JobInterrupted("cancelled")
    return JobInterrupted(f"the job is no longer this worker's (status {current})")


def _event_for(job: TrackedJob, *, status: str, message: str, stage: str | None = None,
               percentage: float | None = None, stage_progress: float | None = None,
               data: dict | None = None) -> ProgressEvent:
    """The history row record_event() would append (not saved)."""
    started = job.attempt_started_at
    return ProgressEvent(
        job_kind=job.job_kind, job_id=job.pk, status=status, stage=job.stage if stage is None else stage,
        percentage=job.progress_percentage if percentage is None else percentage, stage_progress=stage_progress,
        message=message[:500], attempt=job.attempts,
        data={"started_at": started.isoformat() if started else None, **(data or {})},
    )


# One statement: the job's write (a guarded UPDATE, or the INSERT of a new job), the event (only
# if the job's write matched) and its NOTIFY (carrying the event, as notify_progress's do, when
# it fits in a notification).
_JOB_WRITE_SQL = (
    "WITH {settings}job AS ({job_write} RETURNING 1), event AS ({event_insert} RETURNING *) "
    "SELECT event.id, {notify} FROM {source}"
)


@functools.lru_cache(maxsize=256)
def _guarded_write_sql(model: type[TrackedJob], update_names: tuple[str, ...], progress_report: bool) -> str:
    """The statement text for these columns: the same text every time, so it is prepared once.
    A progress report commits without waiting for the WAL, and its notification says it
    changed nothing but the job's progress (jobs.read_cache)."""
    meta, quote = model._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    sets = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in update_names)
    guard = (f"{quote(meta.pk.column)} = %s AND {quote(meta.get_field('status').column)} = %s "
             f"AND {quote(meta.get_field('claim_token').column)} = %s")
    columns = ", ".join(quote(f.column) for f in _event_fields())
    parameters = ", ".join(["%s"] * len(_event_fields()))
    return _JOB_WRITE_SQL.format(
        settings="async_commit AS (SELECT set_config('synchronous_commit', 'off', true)), " if progress_report else "",
        job_write=f"UPDATE {table} SET {sets} WHERE {guard}",
        event_insert=f"INSERT INTO progress_events ({columns}) SELECT {parameters} FROM job",
        notify=notify_event_sql("%s", change="'change', 'progress'" if progress_report else ""),
        source="event, async_commit" if progress_report else "event",
    )


@functools.cache
def _event_fields() -> tuple:
    return tuple(f for f in ProgressEvent._meta.concrete_fields if not f.primary_key)


def _guarded_write_statement(job: TrackedJob, updates: dict, event: ProgressEvent, *, progress_report: bool):
    meta = job._meta
    names = tuple(updates)
    params = [meta.get_field(name).get_db_prep_save(updates[name], connection) for name in names]
    params += [meta.pk.get_db_prep_value(job.pk, connection), job.job_statuses.processing,
               meta.get_field("claim_token").get_db_prep_value(job.claim_token, connection)]
    params += [f.get_db_prep_save(f.pre_save(event, True), connection) for f in _event_fields()]
    params.append(PROGRESS_CHANNEL)
    return _guarded_write_sql(type(job), names, progress_report), params


def _guarded_write(job: TrackedJob, updates: dict, event: ProgressEvent, *, progress_report: bool = False) -> bool:
    """Apply `updates` to the job's row while this worker owns the attempt, and append `event`.

    On PostgreSQL one statement (one round trip instead of BEGIN, UPDATE, INSERT, NOTIFY,
    COMMIT). A `progress_report` (the job stays where it is, only its progress moves) lets the
    commit return before the WAL is on disk: a crash of the database could lose the last few
    reports, never a state change. False when the row is no longer this worker's (nothing
    written).
    """
    change = (Change(kind=job.job_kind, what="progress", job_id=str(job.pk)) if progress_report
              else Change(kind=job.job_kind))
    if connection.vendor != "postgresql":
        with transaction.atomic():
            if not _guarded(job).update(**updates):
                return False
            event.save()
            _announce_on_commit(change)
        return True
    from jobs.sql import fetch_one_prepared

    statement, params = _guarded_write_statement(job, updates, event, progress_report=progress_report)
    row = fetch_one_prepared(statement, params)
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding, event._state.db = False, connection.alias
    if post_save.has_listeners(ProgressEvent):
        # Saved without save(): tell listeners what the ORM would have told them.
        post_save.send(sender=ProgressEvent, instance=event, created=True, update_fields=None, raw=False,
                       using=connection.alias)
    _announce_on_commit(change)
    return True


def job_report_progress(
    job: TrackedJob,
    *,
    stage: str,
    percentage: float,
    message: str = "",
    stage_progress: float | None = None,
    fields: dict | None = None,
    data: dict | None = None,
) -> None:
    """Write progress and heartbeat in their own short transaction, and append an event.

    Doubles as the cancellation check: if the job was cancelled (or recovered and handed to
    another worker) the guarded UPDATE matches nothing and JobInterrupted stops the handler.
    Call it outside any atomic() block, or pollers would not see it until that block commits.
    """
    percentage = max(0.0, min(100.0, float(percentage)))
    now = timezone.now()
    updates = {"stage": stage, "progress_percentage": percentage, "progress_message": message[:500],
               "heartbeat_at": now, **(fields or {})}
    event = _event_for(job, status=job.status, message=message, stage=stage, percentage=percentage,
                       stage_progress=stage_progress, data=data)
    if not _guarded_write(job, updates, event, progress_report=True):
        raise _interruption(job)
    job.stage, job.progress_percentage, job.progress_message, job.heartbeat_at = stage, percentage, message, now
    for name, value in (fields or {}).items():
        setattr(job, name, value)


def job_heartbeat(job: TrackedJob) -> None:
    """Prove the worker is alive during a long step; also notices a cancel."""
    now = timezone.now()
    if not _guarded(job).update(heartbeat_at=now):
        raise _interruption(job)
    job.heartbeat_at = now


def job_complete(job: TrackedJob, *, message: str = "Completed", fields: dict | None = None) -> None:
    """Finish the attempt successfully; call it inside the transaction that stores the results.

    If the worker lost the job meanwhile, JobInterrupted rolls back that whole transaction, so
    a cancelled or recovered job never has its results written twice.
    """
    now = timezone.now()
    started = job.attempt_started_at or now
    duration = max(0.0, (now - started).total_seconds())
    statuses = job.job_statuses
    updates = {"status": statuses.completed, "stage": "completed", "progress_percentage": 100,
               "progress_message": message[:500], "heartbeat_at": now, "finished_at": now,
               "duration_seconds": duration, "next_attempt_at": now, **(fields or {})}
    event = _event_for(job, status=statuses.completed, message=message, stage="completed", percentage=100,
                       data={"duration_seconds": round(duration, 3)})
    # One guarded statement (a transaction of its own, or part of the caller's that stores the
    # results: no savepoint, a refusal rolls the caller's writes back with it).
    if not _guarded_write(job, updates, event):
        raise _interruption(job)
    job.status, job.stage, job.progress_percentage = statuses.completed, "completed", 100
    job.finished_at, job.duration_seconds, job.progress_message = now, duration, message


def job_fail(job: TrackedJob, *, error: BaseException) -> str:
    """End the attempt with an error: back to the queue with backoff, or failed for good.

    Retryable errors (JobError.retryable, and unexpected exceptions, which are usually
    transient) are retried until max_attempts; permanent ones fail at once. Returns the new status.
    """
    statuses = job.job_statuses
    retryable = error.retryable if isinstance(error, JobError) else True
    error_code = error.error_code if isinstance(error, JobError) else "INTERNAL_ERROR"
    text = (error.message if isinstance(error, JobError) else str(error)) or type(error).__name__
    now = timezone.now()
    failed_stage = job.stage
    error_fields = {
        job.job_error_field: text, "error_code": error_code, "error_stage": failed_stage, "error_retryable": retryable,
    }
    if retryable and job.attempts < job.max_attempts:
        next_attempt_at = now + backoff_delay(job.attempts)
        updates = {
            "status": statuses.pending, "stage": "queued", "progress_percentage": 0,
            "progress_message": f"Attempt {job.attempts} failed; retrying at {next_attempt_at:%H:%M:%S} UTC",
            "next_attempt_at": next_attempt_at, "heartbeat_at": None, **job.attempt_field_defaults(), **error_fields,
        }
        new_status, message = statuses.pending, f"Attempt {job.attempts} failed ({error_code}): {text}; retry scheduled"
    else:
        updates = {"status": statuses.failed, "stage": "failed", "progress_message": text[:500], "finished_at": now,
                   "heartbeat_at": now, **error_fields}
        new_status, message = statuses.failed, f"Failed ({error_code}): {text}"
    event = _event_for(job, status=new_status, message=message,
                       stage="queued" if new_status == statuses.pending else "failed",
                       data={"error_code": error_code, "retryable": retryable, "failed_stage": failed_stage})
    if not _guarded_write(job, updates, event):
        logger.info("%s %s: failure after losing the job is ignored (%s)", job.job_kind, job.pk, text)
        return type(job).objects.filter(pk=job.pk).values_list("status", flat=True).first()
    job.status, job.error_code, job.error_stage = new_status, error_code, failed_stage
    setattr(job, job.job_error_field, text)
    return new_status


def job_cancel(job: TrackedJob, *, reason: str = "Cancelled") -> TrackedJob:
    """Cancel a pending or running job; a running worker stops at its next progress report."""
    statuses = job.job_statuses
    now = timezone.now()
    with transaction.atomic():
        updated = type(job).objects.filter(pk=job.pk, status__in=statuses.active).update(
            status=statuses.cancelled, progress_message=reason[:500], finished_at=now
        )
        job.refresh_from_db()
        if not updated:
            raise JobStateError(f"a {job.status} job cannot be cancelled", current_status=job.status)
        record_event(job, status=job.status, message=reason)
    return job


def job_retry(
    job: TrackedJob, *, reason: str = "Retry requested", include_completed: bool = False, wake: bool = True
) -> TrackedJob:
    """Put a failed or cancelled job (or, for a rerun, a completed one) back in the queue.

    The job gets a fresh attempt budget; its event history is kept.
    """
    statuses = job.job_statuses
    allowed = (statuses.failed, statuses.cancelled) + ((statuses.completed,) if include_completed else ())
    now = timezone.now()
    try:
        with transaction.atomic():
            updated = type(job).objects.filter(pk=job.pk, status__in=allowed).update(
                status=statuses.pending,
                attempts=0,
                next_attempt_at=now,
                stage="queued",
                progress_percentage=0,
                progress_message=reason[:500],
                finished_at=None,
                heartbeat_at=None,
                claim_token=None,
                error_code="",
                error_stage="",
                error_retryable=False,
                **job.attempt_field_defaults(),
                **{job.job_error_field: None},
            )
            job.refresh_from_db()
            if not updated:
                raise JobStateError(f"a {job.status} job cannot be retried", current_status=job.status)
            record_event(job, status=job.status, message=reason)
            if wake:
                job_wake_workers(job.job_kind)
    except IntegrityError:
        # A kind may allow one active job per subject (one per username for profiles).
        job.refresh_from_db()
        raise JobStateError("another job for the same subject is already queued or running", current_status=job.status) from None
    return job


def job_process_now(job: TrackedJob, *, by: str = "staff") -> str:
    """Run this job next, ahead of the queue, in a worker; returns the django-q2 task id.

    Refuses while it is processing (one job never runs twice at once); a finished job is put
    back in the queue first (a new run).
    """
    from django_q.tasks import async_task

    job.refresh_from_db()
    statuses = job.job_statuses
    if job.status == statuses.processing:
        raise JobStateError("this job is already being processed", current_status=job.status)
    if job.status != statuses.pending:
        job_retry(job, reason=f"Processing requested by {by}", include_completed=True, wake=False)
    # Called outside a transaction, so the worker can claim the committed row at once.
    return async_task("jobs.tasks.run_job", job.job_kind, str(job.pk), task_name=f"process {job.job_kind} {job.pk} now",
                      group=f"jobs.{job.job_kind}")


def job_recover(job: TrackedJob, *, why: str = "stopped responding") -> str | None:
    """Hand back a job whose worker stopped sending heartbeats (crashed, killed, lost)."""
    statuses = job.job_statuses
    now = timezone.now()
    text = f"Worker {job.worker_name or '?'} {why} during '{job.stage}'"
    error_fields = {
        job.job_error_field: text, "error_code": "WORKER_LOST", "error_stage": job.stage, "error_retryable": True,
    }
    with transaction.atomic():
        if job.attempts < job.max_attempts:
            updated = _guarded(job).update(
                status=statuses.pending,
                stage="queued",
                progress_percentage=0,
                progress_message="Recovered after its worker stopped; waiting for a worker",
                next_attempt_at=now,
                heartbeat_at=None,
                **job.attempt_field_defaults(),
                **error_fields,
            )
            new_status = statuses.pending
        else:
            updated = _guarded(job).update(
                status=statuses.failed, stage="failed", progress_message=text, finished_at=now, **error_fields
            )
            new_status = statuses.failed
        if not updated:
            return None
        job.status = new_status
        requeued = new_status == statuses.pending
        # The stage it is in now (the instance still holds the lost attempt's).
        record_event(job, status=new_status, stage="queued" if requeued else "failed", percentage=0 if requeued else None,
                     message=f"{text}; {'requeued' if requeued else 'failed'}", data={"error_code": "WORKER_LOST"})
        if new_status == statuses.pending:
            job_wake_workers(job.job_kind)
    logger.warning("%s job %s recovered: %s → %s", job.job_kind, job.pk, text, new_status)
    return new_status


def job_hand_back(job: TrackedJob, *, reason: str, error_code: str = "DATABASE_LOST") -> bool:
    """Give a claimed job back to the queue without spending its attempt: its worker lost the
    database mid-job and could not end the attempt (called once the database answers again),
    or was stopped (WORKER_STOPPED).

    Guarded by the claim token like every worker write: if the sweeper recovered the job
    meanwhile, or it was cancelled, nothing changes. True when the job went back to the queue.
    """
    with transaction.atomic():
        handed_back = _back_to_queue_uncounted(
            job, progress_message=f"Handed back ({error_code}); waiting for a worker",
            event_message=f"{reason}; handed back (attempt not counted)",
            fields={"error_code": error_code, "error_stage": job.stage, "error_retryable": True,
                    job.job_error_field: reason[:500]},
            data={"error_code": error_code},
        )
        if handed_back:
            job_wake_workers(job.job_kind)
    if handed_back:
        logger.warning("%s job %s handed back: %s", job.job_kind, job.pk, reason)
    return handed_back


def _back_to_queue_uncounted(job: TrackedJob, *, progress_message: str, event_message: str, fields: dict,
                             data: dict) -> bool:
    """PROCESSING → PENDING, due now, in its old place in line, its attempt not counted (call in atomic())."""
    statuses = job.job_statuses
    updated = _guarded(job).update(
        status=statuses.pending,
        attempts=F("attempts") - 1,
        stage="queued",
        progress_percentage=0,
        progress_message=progress_message,
        next_attempt_at=timezone.now(),
        heartbeat_at=None,
        **job.attempt_field_defaults(),
        **fields,
    )
    if not updated:
        return False
    job.status = statuses.pending
    record_event(job, status=statuses.pending, stage="queued", percentage=0, message=event_message, data=data)
    job.attempts -= 1
    return True


def job_yield_to_waiting(job: TrackedJob) -> TrackedJob | None:
    """Cooperative preemption, asked at a LOW job's progress reports: when a job of a higher level
    is due and no worker is free to take it, put this one back in the queue, paused (attempt not
    counted, place in line kept), and claim that one for this worker instead. Returns the claimed
    job, or None to carry on.

    "No worker is free": every live worker process (WorkerHeartbeat) runs a job, so the higher job
    pauses this one at once; or the higher job has waited QUEUE_PREEMPT_AFTER_SECONDS anyway (a
    worker that looks free may not get its wake-up soon: another cluster's fetcher may hold it).
    Yield and claim are one transaction under the kind's claim lock (jobs.scheduling): of several
    LOW jobs that notice one waiting HIGH job, exactly one yields, and the HIGH job's cap is
    respected (a HIGH job waiting because HIGH is at its cap is no reason to pause anything).
    A job queued longer than QUEUE_AGING_MINUTES is never paused: it has waited its share.
    """
    model = type(job)
    level = scheduling.level_of(job)
    if not settings.QUEUE_PREEMPTION or level is None or level != max(scheduling.LEVEL_NAMES):
        return None
    now = timezone.now()
    if settings.QUEUE_AGING_MINUTES and getattr(job, job.job_queued_field) <= now - timedelta(
            minutes=settings.QUEUE_AGING_MINUTES):
        return None
    statuses = job.job_statuses
    # Without the lock first: on nearly every report nothing better is due.
    higher_due = model.objects.filter(status=statuses.pending, next_attempt_at__lte=now,
                                      **{f"{job.job_level_field}__lt": level})
    if not higher_due.exists():
        return None
    waited_since = now - timedelta(seconds=settings.QUEUE_PREEMPT_AFTER_SECONDS)
    if not scheduling.a_worker_is_free(now):
        waited_since = now
    elif (not higher_due.filter(next_attempt_at__lte=waited_since).exists()
          or model.objects.filter(status__in=statuses.finished, finished_at__gte=waited_since).exists()):
        # A worker looks free. It is given QUEUE_PREEMPT_AFTER_SECONDS to take the job: counted
        # from the job's due time, and from the last finish of the kind (a job waiting for its
        # level's cap became claimable only when a running one ended, whose worker takes it).
        return None
    with transaction.atomic():
        scheduling.take_claim_lock(model)
        chosen = scheduling.choose_next_job(model, scheduling.claim_policy(model), now=now, above_level=level,
                                            due_before=waited_since)
        if chosen is None:
            return None
        paused = _back_to_queue_uncounted(
            job, progress_message="Paused for higher-priority work; waiting for a worker",
            event_message=f"Paused for higher-priority work during '{job.stage}' (attempt not counted); resumes later",
            fields={}, data={"paused_for": str(chosen), "worker": job.worker_name},
        )
        if not paused:
            return None  # cancelled or recovered meanwhile: the handler learns it at its next write
        claimed = job_claim(model, job_id=chosen, worker_name=job.worker_name, q_task_id=job.q_task_id)
        if claimed is None:
            # The chosen job went away between choosing and claiming (cancelled): roll back the
            # pause too, and carry on.
            transaction.set_rollback(True)
            job.status, job.attempts = statuses.processing, job.attempts + 1
            return None
        job_wake_workers(job.job_kind)
    logger.info("%s job %s paused for %s", job.job_kind, job.pk, claimed.pk)
    return claimed


def sweep_lost_jobs() -> int:
    """Recover the running jobs whose worker is lost; how many were recovered.

    A job is lost when its worker process has not beaten for WORKER_HEARTBEAT_TIMEOUT_SECONDS
    (killed, its machine gone), or, as a backstop for a worker that beats while its job is
    stuck, when the job itself has not reported for its kind's timeout. One indexed query per
    kind (status leads an index of every job table; few jobs are running). Any number of
    sweepers may run at once: job_recover is guarded by the claim token, so each lost job is
    recovered once.
    """
    now = timezone.now()
    silent_workers = WorkerHeartbeat.objects.filter(
        beat_at__lt=now - timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS)
    ).values("worker_name")
    recovered = 0
    for model in job_models().values():
        stuck_since = now - timedelta(seconds=model.job_timeout_seconds())
        running = model.objects.filter(status=model.job_statuses.processing)
        for job in running.filter(Q(worker_name__in=silent_workers) | Q(heartbeat_at__lt=stuck_since)):
            stuck = job.heartbeat_at is not None and job.heartbeat_at < stuck_since
            if job_recover(job, why="stopped responding" if stuck else "stopped beating"):
                recovered += 1
    return recovered


def recover_jobs_of_dead_local_processes() -> int:
    """At a worker's start: recover the running jobs owned by processes of this host that are
    gone (no such pid, a zombie, or a later process that reuses the pid); how many.

    A cluster restarted after a crash finds its predecessors' jobs at once instead of waiting
    for their heartbeats to go silent.
    """
    host = socket.gethostname()
    recovered = 0
    for model in job_models().values():
        running = model.objects.filter(status=model.job_statuses.processing, worker_name__startswith=f"{host}:")
        for job in running:
            pid = job.worker_name.rsplit(":", 1)[1]
            if not pid.isdigit() or _process_still_runs(int(pid), since=job.attempt_started_at):
                continue
            if job_recover(job, why="died (its process is gone)"):
                recovered += 1
    return recovered


def _process_still_runs(pid: int, *, since) -> bool:
    """Whether process `pid` of this host is alive and was started before `since` (so it is the
    process that claimed the job then, not a later one that reuses the pid)."""
    if pid == os.getpid():
        return since is None or process_started_at(pid) is None or process_started_at(pid) <= since
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    try:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False  # killed, not yet reaped by its parent
    except (OSError, IndexError):
        pass
    started = process_started_at(pid)
    return since is None or started is None or started <= since + timedelta(seconds=1)


def process_started_at(pid: int):
    """When process `pid` started (Linux /proc; None elsewhere), to the clock tick."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as system:
            boot = next(int(line.split()[1]) for line in system if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    from datetime import datetime, timezone as dt_timezone

    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), tz=dt_timezone.utc)


FORGET_SILENT_WORKERS_AFTER = timedelta(days=1)


def sweep_stale_jobs() -> dict[str, int]:
    """The scheduled sweep: recover lost jobs, move long-waiting LOW jobs up (aging), wake due
    retries, drop old progress events."""
    now = timezone.now()
    summary = {"recovered": sweep_lost_jobs(), "woken": 0, "promoted": 0}
    for kind, model in job_models().items():
        summary["promoted"] += scheduling.promote_aged_jobs(model)
        statuses = model.job_statuses
        due = model.objects.filter(status=statuses.pending, next_attempt_at__lte=now).count()
        if due:
            with transaction.atomic():
                job_wake_workers(kind, count=min(due, settings.Q_WORKERS))
            summary["woken"] += min(due, settings.Q_WORKERS)
    retention_cutoff = now - timedelta(days=settings.PROGRESS_EVENT_RETENTION_DAYS)
    ProgressEvent.objects.filter(created_at__lt=retention_cutoff).delete()
    # Every restart of a worker process leaves a row behind. One silent for a day is long gone
    # (its jobs were recovered WORKER_HEARTBEAT_TIMEOUT_SECONDS after its last beat), and the
    # rows of the dead would otherwise pile up in the admin and in every sweep's lookup.
    summary["forgotten_workers"] = WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_SILENT_WORKERS_AFTER).delete()[0]
    return summary


def worker_beat(worker_name: str | None = None) -> None:
    """This worker process is alive (one UPDATE; the row is made on the first beat)."""
    now = timezone.now()
    name = (worker_name or worker_identity())[:200]
    if not WorkerHeartbeat.objects.filter(worker_name=name).update(beat_at=now):
        pid = os.getpid() if worker_name is None else None
        WorkerHeartbeat.objects.update_or_create(worker_name=name, defaults={
            "beat_at": now, "host": name.rsplit(":", 1)[0], "pid": pid,
            "started_at": process_started_at(pid) if pid else None,
        })


def worker_announce() -> None:
    """A worker process starts: its row says who it is (a reused pid gets the new start time)."""
    pid = os.getpid()
    WorkerHeartbeat.objects.update_or_create(worker_name=worker_identity()[:200], defaults={
        "beat_at": timezone.now(), "host": socket.gethostname()[:200], "pid": pid,
        "started_at": process_started_at(pid),
    })


# --- Generation and bulk jobs -------------------------------------------------------------------


def generation_job_create(*, owner, bulk_job=None, bulk_position: int | None = None, **brief) -> "GenerationJob":
    """Queue one article; `brief` holds mode, topic, keyphrase, keywords, source_text, word_count, tone."""
    from jobs.models import GenerationJob

    with transaction.atomic():
        job = GenerationJob.objects.create(
            owner=owner, bulk_job=bulk_job, bulk_position=bulk_position, stage="queued", **brief
        )
        label = f"{brief['mode']} article" + (f" {bulk_position} of {bulk_job.total}" if bulk_job else "")
        job_created(job, message=f"Queued: {label}")
    return job


def bulk_job_create(*, owner, items: list[dict]) -> "BulkJob":
    """Queue several articles as one bulk job (all or nothing)."""
    from jobs.models import BulkJob

    with transaction.atomic():
        bulk = BulkJob.objects.create(owner=owner, total=len(items))
        for position, brief in enumerate(items, start=1):
            generation_job_create(owner=owner, bulk_job=bulk, bulk_position=position, **brief)
    return bulk


def bulk_job_cancel(*, bulk, reason: str = "Bulk job cancelled") -> dict:
    """Cancel every article of the bulk job that has not finished; finished ones keep their result."""
    cancelled, skipped = 0, 0
    with transaction.atomic():
        for job in bulk.jobs.select_for_update().order_by("bulk_position"):
            try:
                job_cancel(job, reason=reason)
                cancelled += 1
            except JobStateError:
                skipped += 1
        if bulk.cancelled_at is None:
            bulk.cancelled_at = timezone.now()
            bulk.save(update_fields=["cancelled_at", "updated_at"])
    return {"cancelled": cancelled, "skipped": skipped}
