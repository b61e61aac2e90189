"""Station bank flow, practice, mock circuits: what each role sees and can do."""

import io
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from nearpeer.members.tests.factories import UserFactory, committee, faculty, teacher
from nearpeer.osce import services
from nearpeer.osce.models import MockConflict, Practice, Sheet, Station
from nearpeer.osce.tests.factories import StationFactory, all_marks, mock, practice
from nearpeer.tutorials.models import TutorialGroup
from nearpeer.tutorials.tests.factories import ProgrammeFactory, SlotFactory, sign_up

BRIEF = "The pain started an hour ago while gardening"
ITEM = "Asks about the onset and character of the pain"

pytestmark = pytest.mark.django_db


def _mark_data(prefix, station, rating="4", client_id=None, mark="done"):
    data = {f"{prefix}-item_{k}": v for k, v in all_marks(station, mark).items()}
    data[f"{prefix}-global_rating"] = rating
    data[f"{prefix}-client_id"] = str(client_id or uuid.uuid4())
    return data


# --- Station bank ---------------------------------------------------------------------------------


def test_station_flow_draft_review_endorse_publish_version_and_remix(client):
    author, peer, prof = teacher(name="Ada Author"), teacher(name="Pat Peer"), faculty()
    client.force_login(author)
    response = client.post(
        reverse("osce:station-create"),
        {
            "title": "Knee examination",
            "exam": "osce",
            "year": 3,
            "specialty": "Orthopaedics",
            "skill": "examination",
            "reading_seconds": 60,
            "station_seconds": 420,
            "candidate_instructions": "Examine this patient's knee.",
            "patient_brief": "Your knee gave way playing football.",
            "findings": "",
            "pass_mark": 0.6,
            "scheme": "* Washes hands [2]\nInspects from the front\nChecks for an effusion",
        },
    )
    station = Station.objects.get(title="Knee examination")
    assert response.status_code == 302
    assert [(i.text, i.weight, i.critical) for i in station.items.all()] == [
        ("Washes hands", 2, True),
        ("Inspects from the front", 1, False),
        ("Checks for an effusion", 1, False),
    ]
    client.post(reverse("osce:station-submit", args=[station.pk]))
    client.force_login(peer)
    client.post(reverse("osce:station-review", args=[station.pk]), {"approve": "1"})
    client.force_login(prof)
    client.post(reverse("osce:station-endorse", args=[station.pk]))
    client.force_login(author)
    client.post(reverse("osce:station-publish", args=[station.pk]))
    station.refresh_from_db()
    assert (station.status, station.endorsed_by) == ("published", prof)

    # A new version retires the old one once published.
    page = client.get(reverse("osce:station-version", args=[station.pk]))
    assert page.context["form"].initial["scheme"].startswith("* Washes hands [2]")
    v2 = services.create_station(
        by=author,
        fields={**page.context["form"].initial, "title": "Knee examination"},
        scheme=services.scheme_of(station),
        previous=station,
    )
    v2.status = Station.Status.APPROVED
    v2.save()
    services.publish_station(station=v2, by=author)
    station.refresh_from_db()
    assert (v2.version, station.status) == (2, "retired")

    # Another tutor remixes it, with credit.
    client.force_login(peer)
    page = client.get(reverse("osce:station-remix", args=[v2.pk]))
    assert page.status_code == 200
    data = {**page.context["form"].initial, "title": "Knee exam for PACES", "exam": "paces"}
    client.post(reverse("osce:station-remix", args=[v2.pk]), data)
    remix = Station.objects.get(title="Knee exam for PACES")
    assert (remix.author, remix.remixed_from, remix.status) == (peer, v2, "draft")
    home = client.get(reverse("osce:home")).content.decode()
    assert "Remixed from Knee examination by Ada" in home


def test_station_scheme_typed_badly_names_the_line(client):
    client.force_login(teacher())
    response = client.post(reverse("osce:station-create"), {"title": "X", "scheme": "fine\n* [3]"})
    assert "line 2: the item has no text" in response.content.decode()


