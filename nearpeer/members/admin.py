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
