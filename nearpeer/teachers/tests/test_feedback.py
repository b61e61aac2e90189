"""Feedback: anonymous through the store, shown only in groups, never derivable by difference."""

import logging
import re

import pytest
from django.apps import apps
from django.db import connection, models

from nearpeer.members.models import User
from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.notifications.models import Notification
from nearpeer.teachers import feedback_store, release, services
from nearpeer.teachers.models import Channel, FeedbackAnswer, FeedbackBatch
from nearpeer.teachers.tests.factories import past_session
from nearpeer.teaching.models import Material
from nearpeer.teaching.services import record_material_view

pytestmark = pytest.mark.django_db

X = "okapi-vellum-4417 the diagrams finally made sense"


@pytest.fixture
def lecturer():
    return teacher(email="lecturer@example.ac.uk", name="Lena Lecturer")


def _attendees(n, prefix="a"):
    return [UserFactory(email=f"{prefix}{i}@example.ac.uk") for i in range(n)]


def _answer(session, user, overall=4, comment=""):
    services.submit_feedback(
        session=session, user=user, values={"overall": overall, "good": comment}
    )


def _recording(session):
    return Material.objects.create(
        session=session, kind=Material.Kind.RECORDING, title="Recording", url="https://v.example/1"
    )


# --- Anonymity ----------------------------------------------------------------------------------


def test_answer_rows_point_at_no_user_session_key_address_or_time():
    answer_fields = {f.name: f for f in FeedbackAnswer._meta.concrete_fields}
    batch_fields = {f.name: f for f in FeedbackBatch._meta.concrete_fields}

    assert set(answer_fields) == {"id", "batch", "answers"}
    assert set(batch_fields) == {"id", "session", "channel", "sequence", "size"}
    for field in [*answer_fields.values(), *batch_fields.values()]:
        assert not (field.is_relation and field.related_model is User), field.name
        assert not isinstance(field, (models.DateTimeField, models.DateField)), field.name
        assert not isinstance(field, models.GenericIPAddressField), field.name
        assert not re.search(r"session_key|ip|addr|user|member|time|created", field.name)
    assert isinstance(answer_fields["id"], models.UUIDField)
    assert isinstance(batch_fields["id"], models.UUIDField)


def _rows_containing(text: str):
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        for field in fields:
            lookup = "icontains" if not isinstance(field, models.JSONField) else "contains"
            if isinstance(field, models.JSONField):
                # JSON: compare on the text of the whole value
                rows = [
                    r
                    for r in model._default_manager.all()
                    if text in str(getattr(r, field.attname))
                ]
            else:
                rows = model._default_manager.filter(**{f"{field.name}__{lookup}": text})
            for row in rows:
                yield model, row


def _user_links(row, user, depth=0) -> list[str]:
    found = []
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if isinstance(field, models.ForeignKey):
            if field.related_model is User and value == user.pk:
                found.append(f"{row._meta.label}.{field.name}")
            elif value is not None and depth < 3:
                found += _user_links(getattr(row, field.name), user, depth + 1)
        elif isinstance(value, str) and (user.email in value or user.name in value):
            found.append(f"{row._meta.label}.{field.name}")
    return found


def test_a_distinctive_answer_cannot_be_linked_to_its_author(client, lecturer, caplog):
    author = UserFactory(email="author@example.ac.uk", name="Author Person")
    others = _attendees(4)
    session = past_session(teachers=[lecturer], attendees=[author, *others])
    caplog.set_level(logging.DEBUG)
    client.force_login(author)

    response = client.post(
        f"/teachers/feedback/sessions/{session.pk}/",
        {"overall": "5", "good": X},
        REMOTE_ADDR="203.0.113.77",
    )
    for other in others:
        _answer(session, other, comment="fine")

    assert response.status_code == 302
    hits = list(_rows_containing(X))
    assert [m._meta.label for m, _ in hits] == ["teachers.FeedbackAnswer"]
    assert _user_links(hits[0][1], author) == []
    assert not any(_rows_containing("203.0.113.77"))
    log_text = "\n".join(r.getMessage() + " " + repr(r.__dict__) for r in caplog.records)
    assert "okapi" not in log_text
    # The store knows that someone answered, not who gave which answer.
    assert feedback_store.respondent_count(session_id=session.pk, channel=Channel.LIVE) == 5
    assert feedback_store.pending_count(session_id=session.pk) == 0


