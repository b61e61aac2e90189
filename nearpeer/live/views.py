"""Pages for participants (/join, the live page, the HTTP answer fallback) and for teachers
(decks, presenter view, full-screen results, export). The HTTP answer path calls the same
service as the socket."""

import logging
import uuid

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, Q, When
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nearpeer.core.files import download_response, inline_response, open_or_404
from nearpeer.core.forms import add_service_errors
from nearpeer.members.permissions import is_committee
from nearpeer.teaching.models import Material, Session

from . import broadcast, embeds, services
from .forms import (
    DeckCopyForm,
    DeckForm,
    DeckSettingsForm,
    ItemEditForm,
    ItemForm,
    JoinForm,
    options_text,
)
from .models import AudienceQuestion, Deck, DeckStatus, Item, Nickname
from .permissions import can_manage_deck
from .protocol import MAX_MESSAGE_BYTES, ProtocolError, decode, parse_answer, parse_participant
from .templatetags.live_tags import moment

logger = logging.getLogger("nearpeer.live")
PARTICIPANT_COOKIE = "np_live_device"
HTTP_ANSWERS_PER_MINUTE = 60
# The presenter's countdown choices, seconds (services.COUNTDOWN_SECONDS bounds any client's).
COUNTDOWN_CHOICES = (10, 20, 30, 45, 60, 90, 120)
STATUS_OF = {
    "bad_request": 400,
    "bad_choice": 400,
    "too_large": 413,
    "bad_participant": 400,
    "sign_in_required": 403,
    "forbidden": 403,
    "unknown_deck": 404,
    "unknown_item": 404,
    "unknown_question": 404,
    "not_open": 409,
    "leaderboard_off": 409,
    "nickname_taken": 409,
    "no_items": 409,
    "no_more_items": 409,
    "rate_limited": 429,
    "server_error": 500,
}


# --- Participants -------------------------------------------------------------------------------


