import datetime

import factory

from nearpeer.members.tests.factories import UserFactory, teacher
from nearpeer.osce import services
from nearpeer.osce.models import Mock, PracticeRole, Station

SCHEME = [
    ("Introduces self and confirms the patient's identity", 2, True),
    ("Asks about the onset and character of the pain", 1, False),
    ("Summarises back to the patient", 1, False),
]


class StationFactory(factory.django.DjangoModelFactory):
    """A published station with a three-item scheme (one critical, weighted 2)."""

    class Meta:
        model = Station
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Chest pain history {n}")
    specialty = "Cardiology"
    skill = Station.Skill.HISTORY
    reading_seconds = 60
    station_seconds = 300
    candidate_instructions = "Take a focused history from this patient with chest pain."
    patient_brief = "You are 58. The pain started an hour ago while gardening."
    findings = "ECG: ST elevation in II, III, aVF."
    author = factory.LazyFunction(teacher)
    status = Station.Status.PUBLISHED

    @factory.post_generation
    def scheme(self, create, extracted, **kwargs):
        if create:
            for n, (text, weight, critical) in enumerate(extracted or SCHEME):
                self.items.create(order=n, text=text, weight=weight, critical=critical)


def practice(station, *, candidate, examiner, patient=None, by=None):
    roles = {candidate: PracticeRole.Role.CANDIDATE, examiner: PracticeRole.Role.EXAMINER}
    if patient is not None:
        roles[patient] = PracticeRole.Role.PATIENT
    return services.create_practice(by=by or examiner, station=station, roles=roles)


def mock(*, by, stations, candidates, examiners, circuits=1, max_rest=0, friends=()):
    return services.create_mock(
        by=by,
        title="Spring mock OSCE",
        date=datetime.date(2026, 12, 1),
        stations=stations,
        circuits=circuits,
        max_rest_stations=max_rest,
        candidates=candidates,
        examiners=[(e, []) for e in examiners],
        friends=list(friends),
    )


def all_marks(station, mark="done"):
    return {str(i.pk): mark for i in station.items.all()}


__all__ = ["UserFactory", "StationFactory", "practice", "mock", "all_marks", "Mock"]
