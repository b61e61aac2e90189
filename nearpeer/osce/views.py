import uuid

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_POST

from nearpeer.core.files import inline_response, open_or_404
from nearpeer.members.models import User
from nearpeer.members.permissions import is_committee

from . import exports, scoring, services, stats
from .forms import MarkForm, MockForm, PracticeForm, ReviewForm, RotateForm, StationForm
from .models import Mock, MockCandidate, MockExaminer, Practice, PracticeRole, Sheet, Station
from .permissions import (
    can_endorse,
    can_publish,
    can_review,
    can_see_image,
    can_see_scheme,
    can_see_station,
    can_write_stations,
    is_reviewer,
    practice_role,
)


def _error(request, exc) -> None:
    messages.error(request, str(exc))


# --- Station bank ---------------------------------------------------------------------------------


def home(request):
    user = request.user
    visible = Q(status=Station.Status.PUBLISHED) | Q(author=user)
    if is_reviewer(user):
        visible |= Q(status=Station.Status.REVIEW)
    stations = list(
        Station.objects.filter(visible).select_related("author", "remixed_from__author")
    )
    practices = list(
        Practice.objects.filter(roles__user=user)
        .select_related("station")
        .order_by("-created_at")[:10]
    )
    sittings = list(MockCandidate.objects.filter(user=user).select_related("mock"))
    examining = list(MockExaminer.objects.filter(user=user).select_related("mock"))
    mocks = list(Mock.objects.all()[:20]) if is_committee(user) else []
    return render(
        request,
        "osce/home.html",
        {
            "stations": stations,
            "practices": practices,
            "sittings": sittings,
            "examining": examining,
            "mocks": mocks,
            "can_write": can_write_stations(user),
            "can_run": is_committee(user),
        },
    )


def _station_for(user, pk) -> Station:
    station = get_object_or_404(Station.objects.select_related("author"), pk=pk)
    if not can_see_station(user, station):
        raise Http404
    return station


def station_create(request):
    if not can_write_stations(request.user):
        raise Http404
    return _station_form(request, title="Write a station")


def _station_form(request, *, title, initial=None, previous=None, remixed_from=None):
    form = StationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        station = services.create_station(
            by=request.user,
            fields=form.cleaned_data,
            scheme=form.cleaned_data["scheme"],
            previous=previous,
            remixed_from=remixed_from,
        )
        messages.success(request, "Draft saved. Send it for peer review when it is ready.")
        return redirect("osce:station-detail", pk=station.pk)
    return render(
        request,
        "osce/station_create.html",
        {"form": form, "title": title, "previous": previous, "remixed_from": remixed_from},
    )


def _copy_initial(station: Station) -> dict:
    initial = {f: getattr(station, f) for f in services.STATION_FIELDS}
    initial["scheme"] = scoring.describe_scheme(services.scheme_of(station))
    return initial


def station_version(request, pk):
    station = _station_for(request.user, pk)
    if station.author_id != request.user.pk:
        raise Http404
    return _station_form(
        request,
        title=f"New version of {station.title}",
        initial=_copy_initial(station),
        previous=station,
    )


def station_remix(request, pk):
    station = _station_for(request.user, pk)
    if (
        station.author_id == request.user.pk
        or station.status != Station.Status.PUBLISHED
        or not can_write_stations(request.user)
        or not can_see_scheme(request.user, station)
    ):
        raise Http404
    return _station_form(
        request,
        title=f"Remix {station.title}",
        initial=_copy_initial(station),
        remixed_from=station,
    )


def station_detail(request, pk):
    station = _station_for(request.user, pk)
    user = request.user
    return render(
        request,
        "osce/station_detail.html",
        {
            "station": station,
            "show_scheme": can_see_scheme(user, station),
            "items": list(station.items.all()),
            "reviews": list(station.reviews.select_related("reviewer")),
            "can_submit": station.author_id == user.pk and station.status == "draft",
            "can_review": can_review(user, station),
            "can_endorse": can_endorse(user, station),
            "can_publish": can_publish(user, station),
            "can_version": station.author_id == user.pk,
            "can_remix": station.author_id != user.pk
            and station.status == Station.Status.PUBLISHED
            and can_write_stations(user)
            and can_see_scheme(user, station),
            "review_form": ReviewForm(),
        },
    )


def station_image(request, pk):
    station = get_object_or_404(Station, pk=pk)
    if not can_see_image(request.user, station):
        raise Http404
    return inline_response(open_or_404(station.image), content_type=station.image_type)


@require_POST
def station_submit(request, pk):
    station = _station_for(request.user, pk)
    if station.author_id != request.user.pk:
        raise Http404
    try:
        services.submit_station(station=station, by=request.user)
        messages.success(request, "Sent for peer review.")
    except services.OsceError as exc:
        _error(request, exc)
    return redirect("osce:station-detail", pk=pk)


