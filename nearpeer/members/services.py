"""Member workflows: roster import, roles, profile data export and erasure."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from nearpeer.core.hooks import app_modules

from .models import Role, RoleGrant, User
from .roster import RosterRow

security_log = logging.getLogger("nearpeer.security")


@dataclass
class RosterPlan:
    """What an import does: rows to create, to update (with the old values), and unchanged."""

    create: list[RosterRow] = field(default_factory=list)
    update: list[tuple[RosterRow, User]] = field(default_factory=list)
    unchanged: list[RosterRow] = field(default_factory=list)

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
    (is_staff) with the committee role and lose it with it.

    Side effects: RoleGrant rows created/deleted; is_staff updated; security log line.
    Returns (granted, revoked).
    """
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


def export_member_data(*, member: User) -> dict:
    """Everything Nearpeer holds about the member that is linked to them (UK GDPR right of
    access). Anonymous answers are not linked to anyone and so cannot be included.

    Other apps add their part through an optional `nearpeer.<app>.privacy` module with
    `export_member_data(*, member) -> dict` (and `erase_member_data(*, member)` for erasure);
    their data appears under the app's label.

    Side effects: none.
    """
    from nearpeer.notifications.models import Notification, NotificationPreference
    from nearpeer.teaching.models import Attendance, MaterialView, Registration, SessionTeacher

    def iso(value):
        return value.isoformat() if value else None

    preference = NotificationPreference.objects.filter(member=member).first()
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
        "registrations": [
            {
                "session": r.session.title,
                "starts_at": iso(r.session.starts_at),
                "status": r.status,
                "registered_at": iso(r.created_at),
            }
            for r in Registration.objects.filter(member=member).select_related("session")
        ],
        "attendance": [
            {
                "session": a.session.title,
                "starts_at": iso(a.session.starts_at),
                "checked_in_at": iso(a.checked_in_at),
                "method": a.method,
            }
            for a in Attendance.objects.filter(member=member).select_related("session")
        ],
        "materials_viewed": [
            {"material": v.material.title, "first_viewed_at": iso(v.first_viewed_at)}
            for v in MaterialView.objects.filter(member=member).select_related("material")
        ],
        "notifications": [
            {
                "category": n.category,
                "title": n.title,
                "body": n.body,
                "url": n.url,
                "created_at": iso(n.created_at),
                "read_at": iso(n.read_at),
                "emailed_at": iso(n.emailed_at),
            }
            for n in Notification.objects.filter(recipient=member)
        ],
        "notification_preferences": preference.as_dict() if preference else None,
        "sessions_taught": [
            {"session": t.session.title, "starts_at": iso(t.session.starts_at), "role": t.role}
            for t in SessionTeacher.objects.filter(teacher=member).select_related("session")
        ],
    }
    for label, module in _privacy_modules():
        if hasattr(module, "export_member_data"):
            data[label] = module.export_member_data(member=member)
    return data


def _privacy_modules():
    return ((label, m) for label, m in app_modules("privacy") if label != "members")


@transaction.atomic
def erase_member(*, member: User, by: User) -> None:
    """Erase a member's personal data (UK GDPR right to erasure) while keeping the rows that
    feed the society's totals (registrations, attendance, material views) pointing at an
    anonymous, deactivated account.

    Side effects: name/email replaced, password made unusable, account deactivated, upcoming
    registrations cancelled by the teaching app (its waiting lists move up), roles,
    notifications, preferences, the calendar feed and sign-in logs deleted; a security log line.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from nearpeer.notifications.models import Notification, NotificationPreference

    old_email = member.email
    member.name = "Erased member"
    member.email = f"erased-{member.pk}@erased.invalid"
    member.set_unusable_password()
    member.is_active = False
    member.is_staff = False
    member.is_superuser = False
    member.intercalating = False
    member.erased_at = timezone.now()
    member.save(
        update_fields=[
            "name",
            "email",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "intercalating",
            "erased_at",
        ]
    )
    RoleGrant.objects.filter(user=member).delete()
    Notification.objects.filter(recipient=member).delete()
    NotificationPreference.objects.filter(member=member).delete()
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=old_email).delete()
    for _, module in _privacy_modules():
        if hasattr(module, "erase_member_data"):
            module.erase_member_data(member=member)
    member.__dict__.pop("roles", None)
    security_log.info("user %s erased by user %s", member.pk, by.pk)
