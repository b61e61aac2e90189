import copy
import hashlib
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nearpeer.core import throttle
from nearpeer.core.decorators import role_required
from nearpeer.core.jobs import start_job

from . import invitations, services
from .forms import (
    AccessRequestForm,
    MemberSearchForm,
    ProfileForm,
    RolesForm,
    RosterUploadForm,
    SetFirstPasswordResetForm,
    SignInForm,
    YearRequestForm,
)
from .jobs import ROSTER_IMPORT
from .models import AccessRequest, Role, User, YearChangeRequest
from .permissions import is_committee, may_change_credentials, may_edit_account
from .roster import parse_roster

MEMBER_PAGE_SIZE = 50
ROSTER_SESSION_KEY = "members:roster-upload"


def _locked(request, *, what: str, minutes: int):
    return render(
        request,
        "members/login_locked.html",
        {"what": what, "minutes": minutes},
        status=429,
    )


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    """django-axes pauses one (normalised email, client address) pair after a few failures;
    this view also pauses a client address that fails against many accounts (password
    spraying), with a higher limit because a campus network shares one address."""

    template_name = "members/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        address = services.client_address(request)
        if (
            throttle.count("sign-in-address", address)
            >= settings.NEARPEER_LOGIN_ADDRESS_FAILURE_LIMIT
        ):
            services.security_log.warning("sign-in paused for a client address")
            return _locked(request, what="sign-in", minutes=settings.NEARPEER_LOGIN_COOLOFF_MINUTES)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        throttle.hit(
            "sign-in-address",
            services.client_address(self.request),
            window_seconds=settings.NEARPEER_LOGIN_COOLOFF_MINUTES * 60,
        )
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.NEARPEER_OIDC_ENABLED
        context["oidc_button_label"] = settings.NEARPEER_OIDC_BUTTON_LABEL
        context["university_unknown"] = self.request.GET.get("university") == "unknown"
        return context


