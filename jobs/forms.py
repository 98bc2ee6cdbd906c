"""The new-article form of the /jobs/new page."""

from __future__ import annotations

from django import forms

from jobs.generation_api import GenerationJobInput
from jobs.models import GenerationJob

MODE_HELP = [
    ("Topic", "an article about the topic you give."),
    ("Keywords", "an article around your keywords; the first is the focus keyphrase."),
    ("Trends", "the topic is picked from the stored reels that outperformed their account the most."),
    ("Spin", "rewrites your source text (at least 30 words); there is no research stage."),
]


def _messages(errors) -> list[str]:
    """A serializer's errors for one field, flattened (a list field reports them per item)."""
    if isinstance(errors, dict):
        return [message for nested in errors.values() for message in _messages(nested)]
    if isinstance(errors, list):
        return [message for nested in errors for message in _messages(nested)]
    return [str(errors)]


class GenerationJobForm(forms.Form):
    mode = forms.ChoiceField(
        choices=GenerationJob.Mode.choices, initial=GenerationJob.Mode.TOPIC, widget=forms.RadioSelect,
    )
    topic = forms.CharField(required=False, max_length=300, help_text="Needed in topic mode; optional otherwise.")
    keyphrase = forms.CharField(
        required=False, max_length=100, label="Focus keyphrase", help_text="Optional; derived from the topic when empty.",
    )
    keywords = forms.CharField(
        required=False, max_length=1200, help_text="Keywords mode: separate them with commas (up to 20).",
    )
    source_text = forms.CharField(
        required=False, max_length=50_000, widget=forms.Textarea(attrs={"rows": 6}), label="Source text",
        help_text="Spin mode: the text to rewrite.",
    )
    word_count = forms.IntegerField(min_value=100, max_value=5000, initial=800, label="Word count")
    tone = forms.ChoiceField(choices=GenerationJob.Tone.choices, initial=GenerationJob.Tone.INFORMATIVE)

    mode_help = MODE_HELP

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # The API's own input rules (which fields each mode needs), so a brief the page accepts is
        # one the API would accept too; its errors land on the matching fields here.
        data = {**cleaned, "keywords": [k for k in (cleaned.get("keywords") or "").split(",") if k.strip()]}
        serializer = GenerationJobInput(data=data)
        if not serializer.is_valid():
            for field, errors in serializer.errors.items():
                for message in _messages(errors):
                    self.add_error(field if field in self.fields else None, message)
            return cleaned
        self.brief = dict(serializer.validated_data)
        return cleaned
