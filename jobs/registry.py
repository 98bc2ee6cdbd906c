"""Which job kinds exist: every concrete TrackedJob model, found through the app registry."""

from functools import cache

from django.apps import apps

from jobs.models import TrackedJob


@cache
def job_models() -> dict[str, type[TrackedJob]]:
    kinds = {}
    for model in apps.get_models():
        if issubclass(model, TrackedJob) and not model._meta.abstract:
            kinds[model.job_kind] = model
    return kinds


def job_model(kind: str) -> type[TrackedJob]:
    try:
        return job_models()[kind]
    except KeyError:
        raise LookupError(f"unknown job kind {kind!r}; known: {sorted(job_models())}") from None
