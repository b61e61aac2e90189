"""Store every email in one spelling (lower case, no blanks) before the database is told to
refuse emails that differ only by case (next migration).

Two accounts whose emails differ only by case are one address twice. Merging them here could
join two people's data on a guess, so nothing is merged: the account used most recently (last
sign-in, then the newest) keeps the address; each other one is deactivated and given a
placeholder address that names the kept account, and every conflict is printed and logged so
the committee can merge by hand in the admin.
"""

import logging
from collections import defaultdict

from django.db import migrations

log = logging.getLogger("nearpeer.security")


def _key(user):
    # Most recent sign-in first; never-signed-in accounts after, newest first.
    return (user.last_login is not None, user.last_login or user.date_joined, user.pk)


def plan_normalisation(users) -> tuple[dict[int, str], list[str]]:
    """(new email per user id that must change, report lines). No side effects."""
    groups = defaultdict(list)
    for user in users:
        groups[user.email.strip().lower()].append(user)
    changes, report = {}, []
    for email, accounts in groups.items():
        accounts.sort(key=_key, reverse=True)
        keep, *others = accounts
        if keep.email != email:
            changes[keep.pk] = email
        for other in others:
            local, _, domain = email.partition("@")
            changes[other.pk] = f"{local}+duplicate-{other.pk}@{domain or 'invalid'}"
            report.append(
                f"email conflict: user {other.pk} ({other.email!r}) and user {keep.pk} "
                f"({keep.email!r}) differ only by case; user {keep.pk} keeps {email!r}, "
                f"user {other.pk} is deactivated as {changes[other.pk]!r}: merge by hand"
            )
    return changes, report


def normalise(apps, schema_editor):
    User = apps.get_model("members", "User")
    users = list(User.objects.only("pk", "email", "last_login", "date_joined"))
    changes, report = plan_normalisation(users)
    # Placeholders first, so no intermediate state holds two equal addresses.
    for pk, email in sorted(changes.items(), key=lambda item: "+duplicate-" not in item[1]):
        fields = {"email": email}
        if "+duplicate-" in email:
            fields["is_active"] = False
        User.objects.filter(pk=pk).update(**fields)
    for line in report:
        print(f"\n  {line}")
        log.warning(line)


class Migration(migrations.Migration):
    dependencies = [("members", "0002_user_erased_at")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
