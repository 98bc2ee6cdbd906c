"""One claiming process for `make bench`'s claim-cost figure: claims profile jobs back to back, as a
worker's drain loop does, and times each claim.

Each claim is `jobs.services.job_claim(ProfileJob)` on this process's own database connection,
and the job is then completed at once (so the running count stays what a real cluster's is, a few
jobs, however long the loop runs). Only the claim is timed. The settings come from the
environment like a worker's (QUEUE_MAX_RUNNING_HIGH=0 and no other cap: the one-statement claim;
otherwise the policy path under the claim lock). Prints one JSON object.

    DATABASE_URL=… python bench/claim_loop.py --seconds 3 --start-at <unix time>
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--start-at", type=float, default=0.0,
                        help="unix time to begin at, so several processes claim over the same seconds")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "viralspot.settings")
    import django

    django.setup()
    from django.db import connection

    from jobs.services import job_claim, job_complete
    from profiles.models import ProfileJob

    connection.ensure_connection()  # connecting is not part of a claim
    delay = args.start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    claim_ms: list[float] = []
    empty = 0
    started = time.perf_counter()
    deadline = started + args.seconds
    while time.perf_counter() < deadline:
        before = time.perf_counter()
        job = job_claim(ProfileJob)
        claim_ms.append((time.perf_counter() - before) * 1000)
        if job is None:
            empty += 1
            continue
        job_complete(job)
    elapsed = time.perf_counter() - started
    json.dump({"claims": len(claim_ms) - empty, "empty_claims": empty, "seconds": round(elapsed, 3),
               "claim_ms": [round(ms, 4) for ms in claim_ms]}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
