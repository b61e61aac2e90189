"""OSCE workflows: the station bank's review flow, group practice, mock circuits."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from nearpeer.tutorials.models import SignUp, TutorialGroup

from . import rotation, scoring
from .models import (
    MarkItem,
    Mock,
    MockCandidate,
    MockConflict,
    MockExaminer,
    Practice,
    PracticeRole,
    Sheet,
    Station,
    StationReview,
)
from .permissions import will_sit

STATION_FIELDS = (
    "title",
    "exam",
    "year",
    "specialty",
    "skill",
    "reading_seconds",
    "station_seconds",
    "candidate_instructions",
    "patient_brief",
    "findings",
    "pass_mark",
)


class OsceError(ValueError):
    """A workflow step that cannot be taken; the message says why."""


# --- Station bank --------------------------------------------------------------------------------


@transaction.atomic
def create_station(
    *,
    by,
    fields: dict,
    scheme: list[tuple[str, int, bool]],
    previous: Station | None = None,
    remixed_from: Station | None = None,
) -> Station:
    """A new draft station with its mark scheme. `previous`: a new version of the author's own
    station; `remixed_from`: a copy of someone else's, credited. Side effects: rows only."""
    station = Station(author=by, **{k: fields[k] for k in STATION_FIELDS})
    source = previous or remixed_from
    if source is not None and source.image:
        # A copy shares the original's image file until a new one is uploaded.
        station.image, station.image_type = source.image.name, source.image_type
        station.image_alt = source.image_alt
    upload = fields.get("image")
    if upload:
        station.image = upload
        station.image_type = upload.content_type_checked
        station.image_alt = fields.get("image_alt", "")
    if previous is not None:
        station.previous = previous
        station.version = previous.version + 1
        station.remixed_from = previous.remixed_from
    if remixed_from is not None:
        station.remixed_from = remixed_from
    station.full_clean()
    station.save()
    MarkItem.objects.bulk_create(
        MarkItem(station=station, order=n, text=text, weight=weight, critical=critical)
        for n, (text, weight, critical) in enumerate(scheme)
    )
    return station


@transaction.atomic
def submit_station(*, station: Station, by) -> None:
    if station.author_id != by.pk or station.status != Station.Status.DRAFT:
        raise OsceError("Only the author can send a draft for review.")
    station.status = Station.Status.REVIEW
    station.save(update_fields=["status", "updated_at"])


@transaction.atomic
def review_station(*, station: Station, by, approve: bool, comment: str) -> StationReview:
    """A peer's decision: approve (the author may then publish, with or without a faculty
    endorsement) or send back to draft with a comment."""
    if station.status != Station.Status.REVIEW or station.author_id == by.pk:
        raise OsceError("This station is not waiting for your review.")
    review = StationReview.objects.create(
        station=station, reviewer=by, approve=approve, comment=comment
    )
    station.status = Station.Status.APPROVED if approve else Station.Status.DRAFT
    station.save(update_fields=["status", "updated_at"])
    return review


@transaction.atomic
def endorse_station(*, station: Station, by) -> None:
    station.endorsed_by = by
    station.endorsed_at = timezone.now()
    station.save(update_fields=["endorsed_by", "endorsed_at", "updated_at"])


@transaction.atomic
def publish_station(*, station: Station, by) -> None:
    """Publish an approved station; earlier published versions of it are retired."""
    if station.status != Station.Status.APPROVED:
        raise OsceError("Only a peer-approved station can be published.")
    station.status = Station.Status.PUBLISHED
    station.save(update_fields=["status", "updated_at"])
    earlier = station.previous
    while earlier is not None:
        if earlier.status == Station.Status.PUBLISHED:
            earlier.status = Station.Status.RETIRED
            earlier.save(update_fields=["status", "updated_at"])
        earlier = earlier.previous


def scheme_of(station: Station) -> list[tuple[str, int, bool]]:
    return [(i.text, i.weight, i.critical) for i in station.items.all()]


# --- Marking --------------------------------------------------------------------------------------


