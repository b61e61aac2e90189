"""`nearpeer questions import|export|item-analysis`."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.template.defaultfilters import pluralize

from nearpeer.members.models import Role
from nearpeer.questions import formats, itemstats, services
from nearpeer.questions.models import Tag


class Command(BaseCommand):
    help = "Import and export questions (Moodle XML, GIFT, Anki) and analyse a sat paper."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        imp = sub.add_parser("import", help="Import questions, all or nothing.")
        imp.add_argument("file")
        imp.add_argument("--format", choices=["moodle-xml", "gift"], required=True)
        imp.add_argument(
            "--author",
            help="Email of the member to credit (default: the longest-standing committee member).",
        )
        imp.add_argument(
            "--dry-run",
            action="store_true",
            help="Check only and list per question what comes in, is changed or is left out.",
        )
        imp.add_argument(
            "--skip-unsupported",
            action="store_true",
            help="Leave out items of a type Nearpeer cannot hold (cloze, essay), import the rest.",
        )
        imp.add_argument(
            "--publish", action="store_true", help="Publish at once (an agreed, reviewed bank)."
        )

        exp = sub.add_parser("export", help="Export published questions.")
        exp.add_argument(
            "--tag", action="append", default=[], help="kind:name, e.g. specialty:Cardiology"
        )
        exp.add_argument("--format", choices=["moodle-xml", "gift", "anki"], required=True)
        exp.add_argument("-o", "--output", required=True)

        ana = sub.add_parser(
            "item-analysis", help="Item statistics from candidate,item,response,key"
        )
        ana.add_argument("file")
        ana.add_argument("--format", choices=["csv", "json"], default="json")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _import(self, options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        author = self._author(options["author"])
        try:
            parsed = services.read_import_file(data=data, file_format=options["format"])
        except formats.FormatError as exc:
            raise CommandError(f"{path}: {exc}") from None
        try:
            created = services.import_questions(
                parsed=parsed, author=author, dry_run=options["dry_run"],
                publish=options["publish"], skip_unsupported=options["skip_unsupported"],
            )  # fmt: skip
        except ValidationError as exc:
            if options["dry_run"]:
                # The preview still lists every item, so the refusal can be weighed.
                for row in services.import_preview(parsed):
                    self._preview_row(row)
            raise CommandError(
                f"{path}: nothing imported; fix these and try again:\n"
                + "\n".join(f"  {m}" for m in exc.messages)
                + "\n"
                + services.import_tally(parsed)
            ) from None
        skipped = len(parsed.unsupported)
        if options["dry_run"]:
            for row in services.import_preview(parsed):
                self._preview_row(row)
            n = len(parsed.questions)
            self.stdout.write(f"Dry run: {n} question{pluralize(n)} would be imported.")
        else:
            n = len(created)
            self.stdout.write(self.style.SUCCESS(f"Imported {n} question{pluralize(n)}."))
        if skipped:
            self.stdout.write(
                f"Left out {skipped} unsupported item{pluralize(skipped)} (listed with --dry-run)."
            )

    def _preview_row(self, row: dict) -> None:
        if not row["supported"]:
            self.stdout.write(f"  {row['position']}. left out: {'; '.join(row['left_out'])}")
            return
        self.stdout.write(
            f"  {row['position']}. {row['title']} ({row['qtype']}; key {row['key']}; "
            f"tags {', '.join(row['tags']) or 'none'})"
        )
        for note in row["changed"]:
            self.stdout.write(f"     changed: {note}")
        for note in row["left_out"]:
            self.stdout.write(f"     left out: {note}")
        for note in row["problems"]:
            self.stdout.write(f"     problem: {note}")

    def _author(self, email: str | None):
        users = get_user_model().objects.filter(is_active=True)
        if email:
            author = users.filter(email__iexact=email).first()
            if author is None:
                raise CommandError(f"No member with the email {email}.")
            return author
        author = (
            users.filter(Q(role_grants__role=Role.COMMITTEE) | Q(is_superuser=True))
            .order_by("date_joined", "pk")
            .first()
        )
        if author is None:
            raise CommandError("No committee member to credit: give --author EMAIL.")
        return author

    def _export(self, options):
        tags = []
        for label in options["tag"]:
            kind, _, name = label.partition(":")
            tag = Tag.objects.filter(kind=kind.strip().lower(), name__iexact=name.strip()).first()
            if tag is None:
                raise CommandError(
                    f"No tag {label!r} (write kind:name, e.g. specialty:Cardiology)."
                )
            tags.append(tag)
        questions = services.export_questions(tags=tags)
        output = Path(options["output"])
        deck = " / ".join(t.name for t in tags) or "All questions"
        output.write_bytes(
            services.export_file(
                questions=questions, file_format=options["format"], deck_name=f"Nearpeer · {deck}"
            )
        )
        n = len(questions)
        self.stdout.write(self.style.SUCCESS(f"Exported {n} question{pluralize(n)} to {output}."))

    def _item_analysis(self, options):
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}") from None
        try:
            analysis = itemstats.analyse(itemstats.read_responses_csv(text))
        except itemstats.ResponsesError as exc:
            raise CommandError(f"{path}: {exc}") from None
        out = (
            itemstats.to_json(analysis)
            if options["format"] == "json"
            else itemstats.to_csv(analysis)
        )
        self.stdout.write(out.rstrip("\n"))
