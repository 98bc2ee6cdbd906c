"""The profile request form of the profiles page."""

from django import forms

from profiles.services import InvalidUsername, normalize_username


class ProfileRequestForm(forms.Form):
    username = forms.CharField(
        label="Instagram username",
        max_length=40,
        help_text="With or without the @, e.g. @fit_with_mara.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_username(self) -> str:
        # The service's own rule, so the form and the API accept exactly the same names.
        try:
            return normalize_username(self.cleaned_data["username"])
        except InvalidUsername as error:
            raise forms.ValidationError(str(error)) from None