def _scored(station: Station, marks: dict, global_rating: int) -> scoring.Result:
    try:
        return scoring.score(
            station.scoring_items(), marks, global_rating, pass_mark=station.pass_mark
        )
    except scoring.ScoringError as exc:
        raise OsceError(str(exc)) from exc


# --- Group practice ---------------------------------------------------------------------------


@transaction.atomic
def create_practice(*, by, station: Station, roles: dict, group=None) -> Practice:
    """roles: user → PracticeRole.Role. One candidate and one examiner are required."""
    values = list(roles.values())
    if (
        values.count(PracticeRole.Role.CANDIDATE) != 1
        or values.count(PracticeRole.Role.EXAMINER) != 1
    ):
        raise OsceError("A practice needs exactly one candidate and one examiner.")
    if station.status != Station.Status.PUBLISHED:
        raise OsceError("Practise with a published station.")
    if by not in roles:
        raise OsceError("You take part in the practices you set up.")
    for user, role in roles.items():
        if role != PracticeRole.Role.CANDIDATE and will_sit(user, station):
            # Their brief would show what they are about to be examined on.
            raise OsceError(
                f"{user.get_short_name()} will sit this station as a candidate; "
                "choose another station or another role."
            )
    practice = Practice.objects.create(station=station, created_by=by, group=group)
    PracticeRole.objects.bulk_create(
        PracticeRole(practice=practice, user=user, role=role) for user, role in roles.items()
    )
    return practice


@transaction.atomic
def start_practice(*, practice: Practice, by) -> None:
    """Start the reading time now (server time); every phone counts down from it."""
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    if practice.started_at is None:
        practice.started_at = timezone.now()
        practice.save(update_fields=["started_at"])


@transaction.atomic
def mark_practice(
    *, practice: Practice, by, marks: dict, global_rating: int, feedback: str, client_id
) -> Sheet:
    """The examiner's sheet; finishing the practice releases it to the candidate."""
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    candidate = practice.roles.get(role=PracticeRole.Role.CANDIDATE).user
    result = _scored(practice.station, marks, global_rating)
    existing = Sheet.objects.filter(practice=practice).first()
    if existing is not None:
        return existing  # a repeated submission (or a second tap): the first one stands
    sheet = Sheet.objects.create(
        station=practice.station,
        examiner=by,
        candidate=candidate,
        practice=practice,
        marks=marks,
        global_rating=global_rating,
        feedback=feedback,
        percent=result.percent,
        passed=result.passed,
        missed=list(result.missed),
        client_id=client_id,
    )
    practice.finished_at = timezone.now()
    practice.save(update_fields=["finished_at"])
    return sheet


ROTATION_ORDER = [
    PracticeRole.Role.CANDIDATE,
    PracticeRole.Role.EXAMINER,
    PracticeRole.Role.PATIENT,
]


@transaction.atomic
def rotate_practice(*, practice: Practice, by, station: Station) -> Practice:
    """The next practice with the same people, roles moved on one place: the examiner becomes
    the candidate, the patient the examiner, the candidate the patient (observers stay)."""
    roles = {r.user: r.role for r in practice.roles.select_related("user")}
    nxt = {
        PracticeRole.Role.EXAMINER: PracticeRole.Role.CANDIDATE,
        PracticeRole.Role.PATIENT: PracticeRole.Role.EXAMINER,
        PracticeRole.Role.CANDIDATE: PracticeRole.Role.PATIENT
        if PracticeRole.Role.PATIENT in roles.values()
        else PracticeRole.Role.EXAMINER,
        PracticeRole.Role.OBSERVER: PracticeRole.Role.OBSERVER,
    }
    new_roles = {user: nxt[role] for user, role in roles.items()}
    new_candidate = next(u for u, r in new_roles.items() if r == PracticeRole.Role.CANDIDATE)
    if Practice.objects.filter(station=station, roles__user=new_candidate).exists():
        raise OsceError(
            f"{new_candidate.get_short_name()} has already seen this station; choose another."
        )
    new = create_practice(by=by, station=station, roles=new_roles, group=practice.group)
    new.previous = practice
    new.save(update_fields=["previous"])
    return new


# --- Mock OSCE ------------------------------------------------------------------------------------