def test_station_detail_hides_scheme_and_brief_from_members_and_future_candidates(client):
    station = StationFactory()
    examiner = teacher()
    future_candidate = teacher(name="Tess Teacher")  # a tutor who sits the mock herself
    mock(by=committee(), stations=[station], candidates=[future_candidate], examiners=[examiner])
    url = reverse("osce:station-detail", args=[station.pk])
    for user, sees in [(examiner, True), (future_candidate, False), (UserFactory(), False)]:
        client.force_login(user)
        body = client.get(url).content.decode()
        assert (ITEM in body, BRIEF in body) == (sees, sees), user
        assert "Take a focused history" in body


def test_home_query_count_is_fixed(client, django_assert_num_queries):
    user = teacher()
    StationFactory()
    client.force_login(user)
    with django_assert_num_queries(7):
        assert client.get(reverse("osce:home")).status_code == 200
    StationFactory.create_batch(2)
    # One fewer: the member's roles now come from the shared cache the first request filled.
    with django_assert_num_queries(6):
        body = client.get(reverse("osce:home")).content.decode()
    assert body.count('class="card"><a href="/osce/stations/') == 3


# --- Group practice -------------------------------------------------------------------------------


def test_practice_each_role_sees_only_its_brief_and_the_candidate_gets_the_sheet(client):
    station = StationFactory()
    cand, exam, pat = UserFactory(name="Cara"), UserFactory(name="Ezra"), UserFactory(name="Pia")
    p = practice(station, candidate=cand, examiner=exam, patient=pat)
    url = reverse("osce:practice-detail", args=[p.pk])
    client.force_login(cand)
    body = client.get(url).content.decode()
    assert "Take a focused history" in body and BRIEF not in body and ITEM not in body
    client.force_login(pat)
    body = client.get(url).content.decode()
    assert BRIEF in body and ITEM not in body and "Take a focused history" not in body
    client.force_login(exam)
    body = client.get(url).content.decode()
    assert ITEM in body and BRIEF not in body and "ST elevation" in body

    client.post(reverse("osce:practice-start", args=[p.pk]))
    state = client.get(reverse("osce:practice-state", args=[p.pk])).json()
    assert state["phase"] == "reading"
    ends = timezone.datetime.fromisoformat(state["ends_at"])
    now = timezone.datetime.fromisoformat(state["server_now"])
    assert 58 <= (ends - now).total_seconds() <= 60

    data = {f"item_{k}": "done" for k in all_marks(station)}
    data.update(global_rating="4", feedback="Good structure.", client_id=str(uuid.uuid4()))
    first = station.items.first()
    data[f"item_{first.pk}"] = "partly"  # the critical item
    client.post(reverse("osce:practice-mark", args=[p.pk]), data)
    sheet = Sheet.objects.get(practice=p)
    assert (sheet.candidate, sheet.percent, sheet.passed) == (cand, 0.75, False)

    client.force_login(cand)
    body = client.get(url).content.decode()
    assert "75%" in body and "Good structure." in body and "not yet a pass" in body
    client.force_login(pat)
    assert "Good structure." not in client.get(url).content.decode()


def test_practice_timers_follow_server_time(client):
    station = StationFactory(reading_seconds=60, station_seconds=300)
    cand, exam = UserFactory(), UserFactory()
    p = practice(station, candidate=cand, examiner=exam)
    p.started_at = timezone.now() - timedelta(seconds=100)
    p.save()
    client.force_login(cand)
    state = client.get(reverse("osce:practice-state", args=[p.pk])).json()
    assert state["phase"] == "station"
    assert state["ends_at"] == (p.started_at + timedelta(seconds=360)).isoformat()


def test_practice_roles_rotate(client):
    s1, s2 = StationFactory(), StationFactory()
    cand, exam, pat = UserFactory(), UserFactory(), UserFactory()
    p = practice(s1, candidate=cand, examiner=exam, patient=pat)
    services.mark_practice(
        practice=p,
        by=exam,
        marks=all_marks(s1),
        global_rating=4,
        feedback="",
        client_id=uuid.uuid4(),
    )
    client.force_login(cand)
    response = client.post(reverse("osce:practice-rotate", args=[p.pk]), {"station": s2.pk})
    new = Practice.objects.exclude(pk=p.pk).get()
    assert response.headers["Location"] == reverse("osce:practice-detail", args=[new.pk])
    assert {r.user: r.role for r in new.roles.all()} == {
        exam: "candidate",
        pat: "examiner",
        cand: "patient",
    }
    # The new candidate examined s1, so s1 cannot be their next station.
    with pytest.raises(services.OsceError, match="already seen"):
        services.rotate_practice(practice=p, by=cand, station=s1)


