"""Django admin access as a consequence of the committee role (roles are data, not groups)."""

from django.contrib.auth.backends import BaseBackend

from .permissions import is_committee

# The society's own data, plus django-axes so the committee can lift a sign-in pause.
COMMITTEE_ADMIN_APPS = frozenset(
    {"members", "notifications", "teaching", "questions", "tutorials", "evaluation", "axes"}
)


class CommitteeAdminBackend(BaseBackend):
    """Committee members with admin access (is_staff) may manage the society's models there."""

    def _allowed(self, user, app_label: str) -> bool:
        return bool(user.is_staff and is_committee(user) and app_label in COMMITTEE_ADMIN_APPS)

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return self._allowed(user_obj, perm.split(".", 1)[0])

    def has_module_perms(self, user_obj, app_label) -> bool:
        return self._allowed(user_obj, app_label)
