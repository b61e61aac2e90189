"""`nearpeer notifications send-reminders|send-due`: run every few minutes (cron, systemd timer)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from nearpeer.notifications.services import send_due_emails, send_session_reminders


class Command(BaseCommand):
    help = "Periodic notification work: session reminders and emails held back by quiet hours."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reminders = sub.add_parser(
            "send-reminders", help="Remind registered members of sessions starting soon."
        )
        reminders.add_argument(
            "--hours",
            type=float,
            default=24,
            help="Remind about sessions starting within this many hours (default 24).",
        )
        sub.add_parser("send-due", help="Send emails whose quiet hours have ended.")

    def handle(self, *args, action, **options):
        if action == "send-reminders":
            hours = options["hours"]
            if not 0 < hours <= 24 * 14:
                raise CommandError("--hours must be more than 0 and at most 336 (two weeks).")
            count = send_session_reminders(within=timedelta(hours=hours))
            self.stdout.write(f"Sent {count} session reminder(s).")
        else:
            count = send_due_emails()
            self.stdout.write(f"Sent {count} due email(s).")
