"""Query-string filters of the reels/posts listing (django-filter)."""

import django_filters

from profiles.models import Content


class ContentFilter(django_filters.FilterSet):
    min_views = django_filters.NumberFilter(field_name="view_count", lookup_expr="gte", min_value=0)
    max_views = django_filters.NumberFilter(field_name="view_count", lookup_expr="lte", min_value=0)
    min_outlier_score = django_filters.NumberFilter(field_name="outlier_score", lookup_expr="gte", min_value=0)
    date_from = django_filters.DateFilter(field_name="date_posted", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="date_posted", lookup_expr="date__lte")
    content_type = django_filters.ChoiceFilter(choices=Content.ContentType.choices)

    class Meta:
        model = Content
        fields = ["min_views", "max_views", "min_outlier_score", "date_from", "date_to", "content_type"]
