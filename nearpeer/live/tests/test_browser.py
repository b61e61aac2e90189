"""A presenter runs a three-item deck in one Chromium context; three phone-sized participants
answer (two of them with a leaderboard nickname, shown after the reveal); the full-screen results
view updates without a reload; axe finds nothing serious.

Served by a real uvicorn (WebSockets need ASGI), so it runs in the PostgreSQL pass."""

import os

import pytest
from playwright.sync_api import expect

from nearpeer.core.tests.browser import CHROMIUM_ARGS, PHONE  # noqa: F401 - same browser set-up
from nearpeer.live import services
from nearpeer.live.models import Answer, ItemKind
from nearpeer.members.tests.factories import teacher
from nearpeer.teaching.models import SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

from .servers import signed_in_cookie, uvicorn_server

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("NEARPEER_SHOTS_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"live-{name}.png"), full_page=True)


def test_presenter_runs_three_items_and_phones_answer(_browser, axe):
    lead = teacher(email="lead@example.ac.uk")
    session = SessionFactory(title="Cardiology revision")
    SessionTeacher.objects.create(session=session, teacher=lead)
    deck = services.create_deck(session=session, title="Cardiology quiz", by=lead, leaderboard=True)
    services.add_item(
        deck=deck, kind=ItemKind.CHOICE, prompt="Which valve closes first?",
        options=["Mitral", "Aortic"], correct=0,
    )  # fmt: skip
    services.add_item(deck=deck, kind=ItemKind.WORDCLOUD, prompt="One word for systole")
    services.add_item(deck=deck, kind=ItemKind.RATING, prompt="How clear was this?")

    with uvicorn_server() as base:
        desk = _browser.new_context(viewport={"width": 1280, "height": 900})
        phones = [
            _browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True) for _ in range(3)
        ]
        try:
            presenter = desk.new_page()
            presenter.set_default_timeout(20_000)
            desk.add_cookies([signed_in_cookie(lead, base)])
            presenter.goto(f"{base}/live/decks/{deck.pk}/present/")
            screen = desk.new_page()
            screen.set_default_timeout(20_000)
            screen.goto(f"{base}/live/decks/{deck.pk}/screen/")
            presenter.wait_for_load_state("networkidle")
            expect(presenter.get_by_role("button", name="Previous")).to_be_disabled()
            presenter.get_by_role("button", name="Open", exact=True).click()
            screen.get_by_role("heading", name="Which valve closes first?").wait_for()
            # The controls follow the state over the socket: open now, so Close, not Open.
            expect(presenter.get_by_role("button", name="Open", exact=True)).to_be_disabled()
            expect(presenter.get_by_role("button", name="Close answers")).to_be_enabled()
            screen.evaluate("window.noReload = true")

            pages = []
            for context in phones:
                phone = context.new_page()
                phone.set_default_timeout(20_000)
                phone.goto(f"{base}/join/")
                phone.get_by_label("Join code").fill(deck.code.lower())
                phone.get_by_role("button", name="Join").click()
                phone.get_by_role("heading", name="Which valve closes first?").wait_for()
                pages.append(phone)
            for phone, name in ((pages[0], "Pulse"), (pages[2], "Valve")):  # pages[1]: none
                phone.get_by_label("Your nickname").fill(name)
                phone.get_by_role("button", name="Save nickname").click()
                phone.get_by_text(f"You appear on the leaderboard as {name}.").wait_for()
            assert axe(pages[0]) == []
            shot(pages[0], "phone-item")

            for phone, option in zip(pages, ["Mitral", "Mitral", "Aortic"], strict=True):
                phone.get_by_role("button", name=option).click()
                phone.get_by_text("You have answered this one.").wait_for()
                expect(phone.locator("#live-yours")).to_have_text(f"Your answer: {option}")
            # The device remembers its own answer across a reload (this tab only).
            pages[1].reload()
            expect(pages[1].locator("#live-yours")).to_have_text("Your answer: Mitral")
            # A new tab (nothing in its sessionStorage) starts from what the server knows.
            other_tab = phones[2].new_page()
            other_tab.goto(pages[2].url)
            expect(other_tab.locator("#live-yours")).to_have_text("Your answer: Aortic")
            other_tab.close()
            screen.get_by_text("3 answers").wait_for()
            presenter.get_by_role("button", name="Show results").click()
            screen.locator(".live-bars meter").first.wait_for()
            assert screen.locator(".live-bar-count").all_inner_texts() == ["2", "1"]
            assert screen.locator(".live-bar-share").all_inner_texts() == ["67%", "33%"]
            assert axe(screen) == []
            shot(screen, "screen-results")
            presenter.get_by_role("button", name="Reveal answer").click()
            screen.locator("#live-leaderboard .live-nick").first.wait_for()
            expect(presenter.get_by_role("button", name="Reveal answer")).to_be_disabled()
            pages[0].locator("#live-leaderboard .live-nick").first.wait_for()
            expect(pages[0].locator("#live-yours")).to_have_text("Your answer, Mitral, is correct.")
            expect(pages[2].locator("#live-yours")).to_have_text(
                "Your answer was Aortic. The correct answer is Mitral."
            )
            board = pages[0].locator("#live-leaderboard")
            assert board.locator(".live-nick").all_inner_texts() == ["Pulse", "Valve"]
            assert board.locator(".live-score").all_inner_texts() == ["1 correct", "0 correct"]
            assert screen.locator("#live-leaderboard .live-nick").all_inner_texts() == [
                "Pulse",
                "Valve",
            ]

            # A double click moves one item on, not two.
            presenter.get_by_role("button", name="Next").dblclick()
            for phone, word in zip(pages, ["Squeeze", "squeeze", "Pump"], strict=True):
                phone.get_by_label("Your word").fill(word)
                phone.get_by_role("button", name="Send", exact=True).click()
                phone.get_by_text("You have answered this one.").wait_for()
            screen.get_by_role("heading", name="One word for systole").wait_for()
            screen.get_by_text("3 answers").wait_for()

            # A clicker's "next" (or the right arrow) on the projected full-screen view.
            screen.keyboard.press("PageDown")
            for phone, rating in zip(pages, ["4", "5", "4"], strict=True):
                phone.get_by_role("heading", name="How clear was this?").wait_for()
                phone.get_by_role("button", name=rating, exact=True).click()
                phone.get_by_text("You have answered this one.").wait_for()
            screen.get_by_text("3 answers").wait_for()
            assert screen.evaluate("window.noReload") is True
            # Results hidden on the projector: the count, not the average.
            expect(screen.locator("#live-results .live-total")).to_have_text("3 answers")
            expect(presenter.locator("#live-results .live-total")).to_have_text(
                "3 answers · average 4.3 of 5"
            )
            # The last item, unkeyed: nothing further, nothing to reveal.
            expect(presenter.get_by_role("button", name="Next")).to_be_disabled()
            expect(presenter.get_by_role("button", name="Reveal answer")).to_be_disabled()

            # The teacher rewords the first item on the deck page while presenting: the
            # presenter's list follows without a reload, the open item still marked.
            presenter.evaluate("window.noReload = true")
            editor = desk.new_page()
            editor.set_default_timeout(20_000)
            editor.goto(f"{base}/live/items/{deck.items.get(position=1).pk}/edit/")
            editor.get_by_label("Prompt").fill("Which valve closes first, at S1?")
            editor.get_by_role("button", name="Save item").click()
            editor.get_by_text("Item saved.").wait_for()
            rows = presenter.locator("#live-items li")
            expect(rows.first).to_contain_text("Which valve closes first, at S1?")
            expect(presenter.locator("#live-items li[aria-current=step]")).to_contain_text(
                "How clear was this?"
            )
            assert presenter.evaluate("window.noReload") is True

            # Audience Q&A: asked on one phone, approved, voted for on another, which then
            # shows its vote as given, also after a reload.
            pages[0].get_by_label("Your question").fill("Why is S1 louder at the apex?")
            pages[0].get_by_role("button", name="Send question").click()
            pages[0].get_by_text("Question sent.").wait_for()
            presenter.get_by_role("button", name="Approve: Why is S1 louder at the apex?").click()
            pages[1].get_by_role("button", name="Upvote: Why is S1 louder at the apex?").click()
            voted = pages[1].get_by_role("button", name="You voted for: Why is S1 louder")
            expect(voted).to_be_disabled()
            expect(pages[1].locator("#live-questions")).to_contain_text("1 vote")
            pages[1].reload()
            expect(voted).to_be_disabled()
            expect(pages[2].get_by_role("button", name="Upvote: Why is S1")).to_be_enabled()
            # The presenter puts the approved questions on the projected view, no reload there.
            screen_questions = screen.locator("#live-screen-questions")
            expect(screen_questions).to_be_hidden()
            presenter.get_by_role("button", name="Show approved questions on the screen").click()
            expect(screen_questions).to_contain_text("Why is S1 louder at the apex? 1 vote")
            assert screen.evaluate("window.noReload") is True
            assert axe(screen) == []
            shot(screen, "screen-questions")
            assert axe(presenter) == []
            shot(presenter, "presenter")
            shot(pages[1], "phone-rating")
        finally:
            for context in [desk, *phones]:
                context.close()

    counts = {item.position: services.tally(item) for item in deck.items.order_by("position")}
    assert counts[1]["counts"] == [2, 1]
    assert counts[2]["words"] == [["squeeze", 2], ["pump", 1]]
    assert counts[3]["counts"] == [0, 0, 0, 2, 1]
    assert Answer.objects.count() == 9