# --- Mock OSCE ------------------------------------------------------------------------------------


def test_mock_created_from_the_form_finds_tutee_conflicts_and_builds(client):
    boss = committee()
    s1, s2 = StationFactory(title="Abdomen"), StationFactory(title="Breaking news")
    tutor, other = teacher(email="tutor@example.ac.uk"), teacher(email="ex2@example.ac.uk")
    extra = teacher(email="ex3@example.ac.uk")
    cands = [UserFactory(email=f"c{i}@example.ac.uk") for i in range(4)]
    programme = ProgrammeFactory()
    slot = SlotFactory(programme=programme)
    group = TutorialGroup.objects.create(programme=programme, slot=slot)
    group.members.set([sign_up(programme, tutor, role="tutor"), sign_up(programme, cands[0])])
    client.force_login(boss)
    response = client.post(
        reverse("osce:mock-create"),
        {
            "title": "Winter mock",
            "date": "2026-12-05",
            "stations": [s1.pk, s2.pk],
            "circuits": 1,
            "max_rest_stations": 1,
            "candidates": "\n".join(c.email for c in cands),
            "examiners": "tutor@example.ac.uk\nEX2@example.ac.uk runs 1\nex3@example.ac.uk",
            "friends": "ex2@example.ac.uk, c1@example.ac.uk",
        },
    )
    m = services.Mock.objects.get(title="Winter mock")
    assert response.headers["Location"] == reverse("osce:mock-detail", args=[m.pk])
    assert {(c.examiner, c.candidate, c.reason) for c in MockConflict.objects.all()} == {
        (tutor, cands[0], "tutee"),
        (other, cands[1], "friend"),
    }
    client.post(reverse("osce:mock-build", args=[m.pk]))
    m.refresh_from_db()
    seats = services.seats(m)
    assert len({s.candidate_id for s in seats}) == 4
    for s in seats:
        if s.examiner_id is not None:
            assert (s.examiner_id, s.candidate_id) not in {
                (tutor.pk, cands[0].pk),
                (other.pk, cands[1].pk),
            }
    # One circuit a run; a rest would give 3 positions, so 4 candidates need 2 runs anyway:
    # 2 runs of 2 rounds. c0 avoids their tutor and c1 their friend in both runs.
    assert m.rotation["rounds_total"] == 4
    assert extra.pk in {s.examiner_id for s in seats}


def test_mock_create_refuses_unknown_emails_naming_the_line(client):
    client.force_login(committee())
    station = StationFactory()
    response = client.post(
        reverse("osce:mock-create"),
        {
            "title": "M",
            "date": "2026-12-05",
            "stations": [station.pk],
            "circuits": 1,
            "max_rest_stations": 0,
            "candidates": "nobody@example.ac.uk",
            "examiners": "x",
        },
    )
    body = response.content.decode()
    assert "Candidates, line 1: no member with the email nobody@example.ac.uk." in body
    assert "Examiners, line 1" in body


def _two_station_mock(n_candidates=4):
    boss = committee()
    s1, s2 = StationFactory(title="Abdomen"), StationFactory(title="Breaking news")
    e1, e2 = teacher(name="Eve Examiner"), teacher(name="Ed Examiner")
    cands = [UserFactory(name=f"Cand {i}") for i in range(n_candidates)]
    m = mock(by=boss, stations=[s1, s2], candidates=cands, examiners=[e1, e2], max_rest=2)
    services.build_mock_rotation(mock=m, by=boss)
    return m, boss, (s1, s2), (e1, e2), cands


