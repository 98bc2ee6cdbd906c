"""The viral-ideas entry's live stream (same machinery as every other job kind)."""

from jobs.streams import db_read, sse_error, sse_response
from viral_ideas.models import ViralIdeasQueue
from viral_ideas.selectors import entry_stream
from viral_ideas.services import session_id_problem


async def queue_events(request, session_id):
    problem = session_id_problem(session_id)
    if problem:
        return sse_error(problem, status=400)
    session_id = session_id.strip()
    entry = await db_read(lambda: ViralIdeasQueue.objects.filter(session_id=session_id).first())
    if entry is None:
        return sse_error("Queue entry not found", session_id=session_id)
    return sse_response(entry_stream(entry), request)
