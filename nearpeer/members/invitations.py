"""The ways in: invitations (a link to choose a first password) and requests for access.

Kept apart from services.py so the roster and role rules there stay as they are; the roster import
calls `send_invitations` for the members it creates.
"""

import logging
import secrets
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import AccessRequest, Invitation, User

security_log = logging.getLogger("nearpeer.security")
INVITATION_SALT = "nearpeer.members.invitation"  # a namespace for signing, not a secret


class InvitationInvalid(Exception):
    """The link is unknown, replaced by a newer one, already used, or too old."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class InvitationResult:
    sent: list[User] = field(default_factory=list)
    bounced: list[tuple[User, str]] = field(default_factory=list)
    skipped: list[User] = field(default_factory=list)


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"m": invitation.member_id, "n": invitation.nonce}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    path = reverse("members:invitation-accept", kwargs={"token": invitation_token(invitation)})
    return settings.SITE_URL + path


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link stands for, if it may still be used. No side effects."""
    max_age = settings.NEARPEER_INVITATION_DAYS * 24 * 60 * 60
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvitationInvalid("expired") from exc
    except signing.BadSignature as exc:
        raise InvitationInvalid("unknown") from exc
    invitation = (
        Invitation.objects.select_related("member")
        .filter(member_id=data.get("m"), member__is_active=True, member__erased_at__isnull=True)
        .first()
    )
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(data.get("n"))):
        raise InvitationInvalid("replaced")
    if invitation.accepted_at:
        raise InvitationInvalid("used")
    return invitation


def send_invitations(*, members: Iterable[User], by: User | None) -> InvitationResult:
    """Send each member (active, not erased, not yet joined) a fresh invitation link; the
    previous link of a resent invitation stops working.

    Side effects: Invitation rows created/updated (one transaction per member, so a failing mail
    server leaves the ones already sent recorded); one email per member; a member whose address
    the mail server refuses is marked bounced; a security log line.
    """
    result = InvitationResult()
    connection = get_connection()
    days = settings.NEARPEER_INVITATION_DAYS
    for member in members:
        if not member.is_active or member.erased_at or member.has_usable_password():
            result.skipped.append(member)
            continue
        with transaction.atomic():
            invitation, created = Invitation.objects.select_for_update().get_or_create(
                member=member, defaults={"nonce": secrets.token_hex(16)}
            )
            if not created:
                invitation.nonce = secrets.token_hex(16)
                invitation.send_count += 1
            invitation.sent_at = timezone.now()
            invitation.bounced_at = None
            invitation.bounce_reason = ""
            context = {
                "member": member,
                "url": invitation_url(invitation),
                "days": days,
                "society_name": settings.NEARPEER_SOCIETY_NAME,
                "sign_in_url": settings.SITE_URL + reverse("members:login"),
            }
            message = EmailMessage(
                subject=f"You are invited to {settings.NEARPEER_SOCIETY_NAME} on Nearpeer",
                body=render_to_string("members/invitation_email.txt", context),
                to=[member.email],
                connection=connection,
            )
            try:
                message.send()
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
                invitation.bounced_at = timezone.now()
                invitation.bounce_reason = _reason(exc)
                result.bounced.append((member, invitation.bounce_reason))
            else:
                result.sent.append(member)
            invitation.save()
    security_log.info(
        "invitations by user %s: %s sent, %s bounced",
        by.pk if by else "command line",
        len(result.sent),
        len(result.bounced),
    )
    return result


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values()]
        return "; ".join(codes)[:200] or "refused"
    return str(exc)[:200]


@transaction.atomic
def mark_bounced(*, emails: Iterable[str], reason: str) -> int:
    """Record bounces reported later by the mail provider. Returns how many were marked.

    Side effects: Invitation rows updated.
    """
    lowered = {e.strip().lower() for e in emails if e.strip()}
    invitations = Invitation.objects.annotate(email=Lower("member__email")).filter(
        email__in=lowered, accepted_at__isnull=True
    )
    return invitations.update(bounced_at=timezone.now(), bounce_reason=reason[:200])


@transaction.atomic
def accept_invitation(*, invitation: Invitation, password: str) -> User:
    """The member chose a password through their invitation link.

    Side effects: the member's password set; the invitation marked joined; a security log line.
    """
    member = invitation.member
    member.set_password(password)
    member.save(update_fields=["password"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    security_log.info("invitation accepted by user %s", member.pk)
    return member


def mark_joined(*, member: User) -> None:
    """A member signed in another way (university sign-in): their invitation is settled.

    Side effects: the member's open invitation, if any, marked accepted.
    """
    Invitation.objects.filter(member=member, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )


@transaction.atomic
def request_access(
    *, email: str, name: str, year: int | None, message: str
) -> AccessRequest | None:
    """Someone asks to join. A second request from the same address while one waits, or from
    a current member, changes nothing (the page they see is the same, so it does not reveal
    who is a member).

    Side effects: an AccessRequest row, unless one is waiting or the address is a member's.
    """
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        return None
    if AccessRequest.objects.filter(
        email__iexact=email, status=AccessRequest.Status.PENDING
    ).exists():
        return None
    return AccessRequest.objects.create(
        email=email, name=name.strip(), year=year, message=message.strip()
    )


def approve_access_request(*, access_request: AccessRequest, by: User) -> InvitationResult:
    """Create the member (no usable password) and send them an invitation.

    Side effects: a User row (unless the address became a member's meanwhile), the request
    marked approved, an invitation email; security log lines.
    """
    with transaction.atomic():
        request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
        if request.status != AccessRequest.Status.PENDING:
            raise ValueError("this request was already decided")
        member = User.objects.filter(email__iexact=request.email).first()
        if member is None:
            member = User.objects.create(
                email=request.email,
                name=request.name,
                year=request.year,
                password=make_password(None),
            )
        request.status = AccessRequest.Status.APPROVED
        request.decided_at = timezone.now()
        request.decided_by = by
        request.save(update_fields=["status", "decided_at", "decided_by"])
        security_log.info("access request %s approved by user %s", request.pk, by.pk)
    return send_invitations(members=[member], by=by)


@transaction.atomic
def decline_access_request(*, access_request: AccessRequest, by: User) -> None:
    """Side effects: the request marked declined (no email is sent)."""
    updated = AccessRequest.objects.filter(
        pk=access_request.pk, status=AccessRequest.Status.PENDING
    ).update(status=AccessRequest.Status.DECLINED, decided_at=timezone.now(), decided_by=by)
    if not updated:
        raise ValueError("this request was already decided")


def invite_new_members(*, plan, by: User | None) -> InvitationResult:
    """Invite the members a roster import just created (`plan` is its RosterPlan).

    Side effects: as send_invitations.
    """
    emails = [row.email for row in plan.create]
    members = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
    return send_invitations(members=list(members), by=by)