def test_mock_examiner_sees_only_their_station_and_candidates(client):
    m, _, (s1, s2), (e1, e2), cands = _two_station_mock()
    mine = [s for s in services.seats(m) if s.examiner_id == e1.pk]
    station_id = mine[0].station_id
    other_station = s2 if station_id == s1.pk else s1
    assert {s.station_id for s in mine} == {station_id}
    client.force_login(e1)
    body = client.get(reverse("osce:mock-examine", args=[m.pk])).content.decode()
    assert body.count("Save sheet") == 4
    assert other_station.title not in body.split("your candidates")[1]
    # Marking at the other station is refused, and nothing is written.
    cand = cands[0]
    url = reverse("osce:mock-mark", args=[m.pk, other_station.pk, cand.pk])
    response = client.post(
        url,
        _mark_data(f"s{other_station.pk}c{cand.pk}", other_station),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    assert Sheet.objects.count() == 0
    # A candidate cannot open the examiner page, nor the examiner the candidate's page.
    client.force_login(cand)
    assert client.get(reverse("osce:mock-examine", args=[m.pk])).status_code == 404
    client.force_login(e1)
    assert client.get(reverse("osce:mock-mine", args=[m.pk])).status_code == 404


def test_mock_mark_is_idempotent_by_client_id_and_a_new_id_corrects(client):
    m, _, (s1, s2), (e1, e2), cands = _two_station_mock()
    seat = next(s for s in services.seats(m) if s.examiner_id == e1.pk)
    station = Station.objects.get(pk=seat.station_id)
    prefix = f"s{station.pk}c{seat.candidate_id}"
    url = reverse("osce:mock-mark", args=[m.pk, station.pk, seat.candidate_id])
    client.force_login(e1)
    cid = uuid.uuid4()
    first = client.post(
        url, _mark_data(prefix, station, client_id=cid), HTTP_ACCEPT="application/json"
    )
    again = client.post(
        url, _mark_data(prefix, station, client_id=cid), HTTP_ACCEPT="application/json"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["sheet"] == again.json()["sheet"]
    fix = client.post(
        url,
        _mark_data(prefix, station, rating="2", mark="not_done"),
        HTTP_ACCEPT="application/json",
    )
    assert fix.status_code == 200
    sheet = Sheet.objects.get()
    assert (sheet.global_rating, sheet.percent) == (2, 0.0)


def test_mock_results_private_to_candidate_after_release_and_station_stats(client):
    m, boss, (s1, s2), (e1, e2), cands = _two_station_mock()
    for seat in services.seats(m):
        if seat.station_id is None:
            continue
        station = Station.objects.get(pk=seat.station_id)
        marks = all_marks(station)
        if seat.candidate_id == cands[0].pk:
            marks[str(station.items.last().pk)] = "not_done"
        services.mark_mock(
            mock=m,
            by=e1 if seat.examiner_id == e1.pk else e2,
            station=station,
            candidate_id=seat.candidate_id,
            marks=marks,
            global_rating=4,
            feedback=f"Feedback for {seat.candidate_id}",
            client_id=uuid.uuid4(),
        )
    client.force_login(cands[0])
    mine = reverse("osce:mock-mine", args=[m.pk])
    body = client.get(mine).content.decode()
    assert "Your timetable" in body and "Feedback for" not in body and ITEM not in body
    client.force_login(boss)
    client.post(reverse("osce:mock-release", args=[m.pk]))
    body = client.get(reverse("osce:mock-results", args=[m.pk])).content.decode()
    assert "4 sheets; mean 94%" in body
    assert "Summarises back to the patient — 1" in body
    client.force_login(cands[0])
    body = client.get(mine).content.decode()
    assert f"Feedback for {cands[0].pk}" in body and f"Feedback for {cands[1].pk}" not in body
    assert "Not done" in body


def test_mock_exports_timetable_per_candidate_examiner_and_room(client):
    m, boss, (s1, s2), (e1, e2), cands = _two_station_mock()
    client.force_login(boss)
    xlsx = client.get(reverse("osce:mock-export", args=[m.pk, "xlsx"]))
    assert xlsx.headers["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.sheetnames == ["Candidates", "Examiners", "Rooms"]
    rows = list(book["Candidates"].values)
    assert rows[0][0] == "Candidate"
    # every candidate at every position of their circuit: 4 × 2 stations (no rests needed)
    assert len(rows) - 1 == 4 * m.rotation["runs"][0]["circuits"][0]["positions"].__len__()
    assert len(list(book["Examiners"].values)) - 1 == 8
    pdf = client.get(reverse("osce:mock-export", args=[m.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_mock_clock_shows_the_round_from_server_time(client):
    m, boss, *_ = _two_station_mock()
    services.start_mock(mock=m, by=boss)
    length = services.round_seconds(m)
    m.started_at = timezone.now() - timedelta(seconds=length + 5)
    m.save()
    client.force_login(boss)
    state = client.get(reverse("osce:mock-clock-state", args=[m.pk])).json()
    assert (state["phase"], state["slot"], state["rounds_total"]) == (
        "round",
        2,
        m.rotation["rounds_total"],
    )


def _marked_mock(n_candidates):
    boss = committee()
    station = StationFactory()
    examiner = teacher()
    cands = [UserFactory() for _ in range(n_candidates)]
    m = mock(by=boss, stations=[station], candidates=cands, examiners=[examiner])
    services.build_mock_rotation(mock=m, by=boss)
    for c in cands:
        services.mark_mock(
            mock=m,
            by=examiner,
            station=station,
            candidate_id=c.pk,
            marks=all_marks(station),
            global_rating=4,
            feedback="",
            client_id=uuid.uuid4(),
        )
    services.release_results(mock=m, by=boss)
    return m, boss, examiner, cands


@pytest.mark.parametrize("n", [1, 3])
def test_mock_pages_query_counts_do_not_grow_with_candidates(client, django_assert_num_queries, n):
    m, boss, examiner, cands = _marked_mock(n)
    client.force_login(examiner)
    with django_assert_num_queries(10):
        body = client.get(reverse("osce:mock-examine", args=[m.pk])).content.decode()
    assert body.count("Save sheet") == n
    client.force_login(boss)
    with django_assert_num_queries(7):
        body = client.get(reverse("osce:mock-results", args=[m.pk])).content.decode()
    assert f"{n} sheet{'s' if n != 1 else ''}" in body
    client.force_login(cands[0])
    with django_assert_num_queries(8):
        body = client.get(reverse("osce:mock-mine", args=[m.pk])).content.decode()
    assert body.count("Introduces self") == 1


def test_practice_refuses_a_brief_of_a_station_someone_will_sit(client):
    station = StationFactory()
    sitter, other = UserFactory(name="Sam Sitter"), UserFactory()
    mock(by=committee(), stations=[station], candidates=[sitter], examiners=[teacher()])
    with pytest.raises(services.OsceError, match="Sam will sit this station"):
        practice(station, candidate=other, examiner=sitter)
    # As the candidate, practising it is fine.
    assert practice(station, candidate=sitter, examiner=other).pk


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def _station_post(title, image, alt="ECG strip"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "title": title,
        "exam": "osce",
        "year": 4,
        "specialty": "Cardiology",
        "skill": "data",
        "reading_seconds": 60,
        "station_seconds": 300,
        "candidate_instructions": "Interpret this ECG.",
        "pass_mark": 0.6,
        "scheme": "Names the rhythm",
        "image": SimpleUploadedFile("ecg.png", image, content_type="image/png"),
        "image_alt": alt,
    }


def test_station_image_checked_by_content_and_shown_only_to_examiner_side(client):
    author = teacher()
    client.force_login(author)
    response = client.post(
        reverse("osce:station-create"), _station_post("Fake", b"<script>x</script>")
    )
    assert "The file is not a PNG, JPEG, GIF or WebP image." in response.content.decode()
    client.post(reverse("osce:station-create"), _station_post("ECG", PNG))
    station = Station.objects.get(title="ECG")
    assert station.image_type == "image/png"
    url = reverse("osce:station-image", args=[station.pk])
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    assert response["X-Content-Type-Options"] == "nosniff"
    station.status = Station.Status.PUBLISHED
    station.save()
    cand, exam = UserFactory(), UserFactory()
    practice(station, candidate=cand, examiner=exam)
    client.force_login(exam)
    assert client.get(url).status_code == 200
    for user in (cand, UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 404
    # A file the database names but storage no longer has: a 404 even for the examiner.
    station.image.storage.delete(station.image.name)
    client.force_login(exam)
    assert client.get(url).status_code == 404
