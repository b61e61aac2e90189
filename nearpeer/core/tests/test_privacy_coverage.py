"""Issue #8, finding 6: erasure and the data download cover everything that points at a
person. Every reference to a user (a foreign key, a many-to-many, or one of the few columns
that hold an email) must be named by some app's privacy hook (`COVERS` in `<app>/privacy.py`,
saying what erasure does with it); a new model that points at users fails here until its app
decides."""

from datetime import timedelta

from django.apps import apps
from django.conf import settings

from nearpeer.core.hooks import app_modules

# References that are not relations: columns holding the person's email.
OTHER_REFERENCES = {
    "evaluation.Coding.coder",
    "axes.AccessAttempt.username",
    "axes.AccessLog.username",
    "axes.AccessFailureLog.username",
    "admin.LogEntry.object_repr",
}


def user_references() -> set[str]:
    user = apps.get_model(settings.AUTH_USER_MODEL)
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model is user:
                found.add(f"{model._meta.label}.{field.name}")
    return found | OTHER_REFERENCES


def test_every_reference_to_a_user_is_named_by_a_privacy_hook():
    named = {}
    for _, module in app_modules("privacy"):
        named.update(getattr(module, "COVERS", {}))

    assert sorted(user_references() - set(named)) == []
    assert sorted(set(named) - user_references()) == []  # no stale names either


def test_other_references_exist():
    # The list above is checked too: a renamed column must not silently leave it.
    for dotted in OTHER_REFERENCES:
        label, name = dotted.rsplit(".", 1)
        apps.get_model(label)._meta.get_field(name)


def test_the_walk_finds_a_new_reference(monkeypatch):
    # The walk is not vacuous: it sees the relations the apps declare.
    assert {"teaching.Registration.member", "members.RoleGrant.user"} <= user_references()
    assert len(user_references()) > 30


def _erase(member, by):
    from nearpeer.members.services import erase_member

    erase_member(member=member, by=by)


def test_erasure_leaves_no_year_dates_or_sign_in(db):
    from django.utils import timezone

    from nearpeer.members.tests.factories import UserFactory, committee

    member = UserFactory(year=5, intercalating=True)
    member.last_login = timezone.now() - timedelta(days=1)
    member.date_joined = timezone.now() - timedelta(days=700)
    member.save()

    _erase(member, committee())

    member.refresh_from_db()
    assert (member.year, member.intercalating, member.last_login) == (None, False, None)
    assert member.date_joined == member.erased_at


def test_erasure_removes_the_sign_in_log_and_the_download_has_it(client, db):
    from axes.models import AccessLog

    from nearpeer.members.services import export_member_data
    from nearpeer.members.tests.factories import UserFactory, committee

    member = UserFactory(email="ada@example.ac.uk", password="right-horse-battery")
    client.post(
        "/members/sign-in/",
        {"username": "ADA@example.ac.uk", "password": "right-horse-battery"},
        REMOTE_ADDR="192.0.2.9",
    )

    exported = export_member_data(member=member)
    _erase(member, committee())

    assert [s["address"] for s in exported["sign_ins"]] == ["192.0.2.9"]
    assert AccessLog.objects.count() == 0


def test_erasure_takes_the_members_words_out_of_others_notifications(db):
    from nearpeer.members.tests.factories import UserFactory, committee
    from nearpeer.notifications.models import Notification
    from nearpeer.questions.services import flag_question
    from nearpeer.questions.tests.factories import make_question

    question = make_question()
    reporter = UserFactory()
    flag_question(question=question, by=reporter, reason="Option C is wrong: see my notes, Zed")

    _erase(reporter, committee())

    bodies = list(Notification.objects.filter(recipient=question.author).values_list("body"))
    assert bodies == [("(removed: the author's data was erased)",)]


def test_erasure_turns_the_coders_email_into_a_pseudonym(db):
    from nearpeer.evaluation.models import Code, Coding, Survey, Transcript
    from nearpeer.evaluation.services import apply_code, coders
    from nearpeer.members.services import export_member_data
    from nearpeer.members.tests.factories import UserFactory, committee

    lead = UserFactory(email="lead@example.ac.uk")
    survey = Survey.objects.create(title="S", slug="s")
    transcript = Transcript.objects.create(survey=survey, title="T1", text="I felt welcome there.")
    code = Code.objects.create(survey=survey, name="belonging")
    for start in (0, 2):
        apply_code(code=code, coder=lead.email, transcript=transcript, start=start, end=8)
    apply_code(code=code, coder="second@example.ac.uk", transcript=transcript)

    exported = export_member_data(member=lead)["evaluation"]["codings"]
    _erase(lead, committee())

    pseudonyms = set(Coding.objects.exclude(coder="second@example.ac.uk").values_list("coder"))
    assert [c["code"] for c in exported] == ["belonging", "belonging"]
    assert len(pseudonyms) == 1 and "@" not in next(iter(pseudonyms))[0]
    assert "lead@example.ac.uk" not in coders(survey)
    assert len(coders(survey)) == 2  # agreement between the two coders still works


def test_teaching_data_comes_through_teachings_own_hook():
    import inspect

    from nearpeer.members import services

    assert "teaching" not in inspect.getsource(services).replace("teaching app", "")
