"""Audience questions after the session: people watching the recording ask, anonymously; the
teacher approves them and replies in writing, during the session or after it."""

import csv
import io

import pytest
from django.urls import reverse

from nearpeer.live import services
from nearpeer.live.models import AudienceQuestion
from nearpeer.live.protocol import ProtocolError
from nearpeer.notifications.models import Notification


def test_questions_open_with_the_session_and_stay_open_beside_the_recording(deck):
    with pytest.raises(ProtocolError) as caught:
        services.ask_question(deck=deck, text="Too early?")
    assert caught.value.code == "not_open"
    services.control_deck(deck=deck, action="open")
    deck.refresh_from_db()
    live = services.ask_question(deck=deck, text="Why does S2 split?")
    services.control_deck(deck=deck, action="end")
    deck.refresh_from_db()
    later = services.ask_question(deck=deck, text="Is a split S1 ever normal?")
    assert (live.asked_after, later.asked_after) == (False, True)
    assert later.status == AudienceQuestion.Status.PENDING


def test_a_reply_answers_the_question_for_everyone_and_can_be_taken_back(live_deck):
    question = services.ask_question(deck=live_deck, text="Why does S2 split?")
    assert services.qa_list(live_deck) == []
    services.reply_to_question(
        deck=live_deck, question_id=question.pk, text="  The aortic valve closes first.  "
    )
    [shown] = services.qa_list(live_deck)
    assert (shown["status"], shown["reply"], shown["after"]) == (
        "answered",
        "The aortic valve closes first.",
        False,
    )
    services.reply_to_question(deck=live_deck, question_id=question.pk, text="")
    question.refresh_from_db()
    assert (question.reply, question.status) == ("", "answered")


def test_a_reply_too_long_or_to_another_decks_question_is_refused(live_deck, session):
    question = services.ask_question(deck=live_deck, text="Why?")
    with pytest.raises(ProtocolError) as long:
        services.reply_to_question(deck=live_deck, question_id=question.pk, text="x" * 1001)
    other = services.create_deck(session=session, title="Other")
    with pytest.raises(ProtocolError) as elsewhere:
        services.reply_to_question(deck=other, question_id=question.pk, text="Hi")
    assert (long.value.code, elsewhere.value.code) == ("too_large", "unknown_question")
    question.refresh_from_db()
    assert question.reply == ""


def test_a_viewer_asks_after_the_session_and_reads_the_teachers_reply(
    client, live_deck, lead_teacher
):
    services.control_deck(deck=live_deck, action="end")
    page_url = reverse("live:participate", kwargs={"code": live_deck.code})
    page = client.get(page_url).content.decode()
    assert "Ask the teacher" in page and 'id="live-ask-form"' in page
    sent = client.post(
        reverse("live:ask", kwargs={"code": live_deck.code}),
        {"text": "Is a split S1 ever normal?"},
    )
    assert sent.status_code == 302
    question = AudienceQuestion.objects.get()
    assert (
        question.asked_after
        and "Is a split S1 ever normal?" not in client.get(page_url).content.decode()
    )

    client.force_login(lead_teacher)
    detail = client.get(live_deck.get_absolute_url()).content.decode()
    assert "asked while watching the recording" in detail and f'id="q-{question.pk}"' in detail
    reply_url = reverse("live:question-reply", kwargs={"pk": question.pk})
    too_long = client.post(reply_url, {"reply": "x" * 1001, "back": "deck"}, follow=True)
    assert "Reply: A reply may be at most 1000 characters." in too_long.content.decode()
    saved = client.post(reply_url, {"reply": "Yes: a narrow split is common.", "back": "deck"})
    assert saved["Location"] == f"{live_deck.get_absolute_url()}#q-{question.pk}"
    client.logout()
    page = client.get(page_url).content.decode()
    assert "Is a split S1 ever normal?" in page
    assert '<span class="sr-only">Reply: </span>Yes: a narrow split is common.' in page


def test_moderating_from_the_deck_page_returns_to_it(client, live_deck, lead_teacher):
    question = services.ask_question(deck=live_deck, text="Why?")
    client.force_login(lead_teacher)
    url = reverse("live:question-moderate", kwargs={"pk": question.pk})
    back = client.post(url, {"action": "approve", "back": "deck"})
    assert back["Location"] == f"{live_deck.get_absolute_url()}#q-{question.pk}"
    present = client.post(url, {"action": "hide"})
    assert present["Location"] == reverse("live:deck-present", kwargs={"pk": live_deck.pk})
    question.refresh_from_db()
    assert question.status == "hidden"


