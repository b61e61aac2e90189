"""Demo OSCE content: four published stations (one remixed), a draft in peer review, a practice
that Mo Member sits with two others, and a mock OSCE with its rotation built.

Idempotent: everything hangs off get_or_create of the stations by title and the mock by title."""

import datetime
import uuid

from django.utils import timezone

from nearpeer.members.models import Role, User

from . import services
from .models import Mock, Practice, PracticeRole, Station

DOMAIN = "demo.nearpeer.org"

STATIONS = [
    {
        "title": "Chest pain: focused history",
        "exam": "osce",
        "year": 3,
        "specialty": "Cardiology",
        "skill": "history",
        "reading_seconds": 60,
        "station_seconds": 480,
        "candidate_instructions": "You are a foundation doctor in the emergency department. "
        "Take a focused history from Mr Hill, who has chest pain, then tell the examiner your "
        "differential diagnosis.",
        "patient_brief": "You are Alan Hill, 58, a retired postman. A tight, heavy pain in the "
        "middle of your chest began forty minutes ago while you were carrying shopping. It goes "
        "into your left arm. You smoke ten a day. Only mention your father's heart attack if "
        "asked about family.",
        "findings": "Pulse 96 regular, BP 150/92, saturations 97% on air.",
        "pass_mark": 0.6,
        "scheme": [
            ("Introduces self, confirms identity and gains consent", 1, True),
            ("Establishes site, onset and character of the pain", 2, False),
            ("Asks about radiation and associated symptoms", 1, False),
            ("Asks about cardiovascular risk factors", 2, False),
            ("Takes a family history", 1, False),
            ("Gives a sensible differential led by acute coronary syndrome", 2, True),
        ],
    },
    {
        "title": "Knee examination",
        "exam": "osce",
        "year": 3,
        "specialty": "Orthopaedics",
        "skill": "examination",
        "reading_seconds": 60,
        "station_seconds": 420,
        "candidate_instructions": "Examine this patient's right knee and present your findings.",
        "patient_brief": "Your right knee gave way playing five-a-side last week. It is tender "
        "on the inner side when pressed.",
        "findings": "Small effusion; medial joint line tenderness.",
        "pass_mark": 0.6,
        "scheme": [
            ("Washes hands and exposes both knees appropriately", 1, True),
            ("Inspects standing and lying", 1, False),
            ("Palpates for warmth, effusion and joint line tenderness", 2, False),
            ("Assesses active and passive movement", 1, False),
            ("Tests collateral and cruciate ligaments", 2, False),
            ("Presents findings clearly", 1, False),
        ],
    },
    {
        "title": "Explaining a new diagnosis of type 2 diabetes",
        "exam": "cpa",
        "year": 4,
        "specialty": "Endocrinology",
        "skill": "communication",
        "reading_seconds": 60,
        "station_seconds": 480,
        "candidate_instructions": "Ms Osei's HbA1c is 58 mmol/mol. Explain the diagnosis and "
        "agree the next steps with her.",
        "patient_brief": "You are Grace Osei, 46. You are worried because your mother lost a "
        "leg to diabetes. Ask whether you will need injections.",
        "findings": "",
        "pass_mark": 0.6,
        "scheme": [
            ("Checks what the patient knows and wants to know", 2, False),
            ("Explains the diagnosis without jargon", 2, True),
            ("Responds to the patient's worry", 1, False),
            ("Agrees a plan and safety-nets", 1, False),
        ],
    },
    {
        "title": "Arterial blood gas interpretation",
        "exam": "paces",
        "year": 5,
        "specialty": "Respiratory",
        "skill": "data",
        "reading_seconds": 60,
        "station_seconds": 300,
        "candidate_instructions": "Interpret this arterial blood gas taken on air and suggest "
        "the next step.",
        "patient_brief": "",
        "findings": "pH 7.31, PaCO2 7.9 kPa, PaO2 7.2 kPa, HCO3 29 mmol/L.",
        "pass_mark": 0.6,
        "scheme": [
            ("Identifies acidaemia", 1, False),
            ("Identifies respiratory acidosis with partial compensation", 2, True),
            ("Identifies type 2 respiratory failure", 2, True),
            ("Suggests controlled oxygen and senior review", 1, False),
        ],
    },
]


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _station(spec: dict, author: User, *, status=Station.Status.PUBLISHED, **extra) -> Station:
    station = Station.objects.filter(title=spec["title"]).first()
    if station is None:
        fields = {k: v for k, v in spec.items() if k != "scheme"}
        station = services.create_station(by=author, fields=fields, scheme=spec["scheme"], **extra)
        station.status = status
        station.save(update_fields=["status"])
    return station


def seed(*, rng, stdout) -> None:
    teacher = _user(f"teacher@{DOMAIN}")
    boss = _user(f"committee@{DOMAIN}")
    member = _user(f"member@{DOMAIN}")
    if not (teacher and boss and member):
        return
    tutors = list(
        User.objects.filter(role_grants__role=Role.STUDENT_TEACHER)
        .exclude(pk=teacher.pk)
        .order_by("email")[:6]
    )
    stations = [_station(spec, teacher) for spec in STATIONS[:3]]
    abg = _station(STATIONS[3], tutors[0] if tutors else teacher)
    stations.append(abg)
    remix_spec = {
        **STATIONS[0],
        "title": "Chest pain: history for PACES",
        "exam": "paces",
        "year": 5,
    }
    _station(remix_spec, tutors[1] if len(tutors) > 1 else teacher, remixed_from=stations[0])
    draft_spec = {**STATIONS[1], "title": "Shoulder examination", "specialty": "Orthopaedics"}
    _station(draft_spec, teacher, status=Station.Status.REVIEW)

    if not Practice.objects.filter(station=stations[1], roles__user=member).exists():
        peers = list(
            User.objects.filter(year=2, role_grants__isnull=True).exclude(pk=member.pk)[:2]
        )
        if len(peers) == 2:
            practice = services.create_practice(
                by=member,
                station=stations[1],
                roles={
                    member: PracticeRole.Role.CANDIDATE,
                    peers[0]: PracticeRole.Role.EXAMINER,
                    peers[1]: PracticeRole.Role.PATIENT,
                },
            )
            practice.started_at = timezone.now()
            practice.save(update_fields=["started_at"])
            services.mark_practice(
                practice=practice,
                by=peers[0],
                marks={
                    str(i.pk): rng.choice(["done", "done", "partly"])
                    for i in stations[1].items.all()
                },
                global_rating=4,
                feedback="Clear structure. Compare both knees before you touch the sore one.",
                client_id=uuid.uuid4(),
            )

    if not Mock.objects.filter(title="Year 3 mock OSCE").exists() and len(tutors) >= 6:
        candidates = list(
            User.objects.filter(year=3, role_grants__isnull=True).order_by("email")[:10]
        )
        mock = services.create_mock(
            by=boss,
            title="Year 3 mock OSCE",
            date=timezone.localdate() + datetime.timedelta(days=21),
            stations=stations[:3],
            circuits=2,
            max_rest_stations=1,
            candidates=candidates,
            examiners=[(t, []) for t in tutors[:6]],
            friends=[(tutors[0], candidates[0])],
        )
        services.build_mock_rotation(mock=mock, by=boss)
    stdout.write("OSCE: stations, a marked practice and a mock OSCE with its rotation.")
