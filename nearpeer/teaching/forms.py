from django import forms
from django.db.models import Q
from django.utils.text import slugify

from nearpeer.members.models import Role, User

from .models import Material, Series, Session, SessionKind, SessionMode
from .recurrence import (
    MAX_OCCURRENCES,
    WEEKDAYS,
    Schedule,
    ScheduleError,
    occurrences,
    parse_exceptions,
)
from .services import TeachingError, check_upload
from .years import ALL_YEARS, mask_to_years, years_to_mask

YEAR_CHOICES = [(str(y), f"Year {y}") for y in ALL_YEARS]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TargetYearsField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=YEAR_CHOICES,
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            label="Target years",
            error_messages={"required": "Choose at least one target year."},
            **kwargs,
        )


class SeriesForm(forms.ModelForm):
    target_years = TargetYearsField()

    class Meta:
        model = Series
        fields = ["title", "slug", "description", "kind"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "maxlength": 5000})}
        help_texts = {"slug": "Short name used in links; leave empty to make one from the title."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        if self.instance.pk:
            self.initial["target_years"] = [str(y) for y in self.instance.target_years]

    def clean_description(self):
        return self.cleaned_data["description"][:5000]

    def clean(self):
        data = super().clean()
        if not data.get("slug") and data.get("title"):
            slug = slugify(data["title"])[:70] or "series"
            base, n = slug, 2
            while Series.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
                slug, n = f"{base}-{n}", n + 1
            data["slug"] = slug
        return data

    def save(self, commit: bool = True):
        self.instance.target_years_mask = years_to_mask(self.cleaned_data["target_years"])
        return super().save(commit)


class SessionForm(forms.ModelForm):
    target_years = TargetYearsField()
    teachers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        # Checkboxes, not a Ctrl-click list; teaching/choice-filter.js adds a filter box.
        widget=forms.CheckboxSelectMultiple(attrs={"class": "filterable-choice"}),
        help_text="Student-teachers and committee members. Tick everyone who teaches it.",
    )
    meeting_url = forms.URLField(required=False, assume_scheme="https", label="Meeting link")

    class Meta:
        model = Session
        fields = [
            "series",
            "title",
            "description",
            "kind",
            "mode",
            "room",
            "meeting_url",
            "starts_at",
            "ends_at",
            "capacity",
            "registration_closes_at",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "registration_closes_at": DateTimeLocalInput(),
        }
        labels = {"meeting_url": "Meeting link", "registration_closes_at": "Registration closes"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teachers"].queryset = User.objects.filter(
            Q(role_grants__role=Role.STUDENT_TEACHER) | Q(role_grants__role=Role.COMMITTEE)
        ).distinct()
        if self.instance.pk:
            self.initial["target_years"] = [str(y) for y in self.instance.target_years]
            self.initial["teachers"] = list(self.instance.teachers.values_list("pk", flat=True))

    def clean_description(self):
        return self.cleaned_data["description"][:5000]

    def has_changed_target_years(self) -> bool:
        return mask_to_years(self.instance.target_years_mask) != self.cleaned_data["target_years"]

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The session must end after it starts.")
        closes = data.get("registration_closes_at")
        if closes and ends and closes > ends:
            self.add_error("registration_closes_at", "Registration must close before the end.")
        mode = data.get("mode")
        if mode in (SessionMode.IN_PERSON, SessionMode.HYBRID) and not data.get("room"):
            self.add_error("room", "Give a room for an in-person or hybrid session.")
        if mode in (SessionMode.ONLINE, SessionMode.HYBRID) and not data.get("meeting_url"):
            self.add_error("meeting_url", "Give a meeting link for an online or hybrid session.")
        return data

    def save(self, commit: bool = True):
        self.instance.target_years_mask = years_to_mask(self.cleaned_data["target_years"])
        return super().save(commit)


class TimetableFilterForm(forms.Form):
    VIEWS = [("list", "List"), ("week", "Week"), ("month", "Month")]

    q = forms.CharField(label="Search", max_length=100, required=False)
    year = forms.TypedChoiceField(
        choices=[("", "Any year"), *YEAR_CHOICES], coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *SessionKind.choices], required=False)
    mode = forms.ChoiceField(choices=[("", "Any mode"), *SessionMode.choices], required=False)
    series = forms.ModelChoiceField(
        queryset=Series.objects.none(), required=False, empty_label="Any series"
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    view = forms.ChoiceField(choices=VIEWS, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, series_queryset=None, years=None, **kwargs):
        super().__init__(*args, **kwargs)
        if series_queryset is not None:
            self.fields["series"].queryset = series_queryset
        if years is not None:
            # Only the years this member may attend; with one, the filter has nothing to offer.
            if len(years) <= 1:
                del self.fields["year"]
            else:
                self.fields["year"].choices = [("", "Any year")] + [
                    (str(y), f"Year {y}") for y in years
                ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    @property
    def chosen_view(self) -> str:
        return (self.is_valid() and self.cleaned_data.get("view")) or "list"

    def filter(self, sessions):
        if not self.is_valid():
            return sessions
        data = self.cleaned_data
        if data.get("year"):
            sessions = sessions.for_year(data["year"])
        if data["kind"]:
            sessions = sessions.filter(kind=data["kind"])
        if data["mode"]:
            sessions = sessions.filter(mode=data["mode"])
        if data["series"]:
            sessions = sessions.filter(series=data["series"])
        if q := data["q"].strip():
            sessions = sessions.filter(
                Q(title__icontains=q) | Q(description__icontains=q) | Q(series__title__icontains=q)
            )
        return sessions


class CheckInForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Check-in code",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"}
        ),
    )


class AttendanceForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    present = forms.BooleanField(required=False)


class MaterialForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        label="File",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.pptx,.mp4,.webm,.m4a,.png,.jpg,.jpeg"}
        ),
        help_text="PDF, PowerPoint (.pptx), MP4/WebM video, M4A audio, PNG or JPEG.",
    )
    url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Or a link",
        help_text="e.g. the recording on the university's video service.",
    )

    class Meta:
        model = Material
        fields = ["kind", "title", "url"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                check_upload(upload)
            except TeachingError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return upload

    def clean(self):
        data = super().clean()
        has_file = bool(data.get("upload"))
        has_url = bool(data.get("url"))
        if "upload" in self.errors:
            return data
        if has_file == has_url:
            raise forms.ValidationError("Give either a file or a link (one of the two).")
        return data


class TimeInput24(forms.TimeInput):
    """A text box for HH:MM: the browser's own time picker shows 12-hour time in some locales."""

    def __init__(self, **kwargs):
        attrs = {"inputmode": "numeric", "placeholder": "18:00", "size": 5, "maxlength": 5}
        super().__init__(format="%H:%M", attrs=attrs, **kwargs)


class ScheduleForm(forms.Form):
    """Many sessions of a series at once: weekly or fortnightly on one weekday and time."""

    title = forms.CharField(max_length=190, label="Title of each session")
    number_titles = forms.BooleanField(
        required=False, initial=True, label="Number them (“… 1”, “… 2”, …)"
    )
    interval = forms.TypedChoiceField(
        label="Repeats",
        choices=[(1, "Every week"), (2, "Every other week (fortnightly)")],
        coerce=int,
        initial=1,
    )
    weekday = forms.TypedChoiceField(
        label="On", choices=list(enumerate(WEEKDAYS)), coerce=int, initial=1
    )
    start_time = forms.TimeField(label="Starts at (24-hour)", widget=TimeInput24())
    duration = forms.TypedChoiceField(
        label="Lasts",
        coerce=int,
        initial=60,
        choices=[
            (m, f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min")
            for m in (30, 45, 60, 90, 120, 150, 180, 240)
        ],
    )
    first_date = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    count = forms.IntegerField(
        label="Number of sessions",
        required=False,
        min_value=1,
        max_value=MAX_OCCURRENCES,
        help_text="Either this or an end date.",
    )
    until = forms.DateField(
        label="Or until (inclusive)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    exceptions = forms.CharField(
        label="Dates to leave out",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        help_text="One per line: 2027-02-16, or a range such as reading week: "
        "2027-02-15 to 2027-02-19. They do not count towards the number of sessions.",
    )
    mode = forms.ChoiceField(choices=SessionMode.choices, initial=SessionMode.IN_PERSON)
    room = forms.CharField(max_length=200, required=False)
    meeting_url = forms.URLField(required=False, assume_scheme="https", label="Meeting link")
    capacity = forms.IntegerField(
        required=False, min_value=1, max_value=10_000, help_text="Empty means no limit on places."
    )

    def clean(self):
        data = super().clean()
        if {"first_date", "weekday", "interval"} - set(data):
            return data
        try:
            data["schedule"] = Schedule(
                first_date=data["first_date"],
                weekday=data["weekday"],
                interval=data["interval"],
                count=data.get("count"),
                until=data.get("until"),
                exceptions=parse_exceptions(data.get("exceptions") or ""),
            )
            data["dates"] = occurrences(data["schedule"])
        except ScheduleError as exc:
            raise forms.ValidationError(str(exc)) from exc
        mode = data.get("mode")
        if mode in (SessionMode.IN_PERSON, SessionMode.HYBRID) and not data.get("room"):
            self.add_error("room", "Give a room for in-person or hybrid sessions.")
        if mode in (SessionMode.ONLINE, SessionMode.HYBRID) and not data.get("meeting_url"):
            self.add_error("meeting_url", "Give a meeting link for online or hybrid sessions.")
        return data


class ApplyToForm(forms.Form):
    apply_to = forms.ChoiceField(
        label="Apply the changes to",
        choices=[
            ("this", "This session only"),
            ("following", "This and the following sessions of the series"),
        ],
        initial="this",
        widget=forms.RadioSelect,
        help_text="For the following sessions, the time of day, length, place, capacity, "
        "teachers, kind, description and target years are copied; each keeps its own date "
        "and title.",
    )
