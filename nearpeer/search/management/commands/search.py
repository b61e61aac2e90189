"""`nearpeer search QUERY --as EMAIL [--kind resource|question|session|series]`: the same search as
the web page, as that member would see it, printed as JSON in rank order."""

import json

from django.core.management.base import BaseCommand, CommandError

from nearpeer.members.models import User
from nearpeer.search import index


class Command(BaseCommand):
    help = "Search as a member would; prints {'results': [{kind, id, title, url}]} in rank order."

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--as", dest="email", required=True, help="the member's email")
        parser.add_argument("--kind", choices=sorted(index.providers()))
        parser.add_argument("--limit", type=int, default=20, help="at most this many (max 100)")

    def handle(self, *args, query, email, kind=None, limit=20, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active member with the email {email!r}.")
        if not 1 <= limit <= 100:
            raise CommandError("--limit must be between 1 and 100.")
        page = index.search(user, query, kinds=[kind] if kind else None, per_page=limit)
        results = [
            {"kind": r.kind, "id": r.object_id, "title": r.title, "url": r.url}
            for r in page.results
        ]
        self.stdout.write(json.dumps({"results": results}, ensure_ascii=False))
