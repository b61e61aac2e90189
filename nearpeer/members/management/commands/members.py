"""`nearpeer members import FILE [--dry-run] [--invite]`: add and update members from a roster CSV
(and email the new ones an invitation); `nearpeer members invite EMAIL…` sends or resends
invitations; `nearpeer members bounced EMAIL… --reason TEXT` records bounces the mail provider
reported later."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nearpeer.members import invitations
from nearpeer.members.models import User
from nearpeer.members.roster import MAX_BYTES, parse_roster
from nearpeer.members.services import import_roster


class Command(BaseCommand):
    help = "Manage members from the command line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        importer = sub.add_parser(
            "import", help="Import a roster CSV (email,name,year); all rows or none."
        )
        importer.add_argument(
            "file", type=Path, help="The CSV file (UTF-8, header email,name,year)."
        )
        importer.add_argument(
            "--dry-run", action="store_true", help="Check and summarise; change nothing."
        )
        importer.add_argument(
            "--invite",
            action="store_true",
            help="Email each new member an invitation (a link to choose a password).",
        )
        inviter = sub.add_parser("invite", help="Send or resend invitations to these members.")
        inviter.add_argument("emails", nargs="+", metavar="EMAIL")
        bounced = sub.add_parser("bounced", help="Mark these members' invitations as bounced.")
        bounced.add_argument("emails", nargs="+", metavar="EMAIL")
        bounced.add_argument("--reason", default="reported by the mail provider")

    def handle(self, *args, action, **options):
        if action == "invite":
            return self._invite(options["emails"])
        if action == "bounced":
            count = invitations.mark_bounced(emails=options["emails"], reason=options["reason"])
            self.stdout.write(f"{count} invitation(s) marked bounced.")
            return None
        return self._import(options)

    def _invite(self, emails: list[str]) -> None:
        members, unknown = [], []
        for email in emails:
            member = User.objects.filter(email__iexact=email.strip()).first()
            (members.append(member) if member else unknown.append(email))
        if unknown:
            raise CommandError(f"No member has the email: {', '.join(unknown)}. Nothing was sent.")
        self._report(invitations.send_invitations(members=members, by=None))

    def _report(self, result: invitations.InvitationResult) -> None:
        self.stdout.write(
            f"Invitations: {len(result.sent)} sent, {len(result.bounced)} refused by the mail "
            f"server, {len(result.skipped)} skipped (already have a password or inactive)."
        )
        for member, reason in result.bounced:
            self.stderr.write(f"refused: {member.email}: {reason}")

    def _import(self, options) -> None:
        path: Path = options["file"]
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise CommandError(f"{path}: {size:,} bytes; the limit is {MAX_BYTES:,} bytes.")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        rows, errors = parse_roster(data)
        if errors:
            for error in errors:
                self.stderr.write(f"{path}: {error}")
            raise CommandError(f"{len(errors)} problem(s) found; nothing was imported.")
        plan = import_roster(rows=rows, by=None, dry_run=options["dry_run"])
        s = plan.summary
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{verb} {len(rows)} row(s): {s['created']} new, {s['updated']} updated, "
            f"{s['unchanged']} unchanged."
        )
        if options["invite"] and not options["dry_run"] and plan.create:
            self._report(invitations.invite_new_members(plan=plan, by=None))
