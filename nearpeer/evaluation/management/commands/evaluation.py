"""`nearpeer evaluation import|report|import-codes|export-codes|export-qdpx|import-qdpx|remind`."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from nearpeer.evaluation import exports, services
from nearpeer.evaluation.forms import parse_keep, parse_type_overrides
from nearpeer.evaluation.models import Survey
from nearpeer.evaluation.parsing import PARSERS, ParseError, parse
from nearpeer.evaluation.refi import RefiError

security_log = logging.getLogger("nearpeer.security")


class Command(BaseCommand):
    help = "Evaluation: import survey exports and codes, write grouped reports, exchange REFI-QDA."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import responses (all or nothing).")
        imp.add_argument("file")
        imp.add_argument("--format", choices=sorted(PARSERS), required=True)
        imp.add_argument("--survey", required=True, help="Survey slug; created if missing.")
        imp.add_argument("--title", default="", help="Title for a new survey.")
        imp.add_argument("--type", action="append", default=[], metavar="QID=KIND")
        imp.add_argument(
            "--keep",
            action="append",
            default=[],
            metavar="COLUMN=REASON",
            help="Keep a column the screening drops as identifying; the reason is logged.",
        )
        imp.add_argument("--dry-run", action="store_true")
        rep = sub.add_parser("report", help="Grouped descriptive report.")
        rep.add_argument("survey")
        rep.add_argument("--group", action="append", default=[], metavar="NAME=QID:VALUE[|VALUE…]")
        rep.add_argument("--format", choices=["csv", "xlsx", "html"], default="csv")
        rep.add_argument("--suppress", action="store_true", help="Suppress small cells.")
        rep.add_argument("-o", "--output", required=True)
        codes = sub.add_parser(
            "import-codes", help="Import codes CSV: response_id,question,code,coder."
        )
        codes.add_argument("file")
        codes.add_argument("--survey", required=True)
        codes.add_argument("--dry-run", action="store_true")
        exp = sub.add_parser("export-codes", help="Write the codes CSV.")
        exp.add_argument("survey")
        exp.add_argument("-o", "--output", required=True)
        qdpx = sub.add_parser("export-qdpx", help="Write the coded project as REFI-QDA (.qdpx).")
        qdpx.add_argument("survey")
        qdpx.add_argument("-o", "--output", required=True)
        iq = sub.add_parser("import-qdpx", help="Read codes back from a REFI-QDA project.")
        iq.add_argument("file")
        iq.add_argument("--survey", required=True)
        iq.add_argument("--dry-run", action="store_true", help="Check and count; change nothing.")
        remind = sub.add_parser("remind", help="Remind audience members who have not answered.")
        remind.add_argument("survey")
        remind.add_argument(
            "--everyone",
            action="store_true",
            help="Remind the whole audience (stores nothing about who has answered).",
        )

    def _survey(self, slug: str) -> Survey:
        try:
            return Survey.objects.get(slug=slug)
        except Survey.DoesNotExist:
            raise CommandError(f"no survey with slug {slug!r}") from None

    def _read(self, path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None

    def handle(self, *args, action, **options):
        getattr(self, "do_" + action.replace("-", "_"))(**options)

    def do_import(self, *, file, format, survey, title, type, keep, dry_run, **_):
        try:
            types = parse_type_overrides(type)
            kept = parse_keep(keep)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        data = self._read(file)
        try:
            parsed = parse(data, fmt=format, types=types, keep=kept)
        except ParseError as exc:
            raise CommandError("nothing imported:\n  " + "\n  ".join(exc.errors)) from None
        target = Survey.objects.filter(slug=survey).first()
        if target is None:
            target = Survey(slug=survey, title=title or survey.replace("-", " ").capitalize())
            if not dry_run:
                target.save()
        if target.pk is None:
            summary = (
                f"would create survey {survey} with {len(parsed.questions)} questions"
                f" and {len(parsed.rows)} responses"
            )
        else:
            try:
                result = services.import_responses(survey=target, parsed=parsed, dry_run=dry_run)
            except ParseError as exc:
                raise CommandError("nothing imported:\n  " + "\n  ".join(exc.errors)) from None
            verb = "would import" if dry_run else "imported"
            summary = (
                f"{verb} {result.responses} responses, {result.answers} answers; "
                f"questions: {result.questions_created} new, {result.questions_updated} updated"
            )
        self.stdout.write(summary)
        for q in parsed.questions:
            self.stdout.write(f"  {q.qid}: {q.kind} — {q.text[:60]}")
        self.stdout.write(
            f"dropped columns (never stored): {', '.join(parsed.dropped_columns) or 'none'}"
        )
        self.stdout.write("columns:")
        for line in parsed.preview():
            self.stdout.write(f"  {line}")
        if not dry_run:
            for d in parsed.decisions:
                if d.kept and d.reason:
                    security_log.info(
                        "survey import kept flagged column %r: %s", d.header, d.reason
                    )

    def do_report(self, *, survey, group, format, suppress, output, **_):
        target = self._survey(survey)
        try:
            groups = services.parse_groups(group)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        known = set(target.questions.values_list("qid", flat=True))
        for g in groups:
            for qid, _values in g.conditions:
                if qid not in known:
                    raise CommandError(f"group {g.name!r}: no question {qid} in {survey}")
        report = services.survey_report(
            survey=target,
            groups=groups,
            suppress_below=settings.NEARPEER_MIN_GROUP_SIZE if suppress else None,
        )
        content = {
            "csv": exports.report_csv,
            "xlsx": exports.report_xlsx,
            "html": lambda r: exports.report_html(r, title=target.title),
        }[format](report)
        Path(output).write_bytes(content)
        for g in report.groups:
            shown = "withheld (too small or isolating)" if g.withheld else g.size
            self.stdout.write(f"{g.name}: {shown}")
        self.stdout.write(f"wrote {output}")

    def do_import_codes(self, *, file, survey, dry_run, **_):
        target = self._survey(survey)
        try:
            n = services.import_codes_csv(survey=target, data=self._read(file), dry_run=dry_run)
        except ParseError as exc:
            raise CommandError("nothing imported:\n  " + "\n  ".join(exc.errors)) from None
        self.stdout.write(f"{'would import' if dry_run else 'imported'} {n} codings")

    def do_export_codes(self, *, survey, output, **_):
        Path(output).write_text(
            services.export_codes_csv(survey=self._survey(survey)), encoding="utf-8"
        )
        self.stdout.write(f"wrote {output}")

    def do_export_qdpx(self, *, survey, output, **_):
        Path(output).write_bytes(services.export_qdpx(survey=self._survey(survey)))
        self.stdout.write(f"wrote {output}")

    def do_import_qdpx(self, *, file, survey, dry_run=False, **_):
        try:
            result = services.import_qdpx(
                survey=self._survey(survey), data=self._read(file), dry_run=dry_run
            )
        except RefiError as exc:
            raise CommandError(f"nothing imported: {exc}") from None
        self.stdout.write(result.summary())

    def do_remind(self, *, survey, everyone=False, **_):
        count = services.send_reminders(survey=self._survey(survey), everyone=everyone)
        self.stdout.write(f"reminded {count} members")
