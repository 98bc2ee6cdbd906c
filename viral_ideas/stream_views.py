"""The viral-ideas entry's live stream (same machinery as every other job kind)."""

from jobs.streams import db_read, sse_error, sse_response
from viral_ideas.models import ViralIdeasQueue
from viral_ideas.selectors import entry_stream


async def queue_events(request, session_id):
    session_id = (session_id or "").strip()
    if not session_id or len(session_id) > 255:
        return sse_error("Session ID is required (1-255 characters)", status=400)
    entry = await db_read(lambda: ViralIdeasQueue.objects.filter(session_id=session_id).first())
    if entry is None:
        return sse_error("Queue entry not found", session_id=session_id)
    return sse_response(entry_stream(entry), request)
