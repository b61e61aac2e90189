from django import forms

from .models import Category, NotificationPreference


class PreferenceForm(forms.Form):
    email_categories = forms.MultipleChoiceField(
        label="Email me about",
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Everything always appears in your Nearpeer notifications; this only "
        "chooses what is emailed too.",
    )
    quiet_start = forms.TimeField(
        label="Quiet hours start",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label="Quiet hours end",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Emails due in quiet hours wait until they end. Leave both empty for none.",
    )

    @classmethod
    def for_preference(cls, preference: NotificationPreference | None, data=None):
        initial = {"email_categories": list(Category.values)}
        if preference:
            initial = {
                "email_categories": [c for c in Category.values if preference.wants_email(c)],
                "quiet_start": preference.quiet_start,
                "quiet_end": preference.quiet_end,
            }
        return cls(data=data, initial=initial)

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if "quiet_start" in self.errors or "quiet_end" in self.errors:
            return data
        if (start is None) != (end is None):
            missing = "quiet_end" if end is None else "quiet_start"
            self.add_error(missing, "Give both the start and the end of quiet hours, or neither.")
        elif start is not None and start == end:
            self.add_error("quiet_end", "Quiet hours must end at a different time than they start.")
        return data

    def save(self, member) -> NotificationPreference:
        wanted = set(self.cleaned_data["email_categories"])
        preference, _ = NotificationPreference.objects.update_or_create(
            member=member,
            defaults={
                "email_off": [c for c in Category.values if c not in wanted],
                "quiet_start": self.cleaned_data["quiet_start"],
                "quiet_end": self.cleaned_data["quiet_end"],
            },
        )
        return preference
