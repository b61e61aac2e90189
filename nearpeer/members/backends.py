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


def axes_username(request, credentials: dict | None) -> str:
    """The account django-axes counts failures against: the normalised email, so `A@x` and
    `a@x` are one account for the lockout as they are for sign-in (every sign-in form,
    the admin's included)."""
    from .models import normalise_email

    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    return normalise_email(raw or "")


def client_ip(request) -> str:
    """The client's address for the lockout and every throttle. Behind NEARPEER_PROXY_COUNT
    proxies that we run, the client is the entry that many places from the right of
    X-Forwarded-For (entries further left are whatever the client chose to send); with no
    proxy, the connection's own address. Without this, every client behind the production
    proxy shares the proxy's address: one attacker would pause everybody."""
    from django.conf import settings

    proxies = settings.NEARPEER_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "") or ""
