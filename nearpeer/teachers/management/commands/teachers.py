"""`nearpeer teachers certificate --email EMAIL --term TERM` and key and feedback housekeeping."""

import json

from django.core.management.base import BaseCommand, CommandError

from nearpeer.members.models import User
from nearpeer.teachers import credentials, keys, services
from nearpeer.teachers.terms import TermError


class Command(BaseCommand):
    help = (
        "Teachers' tools. Subcommands: certificate, rotate-key, request-feedback, close-feedback."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        cert = sub.add_parser(
            "certificate", help="Issue a term certificate; prints its URLs as JSON."
        )
        cert.add_argument("--email", required=True)
        cert.add_argument("--term", required=True, help="e.g. autumn-2026")
        rotate = sub.add_parser(
            "rotate-key", help="Put a new signing key first; old keys stay published."
        )
        rotate.add_argument(
            "--if-missing", action="store_true", help="only create a key when there is none"
        )
        sub.add_parser("close-feedback", help="Close feedback on sessions past their window.")
        sub.add_parser(
            "request-feedback", help="Ask attendees of sessions that just ended for feedback."
        )

    def handle(self, *args, action, **options):
        if action == "certificate":
            self.certificate(options["email"], options["term"])
        elif action == "rotate-key":
            kid, created = keys.rotate_key_file(only_if_missing=options["if_missing"])
            self.stderr.write(f"{'new' if created else 'current'} signing key: {kid}")
        elif action == "close-feedback":
            self.stderr.write(f"{services.close_due_feedback()} session(s) closed")
        elif action == "request-feedback":
            self.stderr.write(f"{services.request_due_feedback()} session(s) asked")

    def certificate(self, email: str, term: str) -> None:
        holder = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if holder is None:
            raise CommandError(f"--email {email}: no active member with this email")
        try:
            certificate = services.issue_term_certificate(holder=holder, term=term)
        except TermError as exc:
            raise CommandError(f"--term: {exc}") from exc
        except services.TeachersError as exc:
            raise CommandError(str(exc)) from exc
        url = credentials.credential_url(certificate.code)
        self.stdout.write(
            json.dumps({"code": certificate.code, "url": url, "jwt_url": url.rstrip("/") + ".jwt"})
        )
