from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied

from .models import RoleGrant, User, normalise_email
from .permissions import may_edit_account


def _clean_unique_email(form) -> str:
    email = normalise_email(form.cleaned_data["email"])
    others = User.objects.filter(email=email)
    if form.instance.pk:
        others = others.exclude(pk=form.instance.pk)
    if others.exists():
        raise forms.ValidationError("Another account already uses this email (ignoring case).")
    return email


class UserAdminChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _clean_unique_email(self)


class UserAdminCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "name", "year"]

    def clean_email(self) -> str:
        return _clean_unique_email(self)


def _is_superuser(request) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0

    # Roles decide what a person reaches (the committee role gives this admin): only a
    # superuser changes another person's roles.
    def has_add_permission(self, request, obj=None):
        return _is_superuser(request) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_superuser(request) and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    ordering = ["name"]
    list_display = ["name", "email", "year", "is_active"]
    list_filter = ["year", "is_active", "role_grants__role"]
    search_fields = ["name", "email"]
    inlines = [RoleGrantInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "year", "intercalating"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "year", "password1", "password2"]})
    ]

    def get_readonly_fields(self, request, obj=None):
        # Committee members run the society in the admin; only superusers make superusers,
        # and only a superuser changes another person's email: with a new address, an
        # anonymous password reset would hand the account to whoever chose it.
        fields = list(super().get_readonly_fields(request, obj))
        if not _is_superuser(request):
            fields += ["is_superuser", "is_staff"]
            if obj is not None and obj.pk != request.user.pk:
                fields += ["email"]
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and not may_edit_account(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not may_edit_account(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # Bulk "delete selected" must not reach a superuser either.
        if not _is_superuser(request) and any(o.is_superuser for o in objs):
            raise PermissionDenied
        return super().get_deleted_objects(objs, request)

    def user_change_password(self, request, id, form_url=""):
        # Setting someone else's password would let the committee sign in as them; members
        # set their own through the emailed link instead.
        if not _is_superuser(request) and str(request.user.pk) != str(id):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


# --- Sign-in records (django-axes): addresses for superusers only ----------------------------
# The committee may lift a sign-in pause (AccessAttempt) but sees no one's addresses or
# browsers, and not the sign-in and failure logs at all.
import axes.admin  # noqa: E402  (registers axes' own admin classes, replaced below)
from axes.models import AccessAttempt, AccessFailureLog, AccessLog  # noqa: E402

SIGN_IN_DETAIL = frozenset({"ip_address", "user_agent", "http_accept", "get_data", "post_data"})


def _without_detail(names) -> list:
    return [n for n in names if n not in SIGN_IN_DETAIL]


class AccessAttemptAdmin(axes.admin.AccessAttemptAdmin):
    def get_list_display(self, request):
        names = super().get_list_display(request)
        return names if _is_superuser(request) else _without_detail(names)

    def get_search_fields(self, request):
        names = super().get_search_fields(request)
        return names if _is_superuser(request) else _without_detail(names)

    def get_readonly_fields(self, request, obj=None):
        names = super().get_readonly_fields(request, obj)
        return names if _is_superuser(request) else _without_detail(names)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if _is_superuser(request):
            return fieldsets
        kept = []
        for title, options in fieldsets:
            fields = _without_detail(options.get("fields", ()))
            if fields:
                kept.append((title, {**options, "fields": fields}))
        return kept

    def lookup_allowed(self, lookup, value, request=None):
        # `?ip_address=…` in the address bar would otherwise answer "did this address try?".
        if lookup.split("__")[0] in SIGN_IN_DETAIL and not (request and _is_superuser(request)):
            return False
        return super().lookup_allowed(lookup, value, request)


class SuperuserOnlyMixin:
    def has_module_permission(self, request):
        return _is_superuser(request)

    def has_view_permission(self, request, obj=None):
        return _is_superuser(request)

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request)

    def has_delete_permission(self, request, obj=None):
        return _is_superuser(request)


class AccessLogAdmin(SuperuserOnlyMixin, axes.admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(SuperuserOnlyMixin, axes.admin.AccessFailureLogAdmin):
    pass


for _model, _admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
