import pytest

from nearpeer.members.services import erase_member, export_member_data
from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.tutorials.models import MentoringEntry, Programme, SignUp
from nearpeer.tutorials.tests.factories import (
    ProgrammeFactory,
    SchemeFactory,
    SlotFactory,
    sign_up,
)

pytestmark = pytest.mark.django_db


def test_data_download_includes_tutorial_signups_and_mentoring():
    member, friend = UserFactory(year=2), UserFactory(year=2, name="Bea Friend")
    programme = ProgrammeFactory(title="OSCE spring")
    slot = SlotFactory(programme=programme)
    friend_signup = sign_up(programme, friend)
    sign_up(programme, member, yes=[slot], friends=[friend_signup])
    scheme = SchemeFactory(title="Buddies")
    MentoringEntry.objects.create(scheme=scheme, member=member, role="mentee", note="Shy at first")

    data = export_member_data(member=member)["tutorials"]

    assert [
        (s["programme"], s["role"], s["availability"], s["friends"])
        for s in data["tutorial_signups"]
    ] == [("OSCE spring", "tutee", {slot.label: "yes"}, ["Bea Friend"])]
    assert [(e["scheme"], e["role"], e["note"]) for e in data["mentoring"]] == [
        ("Buddies", "mentee", "Shy at first")
    ]


def test_erasure_withdraws_the_member_from_open_programmes_and_schemes():
    member = UserFactory(year=2)
    open_programme = ProgrammeFactory()
    published = ProgrammeFactory(status=Programme.Status.PUBLISHED)
    friend = sign_up(published, UserFactory(year=2))
    sign_up(open_programme, member)
    kept = sign_up(published, member, friends=[friend])
    open_scheme = SchemeFactory()
    published_scheme = SchemeFactory(status="published")
    MentoringEntry.objects.create(scheme=open_scheme, member=member, role="mentee", note="a")
    MentoringEntry.objects.create(scheme=published_scheme, member=member, role="mentee", note="b")

    erase_member(member=member, by=committee())

    assert list(SignUp.objects.filter(member=member)) == [kept]
    assert kept.friends.count() == 0
    assert list(MentoringEntry.objects.filter(member=member).values_list("scheme_id", "note")) == [
        (published_scheme.pk, "")
    ]
