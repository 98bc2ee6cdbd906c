"""Async views serving the live streams (never tie up a sync worker with an open stream)."""

from jobs import selectors
from jobs.models import BulkJob, GenerationJob
from jobs.streams import db_read, release_request_connection, sse_error, sse_response, stream_user, unauthenticated


async def generation_job_progress(request, job_id):
    user = await stream_user(request)
    if user is None:
        return unauthenticated()
    job = await db_read(lambda: GenerationJob.objects.for_owner(user).filter(pk=job_id).first())
    await release_request_connection()
    if job is None:
        return sse_error("Job not found", job_id=str(job_id))
    return sse_response(selectors.generation_stream(job), request)


async def bulk_job_progress(request, bulk_id):
    user = await stream_user(request)
    if user is None:
        return unauthenticated()
    bulk = await db_read(lambda: BulkJob.objects.for_owner(user).filter(pk=bulk_id).first())
    await release_request_connection()
    if bulk is None:
        return sse_error("Bulk job not found", bulk_job_id=str(bulk_id))
    source = await db_read(selectors.bulk_stream, bulk)
    return sse_response(source, request)
