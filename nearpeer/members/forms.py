from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from .models import Role, User, normalise_email
from .roster import MAX_BYTES

YEAR_CHOICES = [("", "Not a student (faculty)")] + [(y, f"Year {y}") for y in range(1, 7)]


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data["username"])


class ProfileForm(forms.ModelForm):
    """A member's own details. The year of study is not here: it decides what a member
    reaches, so it comes from the roster or the committee (YearRequestForm asks for a change)."""

    class Meta:
        model = User
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter your name.")
        return name


class YearRequestForm(forms.Form):
    year = forms.TypedChoiceField(
        label="Year of study", choices=YEAR_CHOICES, coerce=int, empty_value=None, required=False
    )
    intercalating = forms.BooleanField(
        label="This year is an intercalated BSc year", required=False
    )
    reason = forms.CharField(
        label="Why (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text="For example: I am repeating year 3. At most 500 characters.",
    )

    def clean(self):
        data = super().clean()
        if data.get("intercalating") and data.get("year") is None:
            self.add_error("intercalating", "Only a year of study can be an intercalated year.")
        return data


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster CSV file",
        help_text="Columns email,name,year with that header line; UTF-8; at most 5,000 rows.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,text/csv", "aria-describedby": "file-help"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {MAX_BYTES:,} bytes."
            )
        return upload


class MemberSearchForm(forms.Form):
    q = forms.CharField(label="Name or email", max_length=100, required=False)
    role = forms.ChoiceField(
        label="Role", choices=[("", "Any role")] + Role.choices, required=False
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles", choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class SetFirstPasswordResetForm(PasswordResetForm):
    """Also reaches members imported from a roster, who have no usable password yet: this is
    how they choose their first one. Erased and deactivated accounts get nothing."""

    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def get_users(self, email):
        return User.objects.filter(
            email=normalise_email(email), is_active=True, erased_at__isnull=True
        )


class AccessRequestForm(forms.Form):
    name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="Your university email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    year = forms.TypedChoiceField(
        label="Year of study", choices=YEAR_CHOICES, coerce=int, empty_value=None, required=False
    )
    message = forms.CharField(
        label="Anything the committee should know (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter your name.")
        return name
