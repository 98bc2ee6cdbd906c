"""Who may operate jobs from the API: the same people the staff console lets do it.

The admin's job operations (cancel, retry, process now) are `permissions=["change"]` actions
and change-page buttons behind `has_change_permission`, inside an admin site that admits only
active staff. An API endpoint that does the same thing asks the same question, so a staff
account without the model permission (refused by the admin with 403) is refused here too.
"""

from __future__ import annotations

from rest_framework import permissions

# The model permissions the admin's job operations need, per job kind (TrackedJobAdmin's
# actions and buttons: has_change_permission on the job's model).
CHANGE_PROFILE_JOBS = "profiles.change_profilejob"
CHANGE_VIRAL_ENTRIES = "viral_ideas.change_viralideasqueue"


def is_staff_with(user, permission: str) -> bool:
    """Whether `user` may do, outside the admin, what the admin lets them do with `permission`.

    Active staff holding the permission (a superuser holds every permission); the same three
    conditions as the admin site plus ModelAdmin.has_change_permission.
    """
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(permission)
    )


def staff_with_permission(permission: str) -> type[permissions.BasePermission]:
    """A DRF permission class admitting active staff who hold `permission` (see is_staff_with).

    Anonymous callers are refused first as not authenticated (401 with WWW-Authenticate, as
    with IsAdminUser), everyone else who lacks the permission with 403.
    """

    class StaffWithPermission(permissions.BasePermission):
        message = f"Staff with the {permission} permission only (the staff console asks for the same)."

        def has_permission(self, request, view) -> bool:
            return is_staff_with(request.user, permission)

    StaffWithPermission.__name__ = StaffWithPermission.__qualname__ = f"StaffWith_{permission.replace('.', '_')}"
    return StaffWithPermission
