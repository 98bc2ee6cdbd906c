"""Query-string filters of the generation-job listing (django-filter)."""

import django_filters

from jobs.models import GenerationJob


class GenerationJobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GenerationJob.Status.choices)
    mode = django_filters.ChoiceFilter(choices=GenerationJob.Mode.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    created_date = django_filters.DateFilter(field_name="created_at", lookup_expr="date")

    class Meta:
        model = GenerationJob
        fields = ["status", "mode", "created_after", "created_before", "created_date"]
