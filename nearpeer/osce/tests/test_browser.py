"""Phones in the room: a three-phone practice with timers in step, and a mock circuit marked from
two examiner phones, one of which loses its connection."""

import time
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from nearpeer.core.tests.browser import PHONE
from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.osce import services
from nearpeer.osce.models import Sheet
from nearpeer.osce.tests.factories import StationFactory, mock, practice


@pytest.fixture
def phones(_browser):
    contexts = []

    def _phone():
        context = _browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield _phone
    for context in contexts:
        context.close()


def _remaining(page) -> int:
    page.wait_for_function(
        "() => document.querySelector('.osce-timer').dataset.remaining > 0", timeout=10_000
    )
    return int(page.locator(".osce-timer").get_attribute("data-remaining"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_three_phone_practice_timers_in_step_and_sheet_delivered(phones, live_server, sign_in, axe):
    station = StationFactory(title="Chest pain history", reading_seconds=120)
    cand, exam, pat = (
        UserFactory(name="Cara Candidate"),
        UserFactory(name="Ezra Examiner"),
        UserFactory(name="Pia Patient"),
    )
    p = practice(station, candidate=cand, examiner=exam, patient=pat)
    url = f"{live_server.url}/osce/practice/{p.pk}/"
    pages = {}
    for user, skew in ((cand, 0), (exam, 0), (pat, 7 * 60)):
        page = phones()
        if skew:
            # This phone's own clock is seven minutes fast: the countdown must not care.
            page.clock.install(time=datetime.now() + timedelta(seconds=skew))
        sign_in(page, user)
        page.goto(url)
        pages[user] = page
    expect(pages[pat].get_by_text("The pain started an hour ago")).to_be_visible()
    assert pages[cand].get_by_text("The pain started an hour ago").count() == 0
    assert pages[cand].get_by_text("Asks about the onset").count() == 0
    for page in pages.values():
        assert axe(page) == []

    pages[exam].get_by_role("button", name="Start reading time").click()
    for page in pages.values():
        page.wait_for_function(
            "() => document.querySelector('.osce-phase').textContent === 'Reading time'"
        )
    left = [_remaining(page) for page in pages.values()]
    assert max(left) - min(left) <= 1, left
    assert 110 <= min(left) <= 120, left

    examiner = pages[exam]
    for item in station.items.all():
        examiner.get_by_role("group", name=item.text, exact=False).get_by_label(
            "Done", exact=True
        ).check()
    examiner.get_by_role("group", name="Global rating").get_by_label("Clear pass").check()
    examiner.get_by_label("Feedback").fill("Well structured; ask about family history earlier.")
    assert axe(examiner) == []
    examiner.get_by_role("button", name="Send the sheet to the candidate").click()
    expect(examiner.get_by_text("Sheet sent to the candidate.")).to_be_visible()

    # The candidate's phone notices the practice is finished and shows the marked sheet.
    candidate = pages[cand]
    candidate.get_by_role("heading", name="Marked sheet").wait_for()
    assert candidate.get_by_text("Well structured; ask about family history earlier.").is_visible()
    expect(candidate.get_by_text("100%")).to_be_visible()
    assert axe(candidate) == []
    pages[pat].get_by_text("Finished").first.wait_for()
    assert pages[pat].get_by_text("Well structured").count() == 0


def _mark_all(page, form, rating="4"):
    for radio in form.locator("input[type=radio][value=done]").all():
        radio.check()
    form.locator(f"input[type=radio][name$=global_rating][value='{rating}']").check()
    form.get_by_role("button", name="Save sheet").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_mock_two_examiner_phones_one_offline_loses_no_score(phones, live_server, sign_in, axe):
    boss = committee()
    s1, s2 = StationFactory(title="Abdomen"), StationFactory(title="Breaking news")
    e1, e2 = teacher(name="Eve Examiner"), teacher(name="Ed Examiner")
    cands = [UserFactory(name=f"Candidate {i}") for i in range(4)]
    m = mock(by=boss, stations=[s1, s2], candidates=cands, examiners=[e1, e2])
    services.build_mock_rotation(mock=m, by=boss)
    services.start_mock(mock=m, by=boss)
    url = f"{live_server.url}/osce/mocks/{m.pk}/examine/"

    online, flaky = phones(), phones()
    sign_in(online, e1)
    sign_in(flaky, e2)
    online.goto(url)
    flaky.goto(url)
    assert axe(online) == []
    forms_online = online.locator("form.osce-offline")
    forms_flaky = flaky.locator("form.osce-offline")
    assert (forms_online.count(), forms_flaky.count()) == (4, 4)

    # Ed's phone loses its connection before he marks anything.
    flaky.context.set_offline(True)
    for i in range(4):
        _mark_all(flaky, forms_flaky.nth(i))
        _mark_all(online, forms_online.nth(i))
    for i in range(4):
        forms_online.nth(i).get_by_text("Sent.").wait_for()
        expect(forms_flaky.nth(i).get_by_text("Saved on this phone")).to_be_visible()
    expect(flaky.get_by_text("4 sheets saved on this phone")).to_be_visible()
    assert Sheet.objects.filter(examiner=e1).count() == 4
    assert Sheet.objects.filter(examiner=e2).count() == 0

    # Back online: the queue drains and every sheet arrives once.
    flaky.context.set_offline(False)
    for i in range(4):
        forms_flaky.nth(i).get_by_text("Sent.").wait_for()
    deadline = time.monotonic() + 10
    while Sheet.objects.filter(examiner=e2).count() < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Sheet.objects.filter(mock=m).count() == 8
    assert {(s.station_id, s.candidate_id) for s in Sheet.objects.all()} == {
        (s.pk, c.pk) for s in (s1, s2) for c in cands
    }
    assert flaky.locator(".osce-queue").inner_text() == ""
    assert axe(flaky) == []

    # The committee's pages on a phone: the rota, the results by station, a station.
    desk = phones()
    sign_in(desk, boss)
    for path in (f"mocks/{m.pk}/", f"mocks/{m.pk}/results/", f"stations/{s1.pk}/", ""):
        desk.goto(f"{live_server.url}/osce/{path}")
        assert axe(desk) == [], path
    desk.goto(f"{live_server.url}/osce/mocks/{m.pk}/results/")
    assert desk.get_by_text("4 sheets; mean 100%").count() == 2
