"""The profile job's live stream: the status endpoint, pushed instead of polled."""

from jobs.streams import db_read, sse_error, sse_response
from profiles.models import ProfileJob
from profiles.selectors import profile_stream
from profiles.services import InvalidUsername, normalize_username


async def profile_events(request, username):
    try:
        username = normalize_username(username)
    except InvalidUsername as error:
        return sse_error(str(error), status=400)
    job = await db_read(lambda: ProfileJob.objects.filter(username=username).order_by("-timestamp").first())
    if job is None:
        return sse_error(f"No profile job for {username}", username=username)
    return sse_response(profile_stream(job), request)