@require_POST
def station_review(request, pk):
    station = _station_for(request.user, pk)
    if not can_review(request.user, station):
        raise Http404
    form = ReviewForm(request.POST)
    if form.is_valid():
        services.review_station(
            station=station,
            by=request.user,
            approve=form.cleaned_data["approve"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, "Review recorded.")
    else:
        messages.error(request, "Choose approve or send back.")
    return redirect("osce:station-detail", pk=pk)


@require_POST
def station_endorse(request, pk):
    station = _station_for(request.user, pk)
    if not can_endorse(request.user, station):
        raise Http404
    services.endorse_station(station=station, by=request.user)
    messages.success(request, "Endorsed.")
    return redirect("osce:station-detail", pk=pk)


@require_POST
def station_publish(request, pk):
    station = _station_for(request.user, pk)
    if not can_publish(request.user, station):
        raise Http404
    services.publish_station(station=station, by=request.user)
    messages.success(request, "Published to the station bank.")
    return redirect("osce:station-detail", pk=pk)


# --- Group practice ---------------------------------------------------------------------------


def practice_create(request):
    form = PracticeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            practice = services.create_practice(
                by=request.user,
                station=form.cleaned_data["station"],
                roles=form.cleaned_data["roles"],
                group=form.cleaned_data.get("group"),
            )
        except services.OsceError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("osce:practice-detail", pk=practice.pk)
    return render(request, "osce/practice_create.html", {"form": form})


def _practice_for(user, pk) -> tuple[Practice, str]:
    practice = get_object_or_404(
        Practice.objects.select_related("station").prefetch_related("roles__user"), pk=pk
    )
    role = practice_role(user, practice)
    if role is None:
        raise Http404
    return practice, role


def _practice_state(practice: Practice) -> dict:
    now = timezone.now()
    phase, ends = practice.phase(now)
    return {
        "server_now": now.isoformat(),
        "phase": phase,
        "ends_at": ends.isoformat() if ends else None,
    }


def practice_detail(request, pk):
    practice, role = _practice_for(request.user, pk)
    station = practice.station
    sheet = Sheet.objects.filter(practice=practice).first()
    form = None
    if role == PracticeRole.Role.EXAMINER and sheet is None:
        form = MarkForm(station=station)
    items = list(station.items.all()) if role == PracticeRole.Role.EXAMINER or sheet else []
    show_sheet = sheet is not None and role in (
        PracticeRole.Role.CANDIDATE,
        PracticeRole.Role.EXAMINER,
    )
    return render(
        request,
        "osce/practice_detail.html",
        {
            "practice": practice,
            "station": station,
            "role": role,
            "roles": list(practice.roles.all()),
            "state": _practice_state(practice),
            "form": form,
            "sheet": sheet if show_sheet else None,
            "sheet_rows": _sheet_rows(sheet, items) if show_sheet else [],
            "rating": scoring.GLOBAL_RATINGS.get(sheet.global_rating) if sheet else None,
            "rotate_form": RotateForm() if sheet else None,
        },
    )


def _sheet_rows(sheet: Sheet, items) -> list[dict]:
    labels = {scoring.DONE: "Done", scoring.PARTLY: "Partly", scoring.NOT_DONE: "Not done"}
    return [{"item": i, "mark": labels.get(sheet.marks.get(str(i.pk)), "—")} for i in items]


def practice_state(request, pk):
    practice, _ = _practice_for(request.user, pk)
    return JsonResponse(_practice_state(practice))


@require_POST
def practice_start(request, pk):
    practice, role = _practice_for(request.user, pk)
    if role != PracticeRole.Role.EXAMINER:
        raise Http404
    services.start_practice(practice=practice, by=request.user)
    return redirect("osce:practice-detail", pk=pk)


@require_POST
def practice_mark(request, pk):
    practice, role = _practice_for(request.user, pk)
    if role != PracticeRole.Role.EXAMINER:
        raise Http404
    form = MarkForm(request.POST, station=practice.station)
    if form.is_valid():
        try:
            services.mark_practice(
                practice=practice,
                by=request.user,
                marks=form.marks(),
                global_rating=form.cleaned_data["global_rating"],
                feedback=form.cleaned_data["feedback"],
                client_id=form.cleaned_data["client_id"],
            )
        except services.OsceError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Sheet sent to the candidate.")
    else:
        messages.error(request, "Mark every item and give a global rating.")
    return redirect("osce:practice-detail", pk=pk)


@require_POST
def practice_rotate(request, pk):
    practice, _ = _practice_for(request.user, pk)
    if not Sheet.objects.filter(practice=practice).exists():
        raise Http404
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the next station.")
        return redirect("osce:practice-detail", pk=pk)
    try:
        new = services.rotate_practice(
            practice=practice, by=request.user, station=form.cleaned_data["station"]
        )
    except services.OsceError as exc:
        _error(request, exc)
        return redirect("osce:practice-detail", pk=pk)
    return redirect("osce:practice-detail", pk=new.pk)


# --- Mock OSCE ------------------------------------------------------------------------------------


def _managed_mock(user, pk) -> Mock:
    if not is_committee(user):
        raise Http404
    return get_object_or_404(Mock, pk=pk)


def mock_create(request):
    if not is_committee(request.user):
        raise Http404
    form = MockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            mock = services.create_mock(
                by=request.user,
                title=d["title"],
                date=d["date"],
                stations=list(d["stations"]),
                circuits=d["circuits"],
                max_rest_stations=d["max_rest_stations"],
                candidates=d["candidates"],
                examiners=d["examiners"],
                friends=d["friends"],
            )
        except services.OsceError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("osce:mock-detail", pk=mock.pk)
    return render(request, "osce/mock_create.html", {"form": form})


def _names(mock: Mock) -> dict[int, User]:
    ids = set(mock.candidates.values_list("user_id", flat=True)) | set(
        mock.examiners.values_list("user_id", flat=True)
    )
    return {u.pk: u for u in User.objects.filter(pk__in=ids)}


def _position_label(position: str, stations: dict[int, Station]) -> str:
    if position.startswith("s"):
        return stations[int(position[1:])].title
    return "Rest (" + position.removeprefix("rest-") + ")"


def mock_detail(request, pk):
    mock = _managed_mock(request.user, pk)
    stations = {s.pk: s for s in mock.stations.all()}
    people = _names(mock)
    runs = []
    for run in (mock.rotation or {}).get("runs", []):
        circuits = []
        for circ in run["circuits"]:
            circuits.append(
                {
                    "circuit": circ["circuit"],
                    "positions": [_position_label(p, stations) for p in circ["positions"]],
                    "examiners": [
                        (stations[int(s[1:])].title, people[int(e[1:])])
                        for s, e in circ["examiners"].items()
                    ],
                    "rounds": [
                        [str(people[int(r[p][1:])]) if p in r else "—" for p in circ["positions"]]
                        for r in circ["rounds"]
                    ],
                }
            )
        runs.append({"run": run["run"], "circuits": circuits})
    return render(
        request,
        "osce/mock_detail.html",
        {
            "mock": mock,
            "stations": list(stations.values()),
            "candidates": list(mock.candidates.select_related("user")),
            "examiners": list(mock.examiners.select_related("user")),
            "conflicts": list(mock.conflicts.select_related("examiner", "candidate")),
            "runs": runs,
        },
    )


@require_POST
def mock_build(request, pk):
    mock = _managed_mock(request.user, pk)
    try:
        result = services.build_mock_rotation(mock=mock, by=request.user)
        messages.success(
            request,
            f"Rotation built: {len(result['runs'])} run{pluralize(len(result['runs']))}, "
            f"{result['rounds_total']} round{pluralize(result['rounds_total'])}.",
        )
    except services.OsceError as exc:
        _error(request, exc)
    return redirect("osce:mock-detail", pk=pk)


@require_POST
def mock_start(request, pk):
    mock = _managed_mock(request.user, pk)
    try:
        services.start_mock(mock=mock, by=request.user)
        messages.success(request, "The clock is running.")
    except services.OsceError as exc:
        _error(request, exc)
    return redirect("osce:mock-detail", pk=pk)


@require_POST
def mock_release(request, pk):
    mock = _managed_mock(request.user, pk)
    services.release_results(mock=mock, by=request.user)
    messages.success(request, "Results released to each candidate.")
    return redirect("osce:mock-results", pk=pk)


def mock_export(request, pk, fmt):
    mock = _managed_mock(request.user, pk)
    if not mock.rotation:
        raise Http404
    rows = exports.timetable_rows(mock)
    if fmt == "xlsx":
        data, content_type = exports.xlsx(mock, rows), exports.XLSX
    elif fmt == "pdf":
        data, content_type = exports.pdf(mock, rows), "application/pdf"
    else:
        raise Http404
    return FileResponse(
        data,
        as_attachment=True,
        filename=f"mock-osce-{mock.pk}-timetable.{fmt}",
        content_type=content_type,
    )


def _mock_for_participant(user, pk) -> tuple[Mock, str]:
    mock = get_object_or_404(Mock, pk=pk)
    if is_committee(user):
        return mock, "committee"
    if mock.examiners.filter(user=user).exists():
        return mock, "examiner"
    if mock.candidates.filter(user=user).exists():
        return mock, "candidate"
    raise Http404


def mock_clock(request, pk):
    mock, role = _mock_for_participant(request.user, pk)
    return render(request, "osce/mock_clock.html", {"mock": mock, "state": services.clock(mock)})


def mock_clock_state(request, pk):
    mock, _ = _mock_for_participant(request.user, pk)
    return JsonResponse(services.clock(mock))


def mock_examine(request, pk):
    mock = get_object_or_404(Mock, pk=pk)
    if not mock.examiners.filter(user=request.user).exists():
        raise Http404
    stations = {s.pk: s for s in mock.stations.prefetch_related("items")}
    mine = [s for s in services.seats(mock) if s.examiner_id == request.user.pk]
    people = {u.pk: u for u in User.objects.filter(pk__in={s.candidate_id for s in mine})}
    done = {
        (sheet.station_id, sheet.candidate_id)
        for sheet in Sheet.objects.filter(mock=mock, examiner=request.user)
    }
    cards = []
    for seat in mine:
        station = stations[seat.station_id]
        cards.append(
            {
                "seat": seat,
                "station": station,
                "candidate": people[seat.candidate_id],
                "done": (station.pk, seat.candidate_id) in done,
                "form": MarkForm(
                    station=station,
                    prefix=f"s{station.pk}c{seat.candidate_id}",
                    initial={"client_id": uuid.uuid4()},
                ),
            }
        )
    return render(
        request,
        "osce/mock_examine.html",
        {"mock": mock, "cards": cards, "state": services.clock(mock)},
    )


@require_POST
def mock_mark(request, pk, station_pk, candidate_pk):
    mock = get_object_or_404(Mock, pk=pk)
    if not mock.examiners.filter(user=request.user).exists():
        raise Http404
    station = get_object_or_404(mock.stations.all(), pk=station_pk)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    form = MarkForm(request.POST, station=station, prefix=f"s{station.pk}c{candidate_pk}")
    if not form.is_valid():
        errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
        if wants_json:
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        messages.error(request, "Mark every item and give a global rating.")
        return redirect("osce:mock-examine", pk=pk)
    try:
        sheet, created = services.mark_mock(
            mock=mock,
            by=request.user,
            station=station,
            candidate_id=candidate_pk,
            marks=form.marks(),
            global_rating=form.cleaned_data["global_rating"],
            feedback=form.cleaned_data["feedback"],
            client_id=form.cleaned_data["client_id"],
        )
    except services.OsceError as exc:
        if wants_json:
            return JsonResponse({"ok": False, "errors": {"__all__": [str(exc)]}}, status=409)
        _error(request, exc)
        return redirect("osce:mock-examine", pk=pk)
    if wants_json:
        return JsonResponse(
            {"ok": True, "sheet": sheet.pk, "created": created}, status=201 if created else 200
        )
    messages.success(request, "Sheet saved.")
    return redirect("osce:mock-examine", pk=pk)


def mock_results(request, pk):
    mock = _managed_mock(request.user, pk)
    sheets = list(Sheet.objects.filter(mock=mock).select_related("examiner"))
    summaries = []
    for station in mock.stations.prefetch_related("items"):
        items = {str(i.pk): i.text for i in station.items.all()}
        summary = stats.summarise(
            [
                stats.Sheet(
                    str(s.examiner),
                    s.percent,
                    s.global_rating,
                    s.passed,
                    tuple(s.missed),
                )
                for s in sheets
                if s.station_id == station.pk
            ]
        )
        summaries.append(
            {
                "station": station,
                "summary": summary,
                "missed": [(items.get(k, "?"), n) for k, n in summary.most_missed],
            }
        )
    return render(request, "osce/mock_results.html", {"mock": mock, "summaries": summaries})


def mock_mine(request, pk):
    mock = get_object_or_404(Mock, pk=pk)
    if not mock.candidates.filter(user=request.user).exists():
        raise Http404
    stations = {s.pk: s for s in mock.stations.all()}
    my_seats = [s for s in services.seats(mock) if s.candidate_id == request.user.pk]
    timetable = [{"seat": s, "where": _position_label(s.position, stations)} for s in my_seats]
    results = []
    if mock.results_released:
        for sheet in (
            Sheet.objects.filter(mock=mock, candidate=request.user)
            .select_related("station")
            .prefetch_related("station__items")
        ):
            items = list(sheet.station.items.all())
            results.append(
                {
                    "sheet": sheet,
                    "rating": scoring.GLOBAL_RATINGS[sheet.global_rating],
                    "rows": _sheet_rows(sheet, items),
                }
            )
    return render(
        request,
        "osce/mock_mine.html",
        {"mock": mock, "timetable": timetable, "results": results},
    )