@login_not_required
@require_GET
def join(request):
    """/join: type the code (or arrive from the QR with ?code=)."""
    form = JoinForm(request.GET or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        if Deck.objects.filter(code=code).exclude(status=DeckStatus.READY).exists():
            return redirect("live:participate", code=code)
        form.add_error("code", "No live session has this code. Check it on the screen.")
    return render(request, "live/join.html", {"form": form})


def _deck_for_participant(request, code: str) -> Deck:
    deck = Deck.objects.select_related("current_item", "session").filter(code=code.upper()).first()
    if deck is None or deck.status == DeckStatus.READY:
        raise Http404("No live session has this code.")
    return deck


def _device(request) -> uuid.UUID | None:
    return parse_participant(request.COOKIES.get(PARTICIPANT_COOKIE))


def _participant_for(request, deck: Deck, given: str | None = None) -> uuid.UUID:
    """Signed-in members are known by their session; anonymous devices by their UUID (from the
    request, else the page's cookie)."""
    if request.user.is_authenticated:
        return services.participant_key_for_member(deck_id=deck.pk, user_id=request.user.pk)
    if not deck.allow_anonymous:
        raise ProtocolError("sign_in_required", "Sign in to answer in this deck.")
    participant = parse_participant(given) or _device(request)
    if participant is None:
        raise ProtocolError("bad_participant", "Anonymous devices add ?participant=<a UUID>.")
    return participant


@login_not_required
@require_GET
def participate(request, code: str):
    """The participant's page: the current item (answerable without JavaScript), then the
    audience Q&A. Once the deck has ended: every item, answerable beside the recording."""
    deck = _deck_for_participant(request, code)
    if not deck.allow_anonymous and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    device = _device(request)
    new_device = device is None and not request.user.is_authenticated
    if new_device:
        device = uuid.uuid4()
    participant = (
        services.participant_key_for_member(deck_id=deck.pk, user_id=request.user.pk)
        if request.user.is_authenticated
        else device
    )
    item = deck.current_item
    items = list(deck.items.all()) if deck.is_ended else []
    answered = services.your_answers(deck, participant)
    for shown in [item, *items]:
        if shown is not None:
            shown.yours = answered.get(shown.pk)
    recording = player = None
    if deck.is_ended and request.user.is_authenticated:
        recording = (
            Material.objects.filter(session=deck.session, kind=Material.Kind.RECORDING)
            .order_by("created_at")
            .first()
        )
    if recording is not None:
        player = embeds.player_for(
            url=recording.url,
            content_type=recording.content_type,
            file_src=reverse("teaching:material-open", kwargs={"pk": recording.pk}),
        )
    nickname = ""
    if deck.leaderboard and participant is not None:
        nickname = (
            Nickname.objects.filter(deck=deck, participant=participant)
            .values_list("name", flat=True)
            .first()
            or ""
        )
    context = {
        "deck": deck,
        "item": item,
        "items": items,
        "questions": services.qa_list(deck),
        "results": (
            services.tally(item) if item and (deck.results_visible or deck.revealed) else None
        ),
        "correct": item.correct if item and deck.revealed else None,
        "paused": deck.is_live and not broadcast.layer_reachable(),
        "seconds_left": deck.countdown,
        "device": "" if request.user.is_authenticated else str(device),
        # The live page's script starts from what the server knows this device answered.
        "yours": {pk: yours.value for pk, yours in answered.items()} if deck.is_live else {},
        "recording": recording,
        "player": player,
        "nickname": nickname,
        "leaderboard": services.leaderboard(deck)
        if deck.leaderboard and (deck.revealed or deck.is_ended)
        else None,
    }
    response = render(request, "live/participate.html", context)
    if player is not None and player.kind == "iframe":
        # Only this page, and only when it embeds a provider's player, may frame it.
        response._csp_update = {"frame-src": list(embeds.PLAYER_ORIGINS)}
    if new_device:
        response.set_cookie(
            PARTICIPANT_COOKIE,
            str(device),
            max_age=60 * 60 * 24 * 180,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@login_not_required
@require_GET
def snapshot(request, code: str):
    """The state as JSON, for clients whose socket is down (they poll this now and then)."""
    deck = _deck_for_participant(request, code)
    if not deck.allow_anonymous and not request.user.is_authenticated:
        return JsonResponse(
            ProtocolError("sign_in_required", "Sign in to take part.").as_message(), status=403
        )
    try:
        participant = _participant_for(request, deck, request.GET.get("participant"))
    except ProtocolError:
        participant = None
    message = services.snapshot(deck, participant=participant)
    message["live_updates"] = broadcast.layer_reachable()
    return JsonResponse(message)


def _rate_limited(key: str, limit: int) -> bool:
    """A fixed one-minute window in the cache; if the cache is down, let the answer through
    (the database constraint still stops double counting)."""
    try:
        cache_key = f"live:rate:{key}"
        cache.add(cache_key, 0, timeout=60)
        return cache.incr(cache_key) > limit
    except Exception:  # noqa: BLE001
        logger.warning("live: rate-limit cache unavailable; not limiting")
        return False


def _same_origin(request) -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    return url_has_allowed_host_and_scheme(
        origin + "/", allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@csrf_exempt  # JSON bodies: see the note in answer(); forms are checked below.
@login_not_required
@require_POST
def answer(request, code: str):
    """The HTTP fallback: the socket's answer message as a JSON body, the ack as the response.
    Also takes the no-JavaScript form on the participant page.

    CSRF: a JSON body cannot be sent cross-site without a CORS preflight, which this view never
    grants, and a browser's Origin header is checked too; form posts need the CSRF token."""
    is_json = request.content_type == "application/json"
    if not is_json:
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            return rejected
    ref = None
    try:
        if is_json and not _same_origin(request):
            raise ProtocolError("forbidden", "Cross-site requests are not accepted.")
        deck = Deck.objects.filter(code=code.upper()).first()
        if deck is None:
            raise ProtocolError("unknown_deck", "No live deck has this code.")
        if is_json:
            if len(request.body) > MAX_MESSAGE_BYTES:
                raise ProtocolError("too_large", f"At most {MAX_MESSAGE_BYTES} bytes.")
            data = decode(request.body)
            given = request.GET.get("participant") or data.get("participant")
        else:
            data = _form_answer(request.POST)
            given = None
        ref = data.get("ref") if isinstance(data.get("ref"), str) else None
        if data.get("type") != "answer":
            raise ProtocolError("bad_request", 'Send {"type": "answer", …} here.')
        message = parse_answer(data)
        participant = _participant_for(request, deck, given if isinstance(given, str) else None)
        if _rate_limited(f"{deck.pk}:{participant}", HTTP_ANSWERS_PER_MINUTE):
            raise ProtocolError("rate_limited", "Too many answers; wait a minute.")
        stored = services.record_answer(
            services.AnswerEntry(
                deck_id=deck.pk,
                item_id=message.item,
                participant=participant,
                choice=message.choice,
                text=message.text,
                member_id=request.user.pk if request.user.is_authenticated else None,
            )
        )
    except ProtocolError as exc:
        if is_json:
            return JsonResponse(exc.as_message(ref), status=STATUS_OF.get(exc.code, 400))
        if exc.code == "sign_in_required":
            return redirect_to_login(reverse("live:participate", kwargs={"code": code}))
        if exc.code == "unknown_deck":
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
        return redirect("live:participate", code=code.upper())
    ack = {"type": "ack", "ref": ref, "item": stored.item_id, "duplicate": stored.duplicate}
    if is_json:
        return JsonResponse(ack)
    messages.success(
        request,
        "You had already answered this one; your first answer stands."
        if stored.duplicate
        else "Answer received.",
    )
    return redirect(
        f"{reverse('live:participate', kwargs={'code': code.upper()})}#item-{stored.item_id}"
    )


def _form_answer(post) -> dict:
    data = {"type": "answer"}
    try:
        data["item"] = int(post.get("item", ""))
        if "choice" in post:
            data["choice"] = int(post["choice"])
    except ValueError:
        raise ProtocolError("bad_request", "Choose one of the options.") from None
    if "choice" not in data:
        if "text" not in post:
            raise ProtocolError("bad_request", "Choose one of the options.")
        data["text"] = post["text"]
    return data


@csrf_exempt  # as answer(): JSON only, Origin checked
@login_not_required
@require_POST
def ask(request, code: str):
    """Ask the presenter a question (anonymous): the socket's ask message over HTTP, or the
    no-JavaScript form."""
    is_json = request.content_type == "application/json"
    if not is_json:
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            return rejected
    try:
        if is_json and not _same_origin(request):
            raise ProtocolError("forbidden", "Cross-site requests are not accepted.")
        deck = _deck_for_participant(request, code)
        data = (
            decode(request.body)
            if is_json
            else {"type": "ask", "text": request.POST.get("text", "")}
        )
        participant = _participant_for(request, deck, request.GET.get("participant"))
        if _rate_limited(f"ask:{deck.pk}:{participant}", 5):
            raise ProtocolError("rate_limited", "You can ask five questions a minute.")
        text = data.get("text")
        if not isinstance(text, str):
            raise ProtocolError("bad_request", '"text" must be a string.')
        question = services.ask_question(deck=deck, text=text)
    except ProtocolError as exc:
        if is_json:
            return JsonResponse(exc.as_message(), status=STATUS_OF.get(exc.code, 400))
        messages.error(request, exc.message)
        return redirect("live:participate", code=code.upper())
    if is_json:
        return JsonResponse({"type": "ack", "ref": data.get("ref"), "question": question.pk})
    messages.success(request, "Question sent. It appears here once the moderator approves it.")
    return redirect("live:participate", code=deck.code)


@csrf_exempt  # as answer(): JSON only, Origin checked; forms are checked below.
@login_not_required
@require_POST
def nickname(request, code: str):
    """Choose (or clear) a leaderboard nickname: the socket's nickname message over HTTP, or
    the participant page's form."""
    is_json = request.content_type == "application/json"
    if not is_json:
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            return rejected
    data: dict = {}
    try:
        if is_json and not _same_origin(request):
            raise ProtocolError("forbidden", "Cross-site requests are not accepted.")
        deck = _deck_for_participant(request, code)
        if is_json:
            if len(request.body) > MAX_MESSAGE_BYTES:
                raise ProtocolError("too_large", f"At most {MAX_MESSAGE_BYTES} bytes.")
            data = decode(request.body)
        else:
            data = {"type": "nickname", "nickname": request.POST.get("nickname", "")}
        participant = _participant_for(request, deck, request.GET.get("participant"))
        if _rate_limited(f"nick:{deck.pk}:{participant}", 10):
            raise ProtocolError("rate_limited", "Too many changes; wait a minute.")
        name = data.get("nickname")
        if not isinstance(name, str):
            raise ProtocolError("bad_request", '"nickname" must be a string ("" for none).')
        chosen = services.set_nickname(deck=deck, participant=participant, name=name)
    except ProtocolError as exc:
        if is_json:
            ref = data.get("ref") if isinstance(data.get("ref"), str) else None
            return JsonResponse(exc.as_message(ref), status=STATUS_OF.get(exc.code, 400))
        if exc.code == "sign_in_required":
            return redirect_to_login(reverse("live:participate", kwargs={"code": code}))
        messages.error(request, exc.message)
        return redirect("live:participate", code=code.upper())
    if is_json:
        return JsonResponse({"type": "ack", "ref": data.get("ref"), "nickname": chosen})
    messages.success(
        request,
        f"You appear on the leaderboard as {chosen}." if chosen else "You are off the leaderboard.",
    )
    return redirect("live:participate", code=deck.code)


# --- Teachers ----------------------------------------------------------------------------------


def _sessions_i_run(user):
    sessions = Session.objects.order_by("-starts_at")
    if is_committee(user):
        return sessions
    return sessions.filter(teachers=user)


def _sessions_to_choose(user):
    """The sessions a new or copied deck may go to: those I run that are not cancelled, the
    upcoming ones soonest first, then the past ones latest first (at most 200)."""
    upcoming = Q(ends_at__gte=timezone.now())
    order = (
        Case(When(upcoming, then=0), default=1),
        Case(When(upcoming, then=F("starts_at"))).asc(),
        F("starts_at").desc(),
    )
    mine = _sessions_i_run(user).exclude(status=Session.Status.CANCELLED).order_by(*order)
    return Session.objects.filter(pk__in=mine.values("pk")[:200]).order_by(*order)


def _deck_i_run(request, pk: int) -> Deck:
    deck = get_object_or_404(Deck.objects.select_related("session", "current_item"), pk=pk)
    if not can_manage_deck(request.user, deck):
        raise Http404("No such deck.")
    return deck


@require_GET
def deck_list(request):
    """The decks of the sessions I run (all of them for the committee)."""
    decks = (
        Deck.objects.filter(session__in=_sessions_i_run(request.user).values("pk"))
        .select_related("session")
        .annotate(n_items=Count("items", distinct=True))
        .order_by("-created_at")[:100]
    )
    if not decks and not _sessions_i_run(request.user).exists():
        raise Http404("You run no sessions.")
    return render(request, "live/deck_list.html", {"decks": decks})


@require_http_methods(["GET", "POST"])
def deck_create(request):
    sessions = _sessions_to_choose(request.user)
    first = sessions.first()
    if first is None:
        raise Http404("You run no sessions.")
    # From a session's page (?session=), that session; otherwise the next one I run.
    initial = {"session": request.GET.get("session") or first.pk}
    form = DeckForm(request.POST or None, sessions=sessions, initial=initial)
    if request.method == "POST" and form.is_valid():
        deck = services.create_deck(
            session=form.cleaned_data["session"],
            title=form.cleaned_data["title"],
            allow_anonymous=form.cleaned_data["allow_anonymous"],
            leaderboard=form.cleaned_data["leaderboard"],
            by=request.user,
        )
        messages.success(request, f"Deck created. Its join code is {deck.code}. Add items next.")
        return redirect(deck)
    return render(request, "live/deck_create.html", {"form": form})


@require_GET
def deck_detail(request, pk: int):
    """Items, the add-item form, and each item's live and afterwards results side by side."""
    deck = _deck_i_run(request, pk)
    items = list(deck.items.all())
    comparisons = [services.compare_phases(item) for item in items]
    context = {
        "deck": deck,
        "comparisons": comparisons,
        "form": ItemForm(),
        # Waiting for a moderator first: those need the teacher.
        "audience_questions": deck.audience_questions.order_by(
            Case(When(status=AudienceQuestion.Status.PENDING, then=0), default=1),
            "-upvotes",
            "created_at",
        )[:200],
        "max_reply": services.MAX_REPLY_CHARS,
    }
    return render(request, "live/deck_detail.html", context)


@require_POST
def item_create(request, pk: int):
    deck = _deck_i_run(request, pk)
    form = ItemForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_item(
                deck=deck,
                kind=data["kind"],
                prompt=data["prompt"],
                options=data["option_list"],
                correct=data["correct"],
                question=data["question"],
                recording_at_seconds=data["recording_at"],
                image=data["image"],
                image_alt=data["image_alt"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Item added.")
            return redirect(deck)
    items = list(deck.items.all())
    return render(
        request,
        "live/deck_detail.html",
        {"deck": deck, "comparisons": [services.compare_phases(i) for i in items], "form": form},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def deck_edit(request, pk: int):
    """The deck's title and who may answer."""
    deck = _deck_i_run(request, pk)
    initial = {"title": deck.title, "allow_anonymous": deck.allow_anonymous}
    form = DeckSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_deck(
                deck=deck,
                title=form.cleaned_data["title"],
                allow_anonymous=form.cleaned_data["allow_anonymous"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Deck saved.")
            return redirect(deck)
    status = 400 if form.is_bound else 200
    return render(request, "live/deck_edit.html", {"deck": deck, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def deck_copy(request, pk: int):
    """The same items in a new deck for another session I run (next year's lecture)."""
    deck = _deck_i_run(request, pk)
    form = DeckCopyForm(
        request.POST or None,
        sessions=_sessions_to_choose(request.user),
        initial={"title": deck.title},
    )
    if request.method == "POST" and form.is_valid():
        copy = services.copy_deck(
            deck=deck,
            session=form.cleaned_data["session"],
            title=form.cleaned_data["title"],
            by=request.user,
        )
        messages.success(
            request,
            f"Copied {copy.items.count()} items into a new deck. Its join code is {copy.code}.",
        )
        return redirect(copy)
    status = 400 if form.is_bound else 200
    context = {"deck": deck, "form": form, "n_items": deck.items.count()}
    return render(request, "live/deck_copy.html", context, status=status)


def _item_i_run(request, pk: int) -> Item:
    item = get_object_or_404(
        Item.objects.select_related("deck__session", "deck__current_item"), pk=pk
    )
    if not can_manage_deck(request.user, item.deck):
        raise Http404("No such item.")
    return item


@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    """Reword an item, re-key it, or set its moment in the recording; delete it from here."""
    item = _item_i_run(request, pk)
    deck = item.deck
    initial = {
        "prompt": item.prompt,
        "options": options_text(item.options, item.correct),
        "recording_at": moment(item.recording_at_seconds),
        "image_alt": item.image_alt,
    }
    form = ItemEditForm(
        request.POST or None,
        request.FILES or None,
        kind=item.kind,
        has_image=bool(item.image),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_item(
                item=item,
                prompt=data["prompt"],
                options=data["option_list"],
                correct=data["correct"],
                recording_at_seconds=data["recording_at"],
                image=data.get("image"),
                image_alt=data.get("image_alt"),
                remove_image=data.get("remove_image", False),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Item saved.")
            return redirect(deck)
    context = {
        "deck": deck,
        "item": item,
        "form": form,
        "answers": item.answers.count(),
        "open_now": deck.current_item_id == item.pk and deck.accepting,
    }
    return render(request, "live/item_edit.html", context, status=400 if form.is_bound else 200)


@login_not_required
@require_GET
def item_image(request, pk: int):
    """An item's image, for whoever may see the item now: its deck's teachers always; a
    participant (signed in, for a members-only deck) while it is the open item of a live deck,
    and any item once the deck has ended. Never an item still to come."""
    item = get_object_or_404(Item.objects.select_related("deck__session").exclude(image=""), pk=pk)
    deck = item.deck
    if not can_manage_deck(request.user, deck):
        if not deck.allow_anonymous and not request.user.is_authenticated:
            raise Http404("No such image.")
        shown = deck.is_ended or (deck.is_live and deck.current_item_id == item.pk)
        if not shown:
            raise Http404("No such image.")
    # The URL names the file (Item.image_url), so a browser may keep it; private: it is checked.
    return inline_response(
        open_or_404(item.image), content_type=item.image_type, cache_control="private, max-age=3600"
    )


@require_POST
def item_delete(request, pk: int):
    item = _item_i_run(request, pk)
    try:
        services.delete_item(item=item, with_answers=request.POST.get("with_answers") == "on")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("live:item-edit", pk=item.pk)
    messages.success(request, f"Item {item.position} deleted.")
    return redirect(item.deck)


@require_POST
def item_move(request, pk: int):
    """Up or down one place in the deck (buttons beside each item on the deck page)."""
    item = _item_i_run(request, pk)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        messages.error(request, "Direction: choose up or down.")
    elif not services.move_item(item=item, offset=offset):
        messages.error(request, "The item is already at that end of the deck.")
    return redirect(f"{item.deck.get_absolute_url()}#item-{item.pk}")


def _join_url(request, deck: Deck) -> str:
    return request.build_absolute_uri(reverse("live:join") + f"?code={deck.code}")


@require_POST
def deck_leaderboard(request, pk: int):
    """Turn the deck's leaderboard on or off (a checkbox on the deck page)."""
    deck = _deck_i_run(request, pk)
    enabled = request.POST.get("leaderboard") == "on"
    services.set_leaderboard(deck=deck, enabled=enabled)
    messages.success(request, "Leaderboard on." if enabled else "Leaderboard off.")
    return redirect(deck)


@require_GET
def deck_present(request, pk: int):
    """The presenter's controls (work without JavaScript as forms; with it, over the socket)."""
    deck = _deck_i_run(request, pk)
    items = list(deck.items.all())
    context = {
        "deck": deck,
        "items": items,
        "controls": services.presenter_controls(deck, [it.pk for it in items]),
        "item": deck.current_item,
        "results": services.tally(deck.current_item) if deck.current_item else None,
        "questions": services.qa_list(deck, include_pending=True),
        "leaderboard": services.leaderboard(deck) if deck.leaderboard else None,
        "join_url": _join_url(request, deck),
        "paused": not broadcast.layer_reachable(),
        "seconds_left": deck.countdown,
        "countdown_choices": COUNTDOWN_CHOICES,
    }
    return render(request, "live/deck_present.html", context)


@require_GET
def deck_screen(request, pk: int):
    """Full-screen results for the projector or a screen share: big code, QR, live counts."""
    deck = _deck_i_run(request, pk)
    join_url = _join_url(request, deck)
    context = {
        "deck": deck,
        "item": deck.current_item,
        "results": services.tally(deck.current_item) if deck.current_item else None,
        "join_url": join_url,
        "qr": segno.make(join_url, error="m").svg_data_uri(scale=8, border=2),
        "show_results": deck.results_visible or deck.revealed,
        "correct": deck.current_item.correct if deck.current_item and deck.revealed else None,
        "leaderboard": services.leaderboard(deck) if deck.leaderboard and deck.revealed else None,
        "questions": (
            services.qa_list(deck)[: services.SCREEN_QUESTIONS] if deck.questions_on_screen else []
        ),
        "screen_questions": services.SCREEN_QUESTIONS,
        "paused": not broadcast.layer_reachable(),
        "seconds_left": deck.countdown,
    }
    return render(request, "live/deck_screen.html", context)


@require_POST
def deck_control(request, pk: int):
    """A presenter control as a form post (no JavaScript, or the socket is down)."""
    deck = _deck_i_run(request, pk)
    item, seconds = request.POST.get("item"), request.POST.get("seconds", "")
    try:
        services.control_deck(
            deck=deck,
            action=request.POST.get("action", ""),
            item_id=int(item) if item and item.isdigit() else None,
            seconds=int(seconds) if seconds.isdigit() and len(seconds) < 6 else None,
        )
    except ProtocolError as exc:
        messages.error(request, exc.message)
    return redirect("live:deck-present", pk=deck.pk)


def _question_i_moderate(request, pk: int) -> AudienceQuestion:
    question = get_object_or_404(AudienceQuestion.objects.select_related("deck__session"), pk=pk)
    if not can_manage_deck(request.user, question.deck):
        raise Http404("No such question.")
    return question


def _back_from_question(request, question: AudienceQuestion):
    """To the page the form was on: the deck page (after the session) or the presenter's."""
    if request.POST.get("back") == "deck":
        return redirect(f"{question.deck.get_absolute_url()}#q-{question.pk}")
    return redirect("live:deck-present", pk=question.deck_id)


@require_POST
def question_moderate(request, pk: int):
    question = _question_i_moderate(request, pk)
    try:
        services.moderate_question(
            deck=question.deck, question_id=question.pk, action=request.POST.get("action", "")
        )
    except ProtocolError as exc:
        messages.error(request, exc.message)
    return _back_from_question(request, question)


@require_POST
def question_reply(request, pk: int):
    """The teacher's written answer to an audience question (empty takes it back)."""
    question = _question_i_moderate(request, pk)
    try:
        saved = services.reply_to_question(
            deck=question.deck, question_id=question.pk, text=request.POST.get("reply", "")
        )
    except ProtocolError as exc:
        messages.error(request, f"Reply: {exc.message}")
    else:
        messages.success(request, "Reply saved." if saved.reply else "Reply removed.")
    return _back_from_question(request, question)


def _csv_response(text: str, filename: str) -> HttpResponse:
    return download_response(
        text, filename, "text/csv; charset=utf-8", cache_control="private, no-store"
    )


@require_GET
def deck_export(request, pk: int):
    """All items' live and afterwards results in one CSV."""
    deck = _deck_i_run(request, pk)
    return _csv_response(services.export_deck_csv(deck), f"live-{deck.code}.csv")


@require_GET
def questions_export(request, pk: int):
    """The deck's audience questions, with their status, votes and replies, as CSV."""
    deck = _deck_i_run(request, pk)
    return _csv_response(services.export_questions_csv(deck), f"live-{deck.code}-questions.csv")


@require_GET
def item_export(request, pk: int):
    item = get_object_or_404(Item.objects.select_related("deck__session"), pk=pk)
    if not can_manage_deck(request.user, item.deck):
        raise Http404("No such item.")
    filename = f"live-{item.deck.code}-item-{item.position}.csv"
    return _csv_response(services.export_item_csv(item), filename)
