"""Simultaneous requests for one new username, through the real HTTP stack of the live server.

The live server is a threaded WSGI server: every request runs in its own thread with its own
database connection, so the requests really race in PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from profiles.models import ProfileJob

THREADS = 16


def post_all_at_once(url: str, count: int) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(count)
    answers: list = [None] * count

    def post(index: int) -> None:
        request = urllib.request.Request(url, data=b"", method="POST", headers={"Accept": "application/json"})
        try:
            barrier.wait(timeout=30)
            with urllib.request.urlopen(request, timeout=60) as response:
                answers[index] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            answers[index] = (error.code, {"body": error.read().decode(errors="replace")})
        except Exception as error:  # noqa: BLE001 - reported with the other answers
            answers[index] = (None, {"exception": repr(error)})

    threads = [threading.Thread(target=post, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return answers


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_for_one_new_username_queue_exactly_one_job(live_server):
    for username in ("race.one", "race_two", "race.three"):
        answers = post_all_at_once(f"{live_server.url}/api/profile/{username}/request", THREADS)

        assert all(status == 200 and body.get("success") is True for status, body in answers), answers
        data = [body["data"] for _, body in answers]
        new = [d for d in data if d["profile_type"] == "new"]
        queued = [d for d in data if d["profile_type"] == "queued"]
        assert len(new) == 1, data
        assert len(queued) == THREADS - 1, data
        assert all(d["skip_reason"] == "already_in_queue" for d in queued), data
        assert {d["request_id"] for d in data} == {new[0]["request_id"]}, data
        assert {d["job_id"] for d in data} == {new[0]["job_id"]}, data

        rows = ProfileJob.objects.filter(username=username)
        assert rows.count() == 1
        assert rows.get().request_id == new[0]["request_id"]
