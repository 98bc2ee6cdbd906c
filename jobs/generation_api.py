"""Generation and bulk job endpoints: one APIView per operation; every job belongs to its creator."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.views import APIView

from jobs import selectors, services
from jobs.api_envelope import ApiError, envelope_schema, error_schema, ok, validated
from jobs.filters import GenerationJobFilter
from jobs.models import BulkJob, GenerationJob
from jobs.serializer_fields import QueryIntegerField, TextField, TextPatternField

MAX_BULK_ITEMS = 50


# Words, not markup or instructions: the tone goes into a model's prompt as it is.
TONE_RE = r"^[^\W\d_][\w '&,-]*$"


class GenerationJobInput(serializers.Serializer):
    """A generation brief; which fields are required depends on the mode."""

    mode = serializers.ChoiceField(choices=GenerationJob.Mode.choices)
    topic = TextField(required=False, allow_blank=True, max_length=300, default="")
    keyphrase = TextField(required=False, allow_blank=True, max_length=100, default="")
    keywords = serializers.ListField(child=TextField(max_length=60), required=False, default=list, max_length=20)
    source_text = TextField(required=False, allow_blank=True, max_length=50_000, default="")
    word_count = serializers.IntegerField(min_value=100, max_value=5000, default=800)
    # Any short tone in words ("friendly", "calm but firm"); known ones are listed in the schema.
    tone = TextPatternField(
        TONE_RE, max_length=40, default=GenerationJob.Tone.INFORMATIVE,
        help_text="A short tone in words, e.g. " + ", ".join(GenerationJob.Tone.values) + " or friendly; "
        "passed to the model verbatim, mapped to the nearest known tone by the offline writer.",
        error_messages={"invalid": "tone must be a few words (letters, spaces, - ' & ,), at most 40 characters"},
    )

    def validate(self, data):
        mode = data["mode"]
        data["keywords"] = [k.strip() for k in data.get("keywords", []) if k.strip()]
        if mode == GenerationJob.Mode.TOPIC and not data["topic"].strip():
            raise serializers.ValidationError({"topic": "topic mode needs a topic"})
        if mode == GenerationJob.Mode.KEYWORDS and not data["keywords"]:
            raise serializers.ValidationError({"keywords": "keywords mode needs at least one keyword"})
        if mode == GenerationJob.Mode.SPIN and len(data["source_text"].split()) < 30:
            raise serializers.ValidationError({"source_text": "spin mode needs a source_text of at least 30 words"})
        data["topic"] = data["topic"].strip()
        data["keyphrase"] = data["keyphrase"].strip().lower()
        return data



def owned_job(request, job_id) -> GenerationJob:
    job = GenerationJob.objects.for_owner(request.user).filter(pk=job_id).first()
    if job is None:
        raise ApiError("Job not found", status_code=404, error_code="JOB_NOT_FOUND")
    return job


def owned_bulk(request, bulk_id) -> BulkJob:
    bulk = BulkJob.objects.for_owner(request.user).filter(pk=bulk_id).first()
    if bulk is None:
        raise ApiError("Bulk job not found", status_code=404, error_code="BULK_JOB_NOT_FOUND")
    return bulk


class JobListCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class ListInput(serializers.Serializer):
        limit = QueryIntegerField(min_value=1, max_value=100, default=20)
        offset = QueryIntegerField(min_value=0, default=0)

    @extend_schema(request=GenerationJobInput, responses={201: envelope_schema("GenerationJobCreated"), 400: error_schema()})
    def post(self, request):
        brief = validated(GenerationJobInput, request.data)
        job = services.generation_job_create(owner=request.user, **brief)
        return ok(selectors.generation_job_document(job), status_code=status.HTTP_201_CREATED,
                  message=f"{job.mode} article queued")

    # Named by hand: drf-spectacular names both this list and a job's detail "api_jobs_retrieve".
    @extend_schema(operation_id="api_jobs_list", parameters=[ListInput],
                   responses={200: envelope_schema("GenerationJobList"), 401: error_schema()})
    def get(self, request):
        paging = validated(self.ListInput, request.query_params)
        filterset = GenerationJobFilter(request.query_params, queryset=GenerationJob.objects.for_list_page(request.user))
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        jobs = filterset.qs
        total = jobs.count()
        start, stop = paging["offset"], paging["offset"] + paging["limit"]
        return ok({
            "results": [selectors.generation_job_document(job) for job in jobs[start:stop]],
            "total_count": total,
            "limit": paging["limit"],
            "offset": paging["offset"],
            "has_more": stop < total,
        })


class JobDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: envelope_schema("GenerationJob"), 404: error_schema()})
    def get(self, request, job_id):
        return ok(selectors.generation_job_document(owned_job(request, job_id)))


class JobCancelApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: envelope_schema("GenerationJobCancelled"), 409: error_schema()})
    def post(self, request, job_id):
        job = services.job_cancel(owned_job(request, job_id), reason=f"Cancelled by {request.user.get_username()}")
        return ok(selectors.generation_job_document(job))


class JobRetryApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: envelope_schema("GenerationJobRetried"), 409: error_schema()})
    def post(self, request, job_id):
        job = services.job_retry(owned_job(request, job_id), reason=f"Retry requested by {request.user.get_username()}")
        return ok(selectors.generation_job_document(job))


class JobEventsApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class Input(serializers.Serializer):
        after_id = QueryIntegerField(min_value=0, default=0)
        limit = QueryIntegerField(min_value=1, max_value=1000, default=500)

    @extend_schema(parameters=[Input], responses={200: envelope_schema("GenerationJobEvents"), 404: error_schema()})
    def get(self, request, job_id):
        job = owned_job(request, job_id)
        params = validated(self.Input, request.query_params)
        from jobs.models import ProgressEvent

        events = ProgressEvent.objects.for_job("generation", [job.pk], after_id=params["after_id"])[: params["limit"]]
        return ok({"job_id": str(job.pk), "events": [selectors.event_document(event) for event in events]})


class BulkJobCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class Input(serializers.Serializer):
        items = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=MAX_BULK_ITEMS)

    @extend_schema(request=Input, responses={201: envelope_schema("BulkJobCreated"), 400: error_schema()})
    def post(self, request):
        items = validated(self.Input, request.data)["items"]
        briefs, errors = [], {}
        for index, item in enumerate(items):
            serializer = GenerationJobInput(data=item)
            if serializer.is_valid():
                briefs.append(serializer.validated_data)
            else:
                errors[str(index)] = serializer.errors
        if errors:
            raise serializers.ValidationError({"items": errors})
        bulk = services.bulk_job_create(owner=request.user, items=briefs)
        return ok(
            {"id": str(bulk.pk), "total": bulk.total, "job_ids": [str(pk) for pk in bulk.jobs.order_by("bulk_position").values_list("pk", flat=True)]},
            status_code=status.HTTP_201_CREATED,
            message=f"{bulk.total} articles queued",
        )


class BulkJobDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: envelope_schema("BulkJob"), 404: error_schema()})
    def get(self, request, bulk_id):
        return ok(selectors.bulk_job_progress(owned_bulk(request, bulk_id)))


class BulkJobCancelApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: envelope_schema("BulkJobCancelled"), 404: error_schema()})
    def post(self, request, bulk_id):
        bulk = owned_bulk(request, bulk_id)
        outcome = services.bulk_job_cancel(bulk=bulk, reason=f"Bulk job cancelled by {request.user.get_username()}")
        return ok({**selectors.bulk_job_progress(bulk), **outcome},
                  message=f"{outcome['cancelled']} articles cancelled; {outcome['skipped']} already finished")
