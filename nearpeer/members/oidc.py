"""University sign-in through OpenID Connect (mozilla-django-oidc), matched to the roster by email.

Off unless NEARPEER_OIDC_CLIENT_ID is set (docs/configuration.md). Nobody gets an account through
it: the university proves who someone is, the roster (or an approved request) decides whether
they are a member.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.utils.decorators import method_decorator
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .invitations import mark_joined
from .models import User


def oidc_enabled() -> bool:
    return bool(settings.NEARPEER_OIDC_ENABLED)


class UniversityBackend(OIDCAuthenticationBackend):
    """Signs in the one active member whose email (any case) is the provider's email claim."""

    def __init__(self, *args, **kwargs):
        # Listed in AUTHENTICATION_BACKENDS even when off, so it must not demand its settings.
        self.UserModel = User
        if oidc_enabled():
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not oidc_enabled():
            return None
        return super().authenticate(request, **kwargs)

    def _email(self, claims: dict) -> str:
        return str(claims.get(settings.NEARPEER_OIDC_EMAIL_CLAIM) or "").strip()

    def verify_claims(self, claims: dict) -> bool:
        return "@" in self._email(claims)

    def describe_user_by_claims(self, claims: dict) -> str:
        return "an email not on the roster"  # no address in the log

    def filter_users_by_claims(self, claims: dict):
        email = self._email(claims)
        if not email:
            return User.objects.none()
        return User.objects.filter(email__iexact=email, is_active=True, erased_at__isnull=True)

    def update_user(self, user: User, claims: dict) -> User:
        mark_joined(member=user)
        return user


class _Enabled:
    def dispatch(self, request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404("University sign-in is not configured.")
        return super().dispatch(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class UniversitySignInView(_Enabled, OIDCAuthenticationRequestView):
    """Sends the browser to the university's sign-in page."""

    def __init__(self, *args, **kwargs):
        if oidc_enabled():
            super().__init__(*args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class UniversityCallbackView(_Enabled, OIDCAuthenticationCallbackView):
    """Where the university sends the browser back with a code."""


university_sign_in = UniversitySignInView.as_view()
university_callback = UniversityCallbackView.as_view()