def test_the_deck_page_lists_questions_waiting_for_a_moderator_first(
    client, live_deck, lead_teacher
):
    popular = services.ask_question(deck=live_deck, text="Popular and approved")
    services.moderate_question(deck=live_deck, question_id=popular.pk, action="approve")
    AudienceQuestion.objects.filter(pk=popular.pk).update(upvotes=9)
    services.ask_question(deck=live_deck, text="New and waiting")
    client.force_login(lead_teacher)
    page = client.get(live_deck.get_absolute_url()).content.decode()
    assert page.index("New and waiting") < page.index("Popular and approved")


def test_the_teachers_hear_of_a_viewers_question_once_while_questions_wait(live_deck, lead_teacher):
    services.ask_question(deck=live_deck, text="Asked in the room")
    assert Notification.objects.count() == 0  # someone is presenting
    services.control_deck(deck=live_deck, action="end")
    live_deck.refresh_from_db()
    first = services.ask_question(deck=live_deck, text="Is a split S1 ever normal?")
    services.ask_question(deck=live_deck, text="And a fixed split S2?")
    [note] = Notification.objects.all()
    assert note.recipient == lead_teacher
    assert note.url == f"{live_deck.get_absolute_url()}#audience-questions"
    assert "split" not in note.title + note.body  # the words stay on the deck page
    # Once the teacher has dealt with them, the next viewer's question is news again.
    services.reply_to_question(deck=live_deck, question_id=first.pk, text="Yes.")
    second = AudienceQuestion.objects.get(text="And a fixed split S2?")
    services.moderate_question(deck=live_deck, question_id=second.pk, action="approve")
    services.ask_question(deck=live_deck, text="What about S4?")
    assert Notification.objects.count() == 2


def test_approved_questions_go_on_the_full_screen_view_and_come_off_it(
    client, live_deck, lead_teacher
):
    approved = services.ask_question(deck=live_deck, text="Why does S2 split?")
    services.moderate_question(deck=live_deck, question_id=approved.pk, action="approve")
    services.ask_question(deck=live_deck, text="Waiting for the moderator")
    services.control_deck(deck=live_deck, action="close_in", seconds=60)
    client.force_login(lead_teacher)
    screen_url = reverse("live:deck-screen", kwargs={"pk": live_deck.pk})
    assert 'id="live-screen-questions" class="live-screen-questions"' in (
        page := client.get(screen_url).content.decode()
    )
    assert "Why does S2 split?" not in page  # off the screen until the presenter says so

    response = client.post(
        reverse("live:deck-control", kwargs={"pk": live_deck.pk}), {"action": "show_questions"}
    )
    assert response.status_code == 302
    live_deck.refresh_from_db()
    assert live_deck.questions_on_screen
    assert live_deck.closes_at is not None  # showing questions leaves a countdown running
    assert services.snapshot(live_deck)["state"]["questions_on_screen"] is True
    page = client.get(screen_url).content.decode()
    assert "Why does S2 split?" in page
    assert "Waiting for the moderator" not in page
    assert 'aria-labelledby="screen-qa-heading">' in page  # shown: no hidden attribute

    services.control_deck(deck=live_deck, action="hide_questions")
    page = client.get(screen_url).content.decode()
    assert 'aria-labelledby="screen-qa-heading" hidden>' in page


def test_the_audience_questions_download_as_csv_for_follow_up(client, live_deck, lead_teacher):
    popular = services.ask_question(deck=live_deck, text="=Why does S2 split?")
    services.moderate_question(deck=live_deck, question_id=popular.pk, action="approve")
    AudienceQuestion.objects.filter(pk=popular.pk).update(upvotes=3)
    services.reply_to_question(deck=live_deck, question_id=popular.pk, text="-Inspiration.")
    hidden = services.ask_question(deck=live_deck, text="Off topic")
    services.moderate_question(deck=live_deck, question_id=hidden.pk, action="hide")
    services.control_deck(deck=live_deck, action="end")
    live_deck.refresh_from_db()
    services.ask_question(deck=live_deck, text="Asked while watching")
    client.force_login(lead_teacher)
    response = client.get(reverse("live:deck-questions-export", kwargs={"pk": live_deck.pk}))
    assert response["Content-Disposition"] == (
        f'attachment; filename="live-{live_deck.code}-questions.csv"'
    )
    assert response["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["question", "status", "votes", "asked", "reply"],
        ["'=Why does S2 split?", "answered", "3", "live", "'-Inspiration."],
        ["Off topic", "hidden", "0", "live", ""],
        ["Asked while watching", "pending", "0", "afterwards", ""],
    ]
    page = client.get(reverse("live:deck-detail", kwargs={"pk": live_deck.pk})).content.decode()
    assert reverse("live:deck-questions-export", kwargs={"pk": live_deck.pk}) in page
