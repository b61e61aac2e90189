"""`nearpeer teaching send-held-notices`: run every few minutes (cron, systemd timer)."""

from django.core.management.base import BaseCommand

from nearpeer.teaching.services import send_held_series_notices


class Command(BaseCommand):
    help = "Periodic teaching work: announce series cancellations once their undo time is over."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "send-held-notices",
            help="Tell members about series cancellations that can no longer be undone.",
        )

    def handle(self, *args, action, **options):
        count = send_held_series_notices()
        self.stdout.write(f"Announced {count} series cancellation(s).")
