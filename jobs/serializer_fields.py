"""Serializer fields that take what a client sent at its word.

DRF is lenient in two ways a client cannot rely on: a text field turns a number or a boolean into
text (`"topic": 0` became the topic "0"), and a query parameter sent empty (`?offset=`) counts as
not sent, so the default is used silently. Both hide a client's mistake; these fields answer 400
instead.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.fields import empty


class _TextOnly:
    default_error_messages = {"not_text": "Must be text, not {kind}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text", kind=type(data).__name__)
        return super().to_internal_value(data)


class TextField(_TextOnly, serializers.CharField):
    """A CharField that refuses numbers, booleans, lists and objects."""


class TextPatternField(_TextOnly, serializers.RegexField):
    """A RegexField that refuses numbers, booleans, lists and objects."""


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter: absent → the default, present but empty → 400."""

    def get_value(self, dictionary):
        if self.field_name in dictionary and dictionary[self.field_name] == "":
            return ""  # to_internal_value refuses it ("A valid integer is required.")
        return super().get_value(dictionary)
