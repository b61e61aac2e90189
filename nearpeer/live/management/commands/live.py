"""`nearpeer live open|results|control`: run a deck from the command line (and from scripts
that drive the protocol, e.g. bench/live_load.py); `nearpeer live end-finished`, a periodic
command (docs/deployment.md)."""

import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from nearpeer.live import services
from nearpeer.live.models import Deck
from nearpeer.live.protocol import ProtocolError, parse_item_spec
from nearpeer.questions.models import Question


class Command(BaseCommand):
    help = "Open a live deck on a new session, drive it, and read its results from the database."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        opened = sub.add_parser("open", help="Create a deck on a new session and open item 1.")
        opened.add_argument("--title", required=True)
        opened.add_argument(
            "--item",
            action="append",
            required=True,
            help='"choice:PROMPT:OPT1|OPT2|…" (a leading * keys an option), "rating:PROMPT", '
            '"wordcloud:PROMPT", "text:PROMPT" or "question:BANK_ID"; repeat for more items.',
        )
        opened.add_argument(
            "--anonymous", action="store_true", help="Anyone with the code may answer."
        )
        results = sub.add_parser("results", help="Counts per item, from the database, as JSON.")
        results.add_argument("code")
        control = sub.add_parser("control", help="A presenter control, e.g. next or reveal.")
        control.add_argument("code")
        control.add_argument("control", choices=services.CONTROL_ACTIONS)
        control.add_argument("--item", type=int)
        finished = sub.add_parser(
            "end-finished",
            help="End the decks still live well after their session ended (run every few "
            "minutes): they become answerable beside the recording.",
        )
        finished.add_argument(
            "--hours",
            type=float,
            default=services.FINISHED_AFTER.total_seconds() / 3600,
            help="How long after the session's end a live deck counts as forgotten (default 2).",
        )

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _deck(self, code: str) -> Deck:
        deck = Deck.objects.filter(code=code.strip().upper()).first()
        if deck is None:
            raise CommandError(f"No deck has the code {code!r}.")
        return deck

    def _open(self, options):
        specs = []
        for number, raw in enumerate(options["item"], start=1):
            try:
                specs.append(parse_item_spec(raw))
            except ValueError as exc:
                raise CommandError(f"--item {number}: {exc}") from None
        try:
            with transaction.atomic():
                session = services.session_for_cli(title=options["title"])
                deck = services.create_deck(
                    session=session, title=options["title"], allow_anonymous=options["anonymous"]
                )
                items = []
                for number, spec in enumerate(specs, start=1):
                    question = None
                    if spec["kind"] == "question":
                        question = (
                            Question.objects.practisable().filter(pk=spec["question"]).first()
                        )
                        if question is None:
                            raise CommandError(
                                f"--item {number}: no published question {spec['question']}."
                            )
                    try:
                        items.append(
                            services.add_item(
                                deck=deck,
                                kind=spec["kind"],
                                prompt=spec["prompt"],
                                options=spec["options"],
                                correct=spec["correct"],
                                question=question,
                            )
                        )
                    except ValidationError as exc:
                        raise CommandError(f"--item {number}: {' '.join(exc.messages)}") from None
                services.control_deck(deck=deck, action="open")
        except ProtocolError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            json.dumps(
                {
                    "code": deck.code,
                    "presenter_token": deck.presenter_token,
                    "items": [
                        {
                            "id": item.pk,
                            "kind": item.kind,
                            "options": item.options,
                            "prompt": item.prompt,
                        }
                        for item in items
                    ],
                }
            )
        )

    def _results(self, options):
        self.stdout.write(json.dumps(services.results_summary(self._deck(options["code"]))))

    def _control(self, options):
        deck = self._deck(options["code"])
        try:
            deck = services.control_deck(
                deck=deck, action=options["control"], item_id=options["item"]
            )
        except ProtocolError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps({"code": deck.code, "version": deck.version}))

    def _end_finished(self, options):
        if not options["hours"] >= 0:
            raise CommandError("--hours must be 0 or more.")
        ended = services.end_finished_decks(after=timedelta(hours=options["hours"]))
        self.stdout.write(json.dumps({"ended": [deck.code for deck in ended]}))
