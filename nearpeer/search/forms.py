from functools import cache

from django import forms

from . import text
from .index import providers


@cache
def _kind_choices() -> list[tuple[str, str]]:
    """The kind filter's choices: fixed once the providers are known, so made once per process
    (set in each form's __init__ they were normalised again for every search)."""
    return [("", "Everything")] + [(kind, p.label) for kind, p in providers().items()]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        max_length=text.MAX_QUERY_LENGTH,
        required=False,
        strip=True,
        widget=forms.SearchInput,
    )
    kind = forms.ChoiceField(label="Show", required=False, choices=_kind_choices)
    # A tag's id, not a ModelChoiceField: its query (and the copy of its queryset every form
    # makes) cost more than the rest of the form. The whole page checks it against the tags it
    # reads for the filter anyway (views.results); an unknown id elsewhere finds nothing.
    tag = forms.IntegerField(label="Tag", required=False, min_value=1, max_value=2**62)
    page = forms.IntegerField(min_value=1, max_value=50, required=False, widget=forms.HiddenInput)


_FIELDS = frozenset(SearchForm.base_fields)
_DIGITS = frozenset("0123456789")


def _whole_number(raw: str, low: int, high: int) -> int | None | bool:
    """The number written plainly in ASCII digits, None for nothing, False for anything else
    (then the form decides and words the error)."""
    if not raw:
        return None
    raw = raw.strip()
    if not raw or len(raw) > 20 or not _DIGITS.issuperset(raw):
        return False
    value = int(raw)
    return value if low <= value <= high else False


def quick_clean(params) -> dict | None:
    """`SearchForm(params).cleaned_data` for the plain requests nearly every search is (a
    query, maybe a kind, a tag id or a page number, each given once), without building the
    form: its fields are deep-copied for every instance, which cost more than the rest of a
    cached search. None for anything else, which the form then cleans and words the errors
    for. tests/test_forms.py holds the two to the same answers."""
    cleaned: dict = {"q": "", "kind": "", "tag": None, "page": None}
    for name, values in params.lists():
        if name not in _FIELDS:
            continue
        if len(values) != 1:
            return None
        raw = values[0]
        if name == "q":
            q = raw.strip()
            if len(q) > text.MAX_QUERY_LENGTH or "\x00" in q:
                return None
            cleaned["q"] = q
        elif name == "kind":
            if raw and raw not in providers():
                return None
            cleaned["kind"] = raw
        else:
            field = SearchForm.base_fields[name]
            number = _whole_number(raw, field.min_value, field.max_value)
            if number is False:
                return None
            cleaned[name] = number
    return cleaned
