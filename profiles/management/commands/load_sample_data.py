"""Seed a fresh install with a few sample accounts, fetched through the real profile pipeline.

By default the seeds are queued as LOW-priority crawler jobs, so the worker fetches them in the
background with the same timings as any request (their durations feed the ETAs), and a user's
HIGH-priority request started meanwhile goes first. Only some accounts are seeded; the others
are left for a newcomer to request. Idempotent: stored or queued accounts are skipped.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.runner import run_job_now
from profiles.models import PrimaryProfile, ProfileJob, Source
from profiles.services import profile_request

SEED_ACCOUNTS = [
    "chef.tomas", "sourdough_sadie", "liftwithjonah", "runwithsana", "budget.with.bree",
    "carryon_claire", "techtalk.tara", "skinfacts.sam", "solopreneur.sol", "dadjokes.dev",
]


class Command(BaseCommand):
    help = "Queue the seed sample accounts (offline provider) so the site has data on first start."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", help=f"default: {' '.join(SEED_ACCOUNTS)}")
        parser.add_argument("--sync", action="store_true", help="fetch them now, in this process")

    def handle(self, *args, usernames, sync, **options):
        if settings.INSTAGRAM_PROVIDER != "offline":
            self.stdout.write("INSTAGRAM_PROVIDER is not 'offline'; no sample data loaded.")
            return
        queued = loaded = 0
        for username in usernames or SEED_ACCOUNTS:
            answer = profile_request(username=username, source=Source.CRAWLER)
            if answer["profile_type"] != "new":
                continue
            queued += 1
            if sync:
                job = ProfileJob.objects.get(request_id=answer["request_id"])
                if run_job_now(job) == ProfileJob.Status.COMPLETED:
                    loaded += 1
                else:
                    self.stderr.write(f"@{username}: not loaded ({job.error_message})")
        stored = PrimaryProfile.objects.count()
        if sync:
            self.stdout.write(f"Sample data: {loaded} account(s) fetched; {stored} stored.")
        else:
            self.stdout.write(f"Sample data: {queued} account(s) queued for the worker; {stored} stored.")
