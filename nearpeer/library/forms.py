from django import forms

from nearpeer.questions.models import Tag
from nearpeer.teaching.models import Session

from .models import Audience, Resource, ResourceKind


class ResourceForm(forms.ModelForm):
    change_note = forms.CharField(
        label="What changed",
        max_length=500,
        required=False,
        help_text="Needed when you change a published resource; readers see it in the history.",
    )
    confirm_identifiers = forms.BooleanField(
        label="I have checked: none of these identifies a real patient.", required=False
    )

    class Meta:
        model = Resource
        fields = ["kind", "title", "summary", "tags", "audience", "licence"]
        widgets = {
            "tags": forms.CheckboxSelectMultiple,
            "audience": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 6}),
        }
        labels = {"summary": "Summary (what it covers, who it is for)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = Tag.objects.order_by("kind", "name")
        self.fields["kind"].choices = ResourceKind.choices
        self.fields["audience"].choices = Audience.choices


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="PDF, Word (.docx), PowerPoint (.pptx) or an image; checked by its content.",
    )
    change_note = forms.CharField(
        label="What changed", max_length=500, required=False,
        help_text="Needed when the resource is already published.",
    )  # fmt: skip
    confirm_identifiers = forms.BooleanField(
        label="I have checked: none of these identifies a real patient.", required=False
    )


class LinkForm(forms.Form):
    title = forms.CharField(label="Link text", max_length=200)
    url = forms.URLField(label="Address", max_length=500, assume_scheme="https")


class SubmitForm(forms.Form):
    confirm_identifiers = forms.BooleanField(
        label="I have checked: none of these identifies a real patient.", required=False
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Publish it"), ("changes", "Send back with changes to make")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note to the authors",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ErrorReportForm(forms.Form):
    text = forms.CharField(
        label="What is wrong?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class UseInSessionForm(forms.Form):
    session = forms.ModelChoiceField(label="Session", queryset=Session.objects.none())

    def __init__(self, *args, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sessions is not None:
            self.fields["session"].queryset = sessions


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind", choices=[("", "All kinds"), *ResourceKind.choices], required=False
    )
    tag = forms.ModelChoiceField(
        label="Tag", queryset=Tag.objects.order_by("kind", "name"), required=False,
        empty_label="Any tag",
    )  # fmt: skip


class CoauthorForm(forms.Form):
    email = forms.EmailField(
        label="Co-author's email",
        max_length=254,
        help_text="A student-teacher, committee member or faculty partner from the member list.",
        widget=forms.EmailInput(attrs={"list": "coauthor-candidates", "autocomplete": "off"}),
    )