def _physical_order():
    table = FeedbackAnswer._meta.db_table
    position = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT answers FROM {table} ORDER BY {position}")  # noqa: S608
        rows = cursor.fetchall()
    import json

    return [
        next(
            a["value"]
            for a in (json.loads(r[0]) if isinstance(r[0], str) else r[0])
            if a["key"] == "good"
        )
        for r in rows
    ]


def test_rows_are_stored_in_the_order_the_store_hands_them_over(lecturer, monkeypatch):
    """The store shuffles a batch (its own tests show it); the sink must keep that order in
    the table's physical layout (SQLite rowid, PostgreSQL ctid), not re-sort it."""
    from nearpeer.anonymity import store

    handed = []

    def spy(scope, payloads):
        handed.extend(
            next(a["value"] for a in p["answers"] if a["key"] == "good") for p in payloads
        )
        feedback_store.write_batch(scope, payloads)

    monkeypatch.setitem(store._sinks, feedback_store.PREFIX, spy)
    people = _attendees(5)
    session = past_session(teachers=[lecturer], attendees=people)

    for n, person in enumerate(people):
        _answer(session, person, comment=f"answer {n}")

    assert sorted(handed) == [f"answer {n}" for n in range(5)]
    assert _physical_order() == handed
    keys = list(FeedbackAnswer.objects.values_list("pk", flat=True))
    assert len(set(keys)) == 5


# --- Who may answer -----------------------------------------------------------------------------


def test_attendees_answer_live_viewers_answer_recording_teachers_never(lecturer):
    attendee, viewer, stranger = _attendees(3)
    session = past_session(teachers=[lecturer], attendees=[attendee])
    record_material_view(material=_recording(session), member=viewer)

    assert services.feedback_channel(session=session, user=attendee) == Channel.LIVE
    assert services.feedback_channel(session=session, user=viewer) == Channel.RECORDING
    assert services.feedback_channel(session=session, user=stranger) is None
    assert services.feedback_channel(session=session, user=lecturer) is None
    # Opening the recording invited the viewer, once.
    assert list(Notification.objects.filter(recipient=viewer).values_list("url", flat=True)) == [
        f"/teachers/feedback/sessions/{session.pk}/"
    ]


def test_a_second_answer_is_refused(lecturer):
    (attendee,) = _attendees(1)
    session = past_session(teachers=[lecturer], attendees=[attendee])
    _answer(session, attendee)

    with pytest.raises(services.TeachersError, match="already"):
        _answer(session, attendee)


def test_request_feedback_notifies_attendees_once(lecturer):
    people = _attendees(3)
    session = past_session(teachers=[lecturer], attendees=people)

    first = services.request_feedback(session=session)
    second = services.request_feedback(session=session)

    assert (first, second) == (3, 0)
    assert Notification.objects.filter(recipient__in=people).count() == 3


def test_committee_edits_the_template_of_a_session_kind(client, lecturer):
    client.force_login(committee())
    response = client.post(
        "/teachers/feedback/templates/lecture/",
        {"questions": "rating: Was it worth the evening?\ntext: One thing to change"},
    )
    bad = client.post("/teachers/feedback/templates/lecture/", {"questions": "How was it?"})
    (attendee,) = _attendees(1)
    session = past_session(teachers=[lecturer], attendees=[attendee])
    client.force_login(attendee)
    form = client.get(f"/teachers/feedback/sessions/{session.pk}/")

    assert response.status_code == 302
    assert "Line 1 (“How was it?”): start with “rating:” or “text:”." in bad.text
    assert "Was it worth the evening?" in form.text
    assert "One thing to change" in form.text


# --- Thresholds and differencing ----------------------------------------------------------------


