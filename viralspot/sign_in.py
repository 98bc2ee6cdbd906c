"""The sign-in forms of the pages (/accounts/login/) and the admin, under the API's limits.

POST /api/auth/token counts failed sign-ins per username and per client address
(jobs.throttling.LoginAttempt); the two HTML sign-in forms check the same passwords, so they take
their places in the same buckets: a guesser gains nothing by switching doors. A refused form says
when to try again, whether or not the password was right and whether or not the user exists.
"""

from __future__ import annotations

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from rest_framework.exceptions import Throttled

from jobs.throttling import LoginAttempt


class _CountedSignIn:
    def clean(self):
        try:
            attempt = LoginAttempt.begin_with(self.request, self.data.get("username"), self.data.get("password"))
        except Throttled as throttled:
            raise forms.ValidationError(
                "Too many failed sign-ins. Try again in %(seconds)s seconds.",
                code="throttled", params={"seconds": math.ceil(throttled.wait or 1)},
            ) from None
        cleaned = super().clean()
        if attempt is not None:
            attempt.succeeded()
        return cleaned


class ThrottledAuthenticationForm(_CountedSignIn, AuthenticationForm):
    """/accounts/login/"""


class ThrottledAdminAuthenticationForm(_CountedSignIn, AdminAuthenticationForm):
    """/admin/login/ (staff only, as Django's own)."""