@transaction.atomic
def create_mock(
    *,
    by,
    title: str,
    date,
    stations: list[Station],
    circuits: int,
    max_rest_stations: int,
    candidates: list,
    examiners: list[tuple[object, list[int]]],
    friends: list[tuple[object, object]],
) -> Mock:
    """A mock with its people; conflicts are the declared friends plus every examiner's own
    tutees (from tutorial groups where the examiner tutors)."""
    cand_ids = {u.pk for u in candidates}
    both = [u for u, _ in examiners if u.pk in cand_ids]
    if both:
        raise OsceError(f"{both[0].email} is listed both as candidate and examiner.")
    mock = Mock.objects.create(
        title=title,
        date=date,
        created_by=by,
        circuits=circuits,
        max_rest_stations=max_rest_stations,
    )
    mock.stations.set(stations)
    MockCandidate.objects.bulk_create(MockCandidate(mock=mock, user=u) for u in candidates)
    MockExaminer.objects.bulk_create(
        MockExaminer(mock=mock, user=u, runs=sorted(set(runs))) for u, runs in examiners
    )
    pairs: dict[tuple[int, int], str] = {}
    exam_ids = [u.pk for u, _ in examiners]
    groups = TutorialGroup.objects.filter(
        members__member_id__in=exam_ids, members__role=SignUp.Role.TUTOR
    ).prefetch_related("members")
    for group in groups:
        tutors = [m.member_id for m in group.members.all() if m.role == SignUp.Role.TUTOR]
        tutees = [m.member_id for m in group.members.all() if m.role == SignUp.Role.TUTEE]
        for t in tutors:
            if t in exam_ids:
                for c in tutees:
                    if c in cand_ids:
                        pairs[t, c] = MockConflict.Reason.TUTEE
    for e, c in friends:
        if e.pk not in exam_ids or c.pk not in cand_ids:
            raise OsceError(f"{e.email} – {c.email}: name an examiner, then a candidate.")
        pairs.setdefault((e.pk, c.pk), MockConflict.Reason.FRIEND)
    MockConflict.objects.bulk_create(
        MockConflict(mock=mock, examiner_id=e, candidate_id=c, reason=reason)
        for (e, c), reason in pairs.items()
    )
    return mock


def rotation_input(mock: Mock) -> dict:
    """The mock as the rotation command's input (ids: s<station>, c<user>, e<user>)."""
    stations = [f"s{s.pk}" for s in mock.stations.order_by("pk")]
    return {
        "stations": stations,
        "candidates": [f"c{c.user_id}" for c in mock.candidates.all()],
        "circuits": mock.circuits,
        "max_rest_stations": mock.max_rest_stations,
        "examiners": [
            {"id": f"e{e.user_id}", "stations": stations, **({"runs": e.runs} if e.runs else {})}
            for e in mock.examiners.all()
        ],
        "conflicts": [[f"e{c.examiner_id}", f"c{c.candidate_id}"] for c in mock.conflicts.all()],
    }


@transaction.atomic
def build_mock_rotation(*, mock: Mock, by) -> dict:
    """Build (or rebuild, before the day starts) the rotation and rota; stores it on the mock."""
    if mock.started_at is not None:
        raise OsceError("The day has started; the rotation can no longer change.")
    try:
        result = rotation.solve_json(rotation_input(mock), time_limit_s=20)
    except (rotation.RuleError, rotation.InputError) as exc:
        raise OsceError(str(exc)) from exc
    except TimeoutError as exc:
        raise OsceError("The rotation took too long to build; try fewer runs.") from exc
    mock.rotation = result
    mock.status = Mock.Status.BUILT
    mock.save(update_fields=["rotation", "status"])
    return result


def round_seconds(mock: Mock, stations: list[Station] | None = None) -> int:
    stations = stations if stations is not None else list(mock.stations.all())
    longest = max((s.reading_seconds + s.station_seconds for s in stations), default=0)
    return longest + mock.changeover_seconds