def test_release_groups_reach_the_threshold_before_anything_shows():
    assert release.effective_threshold(1) == 3
    assert release.effective_threshold(7) == 7
    assert release.released_count([], 5) == 0
    assert release.released_count([4], 5) == 0
    assert release.released_count([5], 5) == 1
    assert release.released_count([5, 2], 5) == 1
    assert release.released_count([5, 2, 3], 5) == 3
    assert release.released_count([2, 2, 2], 3) == 2


def test_nothing_shows_below_the_threshold(client, lecturer):
    people = _attendees(4)
    session = past_session(teachers=[lecturer], attendees=people)
    for p in people:
        _answer(session, p, comment=f"{X} {p.pk}")
    services.close_feedback(session=session)  # four answers flushed, still below five

    client.force_login(lecturer)
    page = client.get(f"/teachers/sessions/{session.pk}/feedback/")

    assert services.feedback_report([session.pk]).total == 0
    assert "Feedback shows once at least 5 people have answered" in page.text
    assert "okapi" not in page.text


def test_a_late_small_group_is_not_derivable_by_difference_over_time(client, lecturer):
    people = _attendees(7)
    session = past_session(teachers=[lecturer], attendees=people)
    for p in people[:5]:
        _answer(session, p, overall=4)
    before = services.feedback_report([session.pk])

    for p in people[5:]:
        _answer(session, p, overall=1, comment="late and distinctive")
    services.close_feedback(session=session)
    after = services.feedback_report([session.pk])
    client.force_login(lecturer)
    page = client.get(f"/teachers/sessions/{session.pk}/feedback/")

    assert (before.total, before.live.ratings["overall"].mean) == (5, 4.0)
    assert (after.total, after.live.ratings["overall"].mean) == (5, 4.0)
    assert after.withheld is True
    assert "late and distinctive" not in page.text


def test_views_cannot_be_subtracted_from_one_another(client, lecturer, settings):
    """Per session, per channel and over time: every figure shown is a sum of released groups
    of at least the threshold, so no difference between two views isolates a smaller group."""
    live_people, viewers, small = _attendees(5, "l"), _attendees(5, "v"), _attendees(3, "s")
    first = past_session(teachers=[lecturer], attendees=live_people, hours_ago=30)
    recording = _recording(first)
    second = past_session(teachers=[lecturer], attendees=small, hours_ago=5)
    for p in live_people:
        _answer(first, p, overall=5)
    for v in viewers:
        record_material_view(material=recording, member=v)
        _answer(first, v, overall=3)
    for p in small:
        _answer(second, p, overall=1)
    services.close_feedback(session=second)

    per_first = services.feedback_report([first.pk])
    per_second = services.feedback_report([second.pk])
    overall = services.feedback_report([first.pk, second.pk])
    client.force_login(lecturer)
    overview = client.get("/teachers/my-feedback/")
    client.force_login(committee())
    across = client.get("/teachers/committee/feedback/")

    assert (per_first.live.answers, per_first.recording.answers) == (5, 5)
    assert per_first.live.ratings["overall"].mean == 5.0
    assert per_first.recording.ratings["overall"].mean == 3.0
    assert per_second.total == 0
    assert (overall.live.answers, overall.recording.answers) == (5, 5)
    assert overall.live.ratings["overall"].mean == 5.0  # the three 1s of `second` stay out
    assert "5 live answers, 5 from recording viewers" in overview.text
    assert "5 live answers, 5 from recording viewers" in across.text
    assert "not enough answers to show yet" in overview.text


def test_the_configured_threshold_is_never_under_three(lecturer, settings):
    settings.NEARPEER_FEEDBACK_MIN_ANSWERS = 1
    settings.NEARPEER_MIN_GROUP_SIZE = 1  # the store would flush every answer at once
    people = _attendees(3)
    session = past_session(teachers=[lecturer], attendees=people)

    _answer(session, people[0])
    _answer(session, people[1])
    two = services.feedback_report([session.pk]).total
    _answer(session, people[2])
    three = services.feedback_report([session.pk]).total

    assert (two, three) == (0, 3)


