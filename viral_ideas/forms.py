"""The new-analysis form of /viral-ideas/new: a creator, their competitors and their content strategy."""

from __future__ import annotations

import re

from django import forms

from profiles.services import InvalidUsername, normalize_username

MAX_COMPETITORS = 20
_SEPARATORS = re.compile(r"[\s,;]+")


class ViralIdeasForm(forms.Form):
    primary_username = forms.CharField(
        label="Your Instagram username", max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    competitors = forms.CharField(
        label="Competitors", max_length=1000,
        help_text=f"Up to {MAX_COMPETITORS} usernames, one per line or separated by commas.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    content_type = forms.CharField(label="Content type", max_length=500, help_text="e.g. quick weeknight recipes")
    target_audience = forms.CharField(label="Target audience", max_length=500, help_text="e.g. busy parents")
    goals = forms.CharField(label="Goals", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    additional_notes = forms.CharField(
        label="Additional notes", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_primary_username(self) -> str:
        try:
            return normalize_username(self.cleaned_data["primary_username"])
        except InvalidUsername as error:
            raise forms.ValidationError(str(error)) from None

    def clean_competitors(self) -> list[str]:
        names, problems = [], []
        for raw in _SEPARATORS.split(self.cleaned_data["competitors"]):
            if not raw:
                continue
            try:
                name = normalize_username(raw)
            except InvalidUsername as error:
                problems.append(f"{raw!r}: {error}")
                continue
            if name not in names:
                names.append(name)
        if problems:
            raise forms.ValidationError(problems)
        if len(names) > MAX_COMPETITORS:
            raise forms.ValidationError(f"At most {MAX_COMPETITORS} competitors, please ({len(names)} given).")
        return names

    def clean(self):
        cleaned = super().clean()
        primary, competitors = cleaned.get("primary_username"), cleaned.get("competitors")
        if primary and competitors is not None:
            others = [name for name in competitors if name != primary]
            if not others:
                self.add_error("competitors", "Name at least one competitor other than yourself.")
            else:
                cleaned["competitors"] = others
        return cleaned

    def content_strategy(self) -> dict:
        """The strategy in the API's field names (contentType, targetAudience, goals, additionalNotes)."""
        data = self.cleaned_data
        return {
            "contentType": data["content_type"].strip(),
            "targetAudience": data["target_audience"].strip(),
            "goals": data["goals"].strip(),
            "additionalNotes": data.get("additional_notes", "").strip(),
        }