sign_in = SignInView.as_view()
sign_out = auth_views.LogoutView.as_view()


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Each request may send an email, so requests are counted per client address (a clear
    pause) and per normalised email (silently no more emails, so the page never tells
    whether an address has an account)."""

    form_class = SetFirstPasswordResetForm
    template_name = "members/password_reset_form.html"
    email_template_name = "members/password_reset_email.txt"
    subject_template_name = "members/password_reset_subject.txt"
    success_url = reverse_lazy("members:password-reset-done")

    def post(self, request, *args, **kwargs):
        window = settings.NEARPEER_PASSWORD_RESET_WINDOW_MINUTES
        if throttle.exceeded(
            "password-reset-address",
            services.client_address(request),
            limit=settings.NEARPEER_PASSWORD_RESET_ADDRESS_LIMIT,
            window_seconds=window * 60,
        ):
            services.security_log.warning("password reset paused for a client address")
            return _locked(request, what="password reset", minutes=window)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if throttle.exceeded(
            "password-reset-email",
            form.cleaned_data["email"],
            limit=settings.NEARPEER_PASSWORD_RESET_EMAIL_LIMIT,
            window_seconds=settings.NEARPEER_PASSWORD_RESET_WINDOW_MINUTES * 60,
        ):
            services.security_log.warning("password reset email withheld: too many requests")
            return redirect(self.get_success_url())
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
password_reset_done = login_not_required(
    auth_views.PasswordResetDoneView.as_view(template_name="members/password_reset_done.html")
)
password_reset_confirm = login_not_required(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="members/password_reset_confirm.html",
        success_url=reverse_lazy("members:password-reset-complete"),
    )
)
password_reset_complete = login_not_required(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="members/password_reset_complete.html"
    )
)


@require_http_methods(["GET", "POST"])
def profile(request):
    # A copy, so a rejected edit does not show up in the header of the re-displayed page.
    form = ProfileForm(request.POST or None, instance=copy.copy(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("members:profile")
    pending = YearChangeRequest.objects.filter(
        member=request.user, status=YearChangeRequest.Status.PENDING
    ).first()
    return render(
        request,
        "members/profile.html",
        {"member": request.user, "form": form, "pending_year_request": pending},
    )


@require_http_methods(["GET", "POST"])
def year_request(request):
    """A member asks the committee to change their year of study."""
    member = request.user
    form = YearRequestForm(
        request.POST or None, initial={"year": member.year, "intercalating": member.intercalating}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if (data["year"], data["intercalating"]) == (member.year, member.intercalating):
            form.add_error("year", "That is already your year; choose the year you are in now.")
        else:
            services.request_year_change(
                member=member,
                year=data["year"],
                intercalating=data["intercalating"],
                reason=data["reason"],
            )
            messages.success(request, "Your request is sent; the committee will look at it.")
            return redirect("members:profile")
    pending = YearChangeRequest.objects.filter(
        member=member, status=YearChangeRequest.Status.PENDING
    ).first()
    return render(request, "members/year_request.html", {"form": form, "pending": pending})


@require_GET
@role_required(is_committee)
def year_request_list(request):
    pending = YearChangeRequest.objects.filter(
        status=YearChangeRequest.Status.PENDING
    ).select_related("member")
    return render(request, "members/year_request_list.html", {"requests": pending})


@require_POST
@role_required(is_committee)
def year_request_decide(request, pk: int):
    year_request = get_object_or_404(
        YearChangeRequest, pk=pk, status=YearChangeRequest.Status.PENDING
    )
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, "Choose approve or decline.")
        return redirect("members:year-request-list")
    try:
        services.decide_year_change(
            request=year_request, approve=decision == "approve", by=request.user
        )
    except (ValueError, PermissionError) as exc:
        messages.error(request, f"Not decided: {exc}.")
    else:
        verb = "approved" if decision == "approve" else "declined"
        messages.success(
            request, f"{year_request.member.name}'s request ({year_request.year_label}) {verb}."
        )
    return redirect("members:year-request-list")


@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, "Your password is changed.")
        return redirect("members:profile")
    return render(request, "members/password_change.html", {"form": form})


@require_GET
def data_export(request):
    data = services.export_member_data(member=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="nearpeer-my-data-{stamp}.json"'
    return response


@require_GET
@login_not_required
def privacy(request):
    return render(
        request, "members/privacy.html", {"min_group_size": settings.NEARPEER_MIN_GROUP_SIZE}
    )


@require_GET
@role_required(is_committee)
def member_list(request):
    search = MemberSearchForm(request.GET)
    members = (
        User.objects.select_related("invitation")
        .prefetch_related("role_grants")
        .order_by("name", "email")
    )
    if search.is_valid():
        if q := search.cleaned_data["q"].strip():
            members = members.filter(Q(name__icontains=q) | Q(email__icontains=q))
        if role := search.cleaned_data["role"]:
            members = members.filter(role_grants__role=role)
    page = Paginator(members, MEMBER_PAGE_SIZE).get_page(request.GET.get("page"))
    # Checkboxes are written out in the template: rendering 50 forms' widgets took most of
    # this page's time.
    rows = [(m, _role_choices(m)) for m in page.object_list]
    return render(
        request,
        "members/member_list.html",
        {
            "search": search,
            "page": page,
            "rows": rows,
            "query": request.GET.urlencode(),
            "waiting_requests": AccessRequest.objects.filter(
                status=AccessRequest.Status.PENDING
            ).count(),
        },
    )


def _role_choices(member: User) -> list[tuple[str, str, bool]]:
    current = {g.role for g in member.role_grants.all()}
    return [(value, label, value in current) for value, label in Role.choices]


def _roles_form(member: User, data=None) -> RolesForm:
    return RolesForm(data, prefix=f"m{member.pk}")


@require_POST
@role_required(is_committee)
def member_roles(request, pk: int):
    member = get_object_or_404(User, pk=pk, is_active=True)
    # Only a superuser changes another person's roles; to anyone else this is no page.
    if not (
        may_change_credentials(request.user, member) and may_edit_account(request.user, member)
    ):
        raise Http404
    form = _roles_form(member, request.POST)
    error = ""
    if not form.is_valid():
        error = " ".join(form.errors.get("roles", ["the form was incomplete."]))
    else:
        try:
            granted, revoked = services.set_roles(
                member=member, roles=set(form.cleaned_data["roles"]), by=request.user
            )
        except ValueError as exc:
            error = f"{exc}."
    if error:
        level, text = messages.ERROR, f"Roles of {member.name} not changed: {error}"
    else:
        changes = [f"granted {', '.join(sorted(granted))}"] if granted else []
        changes += [f"revoked {', '.join(sorted(revoked))}"] if revoked else []
        level = messages.SUCCESS
        text = f"Roles of {member.name}: {'; '.join(changes) or 'no change'}."
    if request.htmx:
        member = User.objects.prefetch_related("role_grants").get(pk=pk)
        return render(
            request,
            "members/member_list.html#member-row",
            {"member": member, "choices": _role_choices(member), "status": text},
        )
    messages.add_message(request, level, text)
    query = QueryDict(request.POST.get("query", "")).urlencode()
    return redirect(reverse("members:member-list") + (f"?{query}" if query else ""))


@require_http_methods(["GET", "POST"])
@role_required(is_committee)
def roster_import(request):
    """Upload a roster; show what would change (a dry run); confirming imports it."""
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "invitation_days": settings.NEARPEER_INVITATION_DAYS}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        rows, errors = parse_roster(data)
        if errors:
            context["errors"] = errors
        else:
            text = data.decode("utf-8-sig")
            request.session[ROSTER_SESSION_KEY] = text
            context["plan"] = services.import_roster(rows=rows, by=request.user, dry_run=True)
            context["digest"] = _digest(text)
    return render(request, "members/roster_import.html", context)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@require_POST
@role_required(is_committee)
def roster_confirm(request):
    text = request.session.get(ROSTER_SESSION_KEY)
    if text is None or request.POST.get("digest") != _digest(text):
        messages.error(
            request, "That preview is out of date (another upload replaced it). Upload again."
        )
        return redirect("members:roster-import")
    # Always in the background (a roster of thousands takes a while to write and to invite):
    # the file goes to private storage for the worker, and this page follows the job.
    job, created = start_job(
        kind=ROSTER_IMPORT,
        key=f"roster:{_digest(text)}",
        title="Roster import",
        by=request.user,
        params={"invite": bool(request.POST.get("invite"))},
        upload=("roster.csv", text.encode()),
    )
    del request.session[ROSTER_SESSION_KEY]
    if not created:
        who = job.started_by.name if job.started_by else "someone"
        messages.info(request, f"{who} is already importing this roster; here is that import.")
    return redirect("core:job-detail", pk=job.pk)


@require_http_methods(["GET", "POST"])
@role_required(is_committee)
def member_erase(request, pk: int):
    member = get_object_or_404(User, pk=pk, erased_at__isnull=True)
    if not may_edit_account(request.user, member):
        raise Http404
    if member == request.user:
        messages.error(request, "You cannot erase your own account; ask another committee member.")
        return redirect("members:member-list")
    if request.method == "POST":
        name = member.name
        services.erase_member(member=member, by=request.user)
        messages.success(request, f"{name}'s personal data is erased.")
        return redirect("members:member-list")
    return render(request, "members/member_erase.html", {"member": member})


# --- Ways in: invitations, requests for access, university sign-in ------------------------------

ACCESS_REQUESTS_PER_HOUR = 5


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """An invited member chooses their password and is signed in."""
    try:
        invitation = invitations.invitation_for_token(token)
    except invitations.InvitationInvalid as exc:
        return render(request, "members/invitation_accept.html", {"invalid": exc.reason})
    form = SetPasswordForm(invitation.member, request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = invitations.accept_invitation(
            invitation=invitation, password=form.cleaned_data["new_password1"]
        )
        login(request, member, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {member.get_short_name()}. Your password is saved.")
        return redirect("teaching:home")
    return render(
        request, "members/invitation_accept.html", {"form": form, "member": invitation.member}
    )


@require_POST
@role_required(is_committee)
def member_invite(request, pk: int):
    member = get_object_or_404(User, pk=pk, is_active=True, erased_at__isnull=True)
    result = invitations.send_invitations(members=[member], by=request.user)
    if result.sent:
        messages.success(request, f"Invitation sent to {member.email}.")
    elif result.bounced:
        messages.error(request, f"The mail server refused {member.email}: {result.bounced[0][1]}")
    else:
        messages.info(request, f"{member.name} already has a password; no invitation was sent.")
    query = QueryDict(request.POST.get("query", "")).urlencode()
    return redirect(reverse("members:member-list") + (f"?{query}" if query else ""))


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@login_not_required
@require_http_methods(["GET", "POST"])
def access_request_create(request):
    """Someone not on the roster asks the committee for an account."""
    if request.user.is_authenticated:
        return redirect("teaching:home")
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST":
        key = f"members:access-request:{_client_ip(request)}"
        count = cache.get_or_set(key, 0, timeout=3600)
        if count >= ACCESS_REQUESTS_PER_HOUR:
            form.add_error(None, "Too many requests from here in the last hour; try again later.")
        elif form.is_valid():
            cache.incr(key)
            data = form.cleaned_data
            invitations.request_access(
                email=data["email"], name=data["name"], year=data["year"], message=data["message"]
            )
            return redirect("members:access-request-sent")
    return render(request, "members/access_request_form.html", {"form": form})


@login_not_required
@require_GET
def access_request_sent(request):
    return render(request, "members/access_request_sent.html")


@require_GET
@role_required(is_committee)
def access_request_list(request):
    waiting = AccessRequest.objects.filter(status=AccessRequest.Status.PENDING).order_by(
        "created_at"
    )
    decided = (
        AccessRequest.objects.exclude(status=AccessRequest.Status.PENDING)
        .select_related("decided_by")
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "members/access_request_list.html",
        {"waiting": list(waiting), "decided": list(decided)},
    )


@require_POST
@role_required(is_committee)
def access_request_decide(request, pk: int):
    access_request = get_object_or_404(AccessRequest, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "approve":
            result = invitations.approve_access_request(
                access_request=access_request, by=request.user
            )
            if result.bounced:
                messages.error(
                    request,
                    f"{access_request.name} is now a member, but the mail server refused "
                    f"{access_request.email}: {result.bounced[0][1]}",
                )
            else:
                messages.success(
                    request,
                    f"{access_request.name} is now a member; an invitation went to "
                    f"{access_request.email}.",
                )
        elif action == "decline":
            invitations.decline_access_request(access_request=access_request, by=request.user)
            messages.success(request, f"The request from {access_request.name} is declined.")
        else:
            messages.error(request, "Choose Approve or Decline.")
    except ValueError as exc:
        messages.error(request, f"Nothing changed: {exc}.")
    return redirect("members:access-request-list")