def test_query_count_of_the_report_does_not_grow_with_answers(lecturer, django_assert_num_queries):
    people = _attendees(10)
    session = past_session(teachers=[lecturer], attendees=people)
    for p in people:
        _answer(session, p)

    # batches, answers, pending count per channel (2)
    with django_assert_num_queries(4):
        report = services.feedback_report([session.pk])
    assert report.total == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_row_positions_and_transaction_ids_follow_the_batch_not_the_answers(
    lecturer, monkeypatch
):
    """An attacker with a dump reads ctid (physical position) and xmin (transaction id): the
    answers of a batch share one transaction, and their positions follow the store's shuffle."""
    from nearpeer.anonymity import store

    handed = []

    def spy(scope, payloads):
        handed.extend(
            next(a["value"] for a in p["answers"] if a["key"] == "good") for p in payloads
        )
        feedback_store.write_batch(scope, payloads)

    monkeypatch.setitem(store._sinks, feedback_store.PREFIX, spy)
    people = _attendees(5)
    session = past_session(teachers=[lecturer], attendees=people)
    for n, person in enumerate(people):
        _answer(session, person, comment=f"answer {n}")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT xmin::text FROM {FeedbackAnswer._meta.db_table}")  # noqa: S608
        xmins = cursor.fetchall()

    assert len(xmins) == 1
    assert _physical_order() == handed


@pytest.mark.parametrize("n", [1, 3])
def test_feedback_to_give_lists_sessions_in_fixed_queries(
    client, lecturer, n, django_assert_num_queries
):
    (me,) = _attendees(1, "me")
    sessions = [past_session(teachers=[lecturer], attendees=[me]) for _ in range(n)]
    _answer(sessions[0], me)
    watched = past_session(teachers=[lecturer])
    record_material_view(material=_recording(watched), member=me)
    past_session(teachers=[lecturer])  # neither attended nor watched
    client.force_login(me)

    # session, user, sessions with their channels, answered markers, roles (navigation)
    with django_assert_num_queries(5):
        response = client.get("/teachers/feedback/")

    assert response.text.count("Give feedback<span") == n  # n - 1 live + 1 recording
    assert response.text.count("Feedback given") == 1
    assert response.text.count("you watched the recording") == 1


def test_commands_ask_recent_attendees_and_close_old_windows(lecturer, settings):
    from django.core.management import call_command

    people = _attendees(3)
    recent = past_session(teachers=[lecturer], attendees=people)
    old = past_session(teachers=[lecturer], attendees=people, hours_ago=24 * 100)
    for p in people:
        _answer(old, p) if services.feedback_channel(session=old, user=p) else None
    record_material_view(material=_recording(old), member=_attendees(1, "late")[0])

    call_command("teachers", "request-feedback")
    call_command("teachers", "request-feedback")
    call_command("teachers", "close-feedback")

    assert Notification.objects.filter(url__endswith=f"/{recent.pk}/").count() == 3
    assert Notification.objects.filter(url__endswith=f"/{old.pk}/").count() == 0
    assert services.feedback_channel(session=old, user=people[0]) is None
    assert services.close_feedback(session=old) == 0  # already closed


@pytest.mark.parametrize("n", [1, 3])
def test_overview_and_committee_views_in_fixed_queries(
    client, lecturer, n, django_assert_num_queries
):
    people = _attendees(5)
    for _ in range(n):
        session = past_session(teachers=[lecturer, teacher()], attendees=people)
        for p in people:
            _answer(session, p, overall=4)
    client.force_login(lecturer)

    # session, user, roles, sessions, batches, answers
    with django_assert_num_queries(6):
        mine = client.get("/teachers/my-feedback/")
    client.force_login(committee())
    # session, user, roles, teachers' sessions, batches, answers
    with django_assert_num_queries(6):
        across = client.get("/teachers/committee/feedback/")

    assert f"<p>{5 * n} live answers" in mine.text
    lecturer_and_co_teachers = [f"<p>{5 * n} live answers"] + ["<p>5 live answers"] * n
    assert sorted(re.findall(r"<p>\d+ live answers", across.text)) == sorted(
        lecturer_and_co_teachers
    )