@transaction.atomic
def start_mock(*, mock: Mock, by) -> None:
    if mock.rotation is None:
        raise OsceError("Build the rotation first.")
    if mock.started_at is None:
        mock.started_at = timezone.now()
        mock.status = Mock.Status.RUNNING
        mock.save(update_fields=["started_at", "status"])


@transaction.atomic
def release_results(*, mock: Mock, by) -> None:
    mock.results_released = True
    mock.status = Mock.Status.DONE
    mock.save(update_fields=["results_released", "status"])


@dataclass(frozen=True)
class Seat:
    slot: int  # global round number from 0, across runs
    run: int
    circuit: int
    round: int  # within the run, from 1
    position: str
    station_id: int | None
    candidate_id: int
    examiner_id: int | None


def seats(mock: Mock) -> list[Seat]:
    """Every candidate's place in every round, in time order."""
    out: list[Seat] = []
    if not mock.rotation:
        return out
    per_run = 0
    for i, run in enumerate(mock.rotation["runs"]):
        for circuit in run["circuits"]:
            per_run = len(circuit["rounds"])
            for t, rnd in enumerate(circuit["rounds"]):
                for pos, cand in rnd.items():
                    station = int(pos[1:]) if pos.startswith("s") else None
                    examiner = circuit["examiners"].get(pos)
                    out.append(
                        Seat(
                            slot=i * per_run + t,
                            run=run["run"],
                            circuit=circuit["circuit"],
                            round=t + 1,
                            position=pos,
                            station_id=station,
                            candidate_id=int(cand[1:]),
                            examiner_id=int(examiner[1:]) if examiner else None,
                        )
                    )
    out.sort(key=lambda s: (s.slot, s.circuit, s.position))
    return out


def clock(mock: Mock, now=None) -> dict:
    """The central clock: which round is on, and when it ends (server time, ISO)."""
    now = now or timezone.now()
    total = mock.rotation["rounds_total"] if mock.rotation else 0
    length = round_seconds(mock)
    state = {"server_now": now.isoformat(), "rounds_total": total, "round_seconds": length}
    if mock.started_at is None or not total:
        return {**state, "phase": "waiting", "slot": None, "ends_at": None}
    slot = math.floor((now - mock.started_at).total_seconds() / length)
    if slot >= total:
        return {**state, "phase": "finished", "slot": None, "ends_at": None}
    ends = mock.started_at + timedelta(seconds=(slot + 1) * length)
    return {**state, "phase": "round", "slot": slot + 1, "ends_at": ends.isoformat()}


@transaction.atomic
def mark_mock(
    *,
    mock: Mock,
    by,
    station: Station,
    candidate_id: int,
    marks: dict,
    global_rating: int,
    feedback: str,
    client_id: uuid.UUID,
) -> tuple[Sheet, bool]:
    """Save an examiner's sheet. Idempotent: the same client_id again returns the stored sheet
    unchanged; a new client_id for the same candidate and station replaces the marks (a
    correction). Returns (sheet, created)."""
    same = Sheet.objects.filter(client_id=client_id).first()
    if same is not None:
        if same.mock_id != mock.pk or same.examiner_id != by.pk:
            raise OsceError("This submission id belongs to another sheet.")
        return same, False
    if not any(
        s.station_id == station.pk and s.candidate_id == candidate_id and s.examiner_id == by.pk
        for s in seats(mock)
    ):
        raise OsceError("You do not examine this candidate at this station.")
    result = _scored(station, marks, global_rating)
    values = {
        "examiner": by,
        "marks": marks,
        "global_rating": global_rating,
        "feedback": feedback,
        "percent": result.percent,
        "passed": result.passed,
        "missed": list(result.missed),
        "client_id": client_id,
    }
    for _ in range(2):
        try:
            with transaction.atomic():
                return Sheet.objects.update_or_create(
                    mock=mock, station=station, candidate_id=candidate_id, defaults=values
                )
        except IntegrityError:
            # Another request saved this sheet meanwhile: the same submission (same id) is
            # returned as it is; a different one updates the row now there.
            same = Sheet.objects.filter(client_id=client_id).first()
            if same is not None:
                return same, False
    raise OsceError("The sheet could not be saved; send it again.")
