import uuid

from django.core.files.base import ContentFile

from nearpeer.core.tests.access import LOGIN, Access, expect
from nearpeer.members.tests.factories import UserFactory, teacher
from nearpeer.osce import services
from nearpeer.osce.models import Station
from nearpeer.osce.tests.factories import StationFactory, all_marks, mock, practice

SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
WRITERS = expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=200)
COMMITTEE_PAGE = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)
COMMITTEE_POST = expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404)
# The world's member is the practice's candidate and the mock's candidate; the world's teacher
# is the examiner of both.
PARTICIPANTS = expect(anonymous=LOGIN, member=200, teacher=200, committee=404, faculty=404)
MOCK_PEOPLE = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=404)
EXAMINER_PAGE = expect(anonymous=LOGIN, member=404, teacher=200, committee=404, faculty=404)
CANDIDATE_PAGE = expect(anonymous=LOGIN, member=200, teacher=404, committee=404, faculty=404)


def arrange(world):
    author = teacher(email="author@example.ac.uk")
    world.station = StationFactory(
        author=author,
        title="Published station",
        image=ContentFile(b"\x89PNG\r\n\x1a\n", name="x.png"),
        image_type="image/png",
        image_alt="An ECG",
    )
    world.other_station = StationFactory(author=author, title="Second station")
    world.review_station = StationFactory(
        author=author, title="In review", status=Station.Status.REVIEW
    )
    world.approved = StationFactory(author=author, title="Approved", status="approved")
    world.own_station = StationFactory(author=world.teacher, title="Teacher's own")
    world.practice = practice(
        world.other_station,
        candidate=world.member,
        examiner=world.teacher,
        patient=UserFactory(email="patient@example.ac.uk"),
    )
    world.marked = practice(
        world.other_station, candidate=world.other_member, examiner=world.teacher
    )
    services.mark_practice(
        practice=world.marked,
        by=world.teacher,
        marks=all_marks(world.other_station),
        global_rating=4,
        feedback="",
        client_id=uuid.uuid4(),
    )
    world.mock = mock(
        by=world.committee,
        stations=[world.station],
        candidates=[world.member],
        examiners=[world.teacher],
    )
    services.build_mock_rotation(mock=world.mock, by=world.committee)


def _pk(name):
    return lambda w: {"pk": getattr(w, name).pk}


def _mock_pk(w):
    return {"pk": w.mock.pk}


CASES = [
    Access("osce:home", SIGNED_IN),
    Access("osce:station-create", WRITERS),
    Access("osce:station-detail", SIGNED_IN, kwargs=_pk("station")),
    Access(
        "osce:station-detail",
        expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=200),
        kwargs=_pk("review_station"),
        label="in review",
    ),
    # The image goes with the examiner's material: the world's member will sit this station.
    Access(
        "osce:station-image",
        expect(anonymous=LOGIN, member=404, teacher=200, committee=200, faculty=200),
        kwargs=_pk("station"),
    ),
    Access(
        "osce:station-submit",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=404, faculty=404),
        kwargs=_pk("station"),
        method="post",
    ),
    Access(
        "osce:station-review",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=302, faculty=302),
        kwargs=_pk("review_station"),
        method="post",
        data=lambda w: {"approve": "1", "comment": "Clear."},
    ),
    Access(
        "osce:station-endorse",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=404, faculty=302),
        kwargs=_pk("approved"),
        method="post",
    ),
    Access(
        "osce:station-publish",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404),
        kwargs=_pk("approved"),
        method="post",
    ),
    Access(
        "osce:station-version",
        expect(anonymous=LOGIN, member=404, teacher=200, committee=404, faculty=404),
        kwargs=_pk("own_station"),
    ),
    # Writers may remix another author's published station; a member may not write at all.
    Access("osce:station-remix", WRITERS, kwargs=_pk("other_station")),
    Access("osce:practice-create", SIGNED_IN),
    Access("osce:practice-detail", PARTICIPANTS, kwargs=_pk("practice")),
    Access("osce:practice-state", PARTICIPANTS, kwargs=_pk("practice")),
    Access(
        "osce:practice-start",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=404, faculty=404),
        kwargs=_pk("practice"),
        method="post",
    ),
    Access(
        "osce:practice-mark",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=404, faculty=404),
        kwargs=_pk("practice"),
        method="post",
    ),
    Access(
        "osce:practice-rotate",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=404, faculty=404),
        kwargs=_pk("marked"),
        method="post",
        data=lambda w: {"station": w.station.pk},
    ),
    Access("osce:mock-create", COMMITTEE_PAGE),
    Access("osce:mock-detail", COMMITTEE_PAGE, kwargs=_mock_pk),
    Access("osce:mock-build", COMMITTEE_POST, kwargs=_mock_pk, method="post"),
    Access("osce:mock-start", COMMITTEE_POST, kwargs=_mock_pk, method="post"),
    Access("osce:mock-release", COMMITTEE_POST, kwargs=_mock_pk, method="post"),
    Access(
        "osce:mock-export",
        COMMITTEE_PAGE,
        kwargs=lambda w: {"pk": w.mock.pk, "fmt": "xlsx"},
    ),
    Access("osce:mock-clock", MOCK_PEOPLE, kwargs=_mock_pk),
    Access("osce:mock-clock-state", MOCK_PEOPLE, kwargs=_mock_pk),
    Access("osce:mock-examine", EXAMINER_PAGE, kwargs=_mock_pk),
    Access(
        "osce:mock-mark",
        expect(anonymous=LOGIN, member=404, teacher=302, committee=404, faculty=404),
        kwargs=lambda w: {"pk": w.mock.pk, "station_pk": w.station.pk, "candidate_pk": w.member.pk},
        method="post",
        data=lambda w: {
            **{
                f"s{w.station.pk}c{w.member.pk}-item_{k}": v
                for k, v in all_marks(w.station).items()
            },
            f"s{w.station.pk}c{w.member.pk}-global_rating": "4",
            f"s{w.station.pk}c{w.member.pk}-client_id": str(uuid.uuid4()),
        },
    ),
    Access("osce:mock-results", COMMITTEE_PAGE, kwargs=_mock_pk),
    Access("osce:mock-mine", CANDIDATE_PAGE, kwargs=_mock_pk),
]
