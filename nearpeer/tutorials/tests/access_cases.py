from nearpeer.core.tests.access import LOGIN, Access, expect
from nearpeer.members.tests.factories import UserFactory
from nearpeer.tutorials import services
from nearpeer.tutorials.models import MentoringEntry, TutorialGroup
from nearpeer.tutorials.tests.factories import (
    ProgrammeFactory,
    SchemeFactory,
    SlotFactory,
    sign_up,
)

SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
COMMITTEE_PAGE = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)
COMMITTEE_POST = expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404)
# Year-2 members, tutors (student-teachers) and the committee know of a year-2 programme.
PROGRAMME_PAGE = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=404)


def arrange(world):
    world.programme = ProgrammeFactory(title="Year 2 anatomy spotters")
    slot = SlotFactory(programme=world.programme)
    world.own_signup = sign_up(world.programme, world.member, yes=[slot])
    world.other_signup = sign_up(world.programme, world.other_member, yes=[slot])
    sign_up(world.programme, world.teacher, role="tutor", yes=[slot])
    for n in range(2):
        sign_up(world.programme, UserFactory(email=f"peer{n}@example.ac.uk"), yes=[slot])
    published = ProgrammeFactory(title="Published programme")
    pslot = SlotFactory(programme=published)
    group = TutorialGroup.objects.create(programme=published, slot=pslot)
    group.members.set(
        [
            sign_up(published, world.member, yes=[pslot]),
            sign_up(published, world.teacher, role="tutor", yes=[pslot]),
            *[
                sign_up(published, UserFactory(email=f"pub{n}@example.ac.uk"), yes=[pslot])
                for n in range(2)
            ],
        ]
    )
    services.publish_programme(programme=published, by=world.committee)
    world.group = group
    world.scheme = SchemeFactory()
    MentoringEntry.objects.create(
        scheme=world.scheme, member=world.other_member, role="mentee", interests=["research"]
    )


CASES = [
    Access("tutorials:home", SIGNED_IN),
    Access("tutorials:programme-create", COMMITTEE_PAGE),
    Access("tutorials:programme-detail", PROGRAMME_PAGE, kwargs=lambda w: {"pk": w.programme.pk}),
    Access(
        "tutorials:signup-edit",
        # tutees of the target years and student-teachers as tutors; the committee member here
        # is in year 4 and not a tutor, so there is nothing to sign up for.
        expect(anonymous=LOGIN, member=200, teacher=200, committee=404, faculty=404),
        kwargs=lambda w: {"pk": w.programme.pk},
    ),
    Access(
        "tutorials:signup-detail",
        expect(anonymous=LOGIN, member=200, teacher=404, committee=200, faculty=404),
        kwargs=lambda w: {"pk": w.own_signup.pk},
        label="own",
    ),
    Access(
        "tutorials:signup-detail",
        # tutees never see other tutees' availability
        expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404),
        kwargs=lambda w: {"pk": w.other_signup.pk},
        label="another tutee's",
    ),
    Access("tutorials:allocation-review", COMMITTEE_PAGE, kwargs=lambda w: {"pk": w.programme.pk}),
    Access("tutorials:allocation-status", COMMITTEE_PAGE, kwargs=lambda w: {"pk": w.programme.pk}),
    Access(
        "tutorials:allocation-run",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.programme.pk},
        method="post",
        data=lambda w: {"time_limit_s": 5},
    ),
    Access(
        "tutorials:allocation-move",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.programme.pk},
        method="post",
        data=lambda w: {"signup": w.own_signup.pk, "to_group": 0},
    ),
    Access(
        "tutorials:programme-publish",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.programme.pk},
        method="post",
        data=lambda w: {"confirm": "1"},
    ),
    Access(
        "tutorials:group-detail",
        expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=404),
        kwargs=lambda w: {"pk": w.group.pk},
    ),
    Access(
        "tutorials:group-pin", COMMITTEE_POST, kwargs=lambda w: {"pk": w.group.pk}, method="post"
    ),
    Access("tutorials:scheme-create", COMMITTEE_PAGE),
    Access(
        "tutorials:scheme-detail",
        # year-2 mentees, older mentors (the teacher is in year 5), the committee
        expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=404),
        kwargs=lambda w: {"pk": w.scheme.pk},
    ),
    Access("tutorials:scheme-review", COMMITTEE_PAGE, kwargs=lambda w: {"pk": w.scheme.pk}),
    Access(
        "tutorials:scheme-run", COMMITTEE_POST, kwargs=lambda w: {"pk": w.scheme.pk}, method="post"
    ),
    Access(
        "tutorials:scheme-publish",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.scheme.pk},
        method="post",
    ),
]
