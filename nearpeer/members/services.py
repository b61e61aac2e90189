"""Member workflows: roster import, roles, profile data export and erasure."""

import inspect
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from nearpeer.core.hooks import app_modules

from . import signals
from .models import Role, RoleGrant, User, YearChangeRequest
from .permissions import may_change_credentials, may_edit_account
from .roster import RosterRow

security_log = logging.getLogger("nearpeer.security")


def client_address(request) -> str:
    """The client's address as django-axes sees it (after NEARPEER_PROXY_COUNT proxies), so
    every throttle and the lockout count the same address."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or ""


@dataclass
class RosterPlan:
    """What an import does: rows to create, to update (with the old values), and unchanged."""

    create: list[RosterRow] = field(default_factory=list)
    update: list[tuple[RosterRow, User]] = field(default_factory=list)
    unchanged: list[RosterRow] = field(default_factory=list)
    # Rows that would change a superuser, from someone who is not one: left alone.
    protected: list[RosterRow] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "created": len(self.create),
            "updated": len(self.update),
            "unchanged": len(self.unchanged),
        }

    def actions(self) -> list[tuple[RosterRow, str]]:
        """Each row with what happens to it, in file order (for the preview table)."""
        labelled = [(r, "new member") for r in self.create]
        labelled += [(r, f"update (was {u.name}, year {u.year or '—'})") for r, u in self.update]
        labelled += [(r, "no change") for r in self.unchanged]
        labelled += [(r, "left alone: only a superuser edits a superuser") for r in self.protected]
        return sorted(labelled, key=lambda pair: pair[0].line)


def plan_roster_import(*, rows: Sequence[RosterRow]) -> RosterPlan:
    """Compare rows with existing members. No side effects (one query)."""
    # Emails compare without case: Ada@… and ada@… are one person.
    existing = {
        u.email.lower(): u
        for u in User.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=[r.email for r in rows]
        )
    }
    plan = RosterPlan()
    for row in rows:
        user = existing.get(row.email)
        if user is None:
            plan.create.append(row)
        elif (user.name, user.year) != (row.name, row.year):
            plan.update.append((row, user))
        else:
            plan.unchanged.append(row)
    return plan


@transaction.atomic
def import_roster(
    *, rows: Sequence[RosterRow], by: User | None, dry_run: bool = False
) -> RosterPlan:
    """Create new members (with no usable password: they set one through the reset flow or the
    committee) and update the name and year of existing ones, all in one transaction.

    Side effects: User rows created/updated (none when dry_run); a security log line.
    """
    plan = plan_roster_import(rows=rows)
    if by is not None and not by.is_superuser:
        plan.protected = [r for r, u in plan.update if u.is_superuser]
        plan.update = [(r, u) for r, u in plan.update if not u.is_superuser]
    if dry_run:
        return plan
    now = timezone.now()
    User.objects.bulk_create(
        [
            User(
                email=row.email,
                name=row.name,
                year=row.year,
                password=make_password(None),
                date_joined=now,
            )
            for row in plan.create
        ]
    )
    # One UPDATE per changed member: measured faster than bulk_update's CASE chains here.
    for row, user in plan.update:
        User.objects.filter(pk=user.pk).update(name=row.name, year=row.year)
    security_log.info("roster import by user %s: %s", by.pk if by else "command line", plan.summary)
    return plan


@transaction.atomic
def set_roles(*, member: User, roles: set[str], by: User) -> tuple[set[str], set[str]]:
    """Make the member's roles exactly `roles`. Committee members get Django admin access
    (is_staff) with the committee role and lose it with it. Only a superuser changes another
    person's roles (PermissionError otherwise).

    Side effects: RoleGrant rows created/deleted; is_staff updated; security log line.
    Returns (granted, revoked).
    """
    if not (may_change_credentials(by, member) and may_edit_account(by, member)):
        raise PermissionError("only a superuser changes another person's roles")
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    current = set(RoleGrant.objects.filter(user=member).values_list("role", flat=True))
    granted, revoked = set(roles) - current, current - set(roles)
    if Role.COMMITTEE in revoked and not (
        RoleGrant.objects.filter(role=Role.COMMITTEE, user__is_active=True)
        .exclude(user=member)
        .exists()
    ):
        raise ValueError("the society needs at least one committee member")
    RoleGrant.objects.bulk_create([RoleGrant(user=member, role=r) for r in sorted(granted)])
    RoleGrant.objects.filter(user=member, role__in=revoked).delete()
    is_staff = Role.COMMITTEE in roles or member.is_superuser
    if member.is_staff != is_staff:
        member.is_staff = is_staff
        member.save(update_fields=["is_staff"])
    member.__dict__.pop("roles", None)
    if granted or revoked:
        security_log.info(
            "roles of user %s changed by user %s: granted %s, revoked %s",
            member.pk,
            by.pk,
            sorted(granted),
            sorted(revoked),
        )
    return granted, revoked


@transaction.atomic
def request_year_change(
    *, member: User, year: int | None, intercalating: bool, reason: str
) -> YearChangeRequest:
    """A member asks the committee for another year of study; a new request replaces the
    member's pending one.

    Side effects: YearChangeRequest created or updated; year_change_requested sent on commit
    (the notifications app tells the committee).
    """
    if year is None and intercalating:
        raise ValueError("only a year of study can be an intercalated year")
    pending = (
        YearChangeRequest.objects.select_for_update()
        .filter(member=member, status=YearChangeRequest.Status.PENDING)
        .first()
    )
    if pending is None:
        pending = YearChangeRequest(member=member)
    pending.year, pending.intercalating, pending.reason = year, intercalating, reason.strip()
    pending.created_at = timezone.now()
    pending.save()
    transaction.on_commit(
        lambda: signals.year_change_requested.send(sender=YearChangeRequest, request=pending)
    )
    return pending


@transaction.atomic
def decide_year_change(*, request: YearChangeRequest, approve: bool, by: User) -> YearChangeRequest:
    """The committee approves (the member's year and intercalation change) or declines a
    pending request. A committee member does not decide their own.

    Side effects: the request's status, decided_at and decided_by saved; on approval the
    member's year and intercalating saved; security log line; year_change_decided sent on
    commit (the notifications app tells the member).
    """
    request = (
        YearChangeRequest.objects.select_for_update().select_related("member").get(pk=request.pk)
    )
    if request.status != YearChangeRequest.Status.PENDING:
        raise ValueError("this request was already decided")
    if request.member_id == by.pk and not by.is_superuser:
        raise PermissionError("another committee member decides your own request")
    member = request.member
    if approve:
        member.year, member.intercalating = request.year, request.intercalating
        member.save(update_fields=["year", "intercalating"])
    request.status = (
        YearChangeRequest.Status.APPROVED if approve else YearChangeRequest.Status.DECLINED
    )
    request.decided_at, request.decided_by = timezone.now(), by
    request.save(update_fields=["status", "decided_at", "decided_by"])
    security_log.info(
        "year request %s of user %s %s by user %s", request.pk, member.pk, request.status, by.pk
    )
    transaction.on_commit(
        lambda: signals.year_change_decided.send(sender=YearChangeRequest, request=request)
    )
    return request


def export_member_data(*, member: User) -> dict:
    """Everything Nearpeer holds about the member that is linked to them (UK GDPR right of
    access). Anonymous answers are not linked to anyone and so cannot be included.

    Every app, members included, adds its part through an optional `nearpeer.<app>.privacy`
    module with `export_member_data(*, member) -> dict` (and `erase_member_data(*, member)`
    for erasure); its data appears under the app's label.

    Side effects: none.
    """
    from axes.models import AccessFailureLog, AccessLog

    def iso(value):
        return value.isoformat() if value else None

    data = {
        "profile": {
            "email": member.email,
            "name": member.name,
            "year": member.year,
            "intercalating": member.intercalating,
            "phase": member.phase,
            "roles": sorted(member.role_grants.values_list("role", flat=True)),
            "date_joined": iso(member.date_joined),
            "last_login": iso(member.last_login),
        },
        # The member's own sign-in log: when, from which address and browser.
        "sign_ins": [
            {
                "at": iso(log.attempt_time),
                "signed_out_at": iso(log.logout_time),
                "address": log.ip_address,
                "browser": log.user_agent,
            }
            for log in AccessLog.objects.filter(username=member.email).order_by("attempt_time")
        ],
        "failed_sign_ins": [
            {"at": iso(log.attempt_time), "address": log.ip_address, "browser": log.user_agent}
            for log in AccessFailureLog.objects.filter(username=member.email).order_by(
                "attempt_time"
            )
        ],
    }
    for label, module in _privacy_modules():
        if hasattr(module, "export_member_data"):
            data[label] = module.export_member_data(member=member)
    return data


def _privacy_modules():
    return app_modules("privacy")


def _accepts(function, name: str) -> bool:
    return name in inspect.signature(function).parameters


@transaction.atomic
def erase_member(*, member: User, by: User) -> None:
    """Erase a member's personal data (UK GDPR right to erasure) while keeping the rows that
    feed the society's totals (registrations, attendance, material views) pointing at an
    anonymous, deactivated account with no year, no dates of its own and no sign-in time.

    Side effects: name/email replaced, year, intercalation and last sign-in cleared, date
    joined set to the erasure time, password made unusable, account deactivated; the sign-in
    log deleted; every app's privacy hook erases or anonymises its part (see each
    `<app>/privacy.py`); a security log line. Only a superuser erases a superuser
    (PermissionError).
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    if not may_edit_account(by, member):
        raise PermissionError("only a superuser erases a superuser")
    old_email = member.email
    now = timezone.now()
    member.name = "Erased member"
    member.email = f"erased-{member.pk}@erased.invalid"
    member.set_unusable_password()
    member.is_active = False
    member.is_staff = False
    member.is_superuser = False
    member.year = None
    member.intercalating = False
    # No date of its own: joining and last sign-in would date the person's time here.
    member.date_joined = now
    member.last_login = None
    member.erased_at = now
    member.save(
        update_fields=[
            "name",
            "email",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "year",
            "intercalating",
            "date_joined",
            "last_login",
            "erased_at",
        ]
    )
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=old_email).delete()
    for _, module in _privacy_modules():
        if hasattr(module, "erase_member_data"):
            # Hooks whose rows hold the address itself (codings) ask for it by name.
            extra = {"email": old_email} if _accepts(module.erase_member_data, "email") else {}
            module.erase_member_data(member=member, **extra)
    member.__dict__.pop("roles", None)
    security_log.info("user %s erased by user %s", member.pk, by.pk)
