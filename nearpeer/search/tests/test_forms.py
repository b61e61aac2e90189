"""The search's quick cleaning of plain requests gives what the form gives, and leaves every
request the form would refuse (or read differently) to the form."""

from urllib.parse import urlencode

from django.http import QueryDict
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nearpeer.search.forms import SearchForm, quick_clean

_VALUES = st.one_of(
    st.sampled_from(
        ["", " ", "0", "1", "7", "50", "51", "007", " 12 ", "5.0", "+3", "-1", "1_000", "٣",
         "4611686018427387904", "4611686018427387903", "99999999999999999999999", "x",
         "resource", "question", "session", "series", "Resource", "nonsense", "anaemia",
         "  heart failure  ", "a\x00b", "é", "the of"]
    ),
    st.text(max_size=12),
    st.text(alphabet="0123456789 ", max_size=22),
    st.just("w" * 200), st.just("w" * 201), st.just(" " + "w" * 200 + " "),
)  # fmt: skip
_NAMES = st.sampled_from(["q", "kind", "tag", "page", "from", "other"])


@settings(max_examples=600, deadline=None)
@given(pairs=st.lists(st.tuples(_NAMES, _VALUES), max_size=5))
@example(pairs=[("page", " ")])
@example(pairs=[("tag", "5.0"), ("q", " x ")])
@example(pairs=[("kind", "resource"), ("kind", "question")])
def test_quick_cleaning_agrees_with_the_form(pairs):
    params = QueryDict(urlencode(pairs), mutable=False)
    quick = quick_clean(params)
    form = SearchForm(params)
    if quick is None:
        return  # the form decides (the views use it then)
    assert form.is_valid(), (pairs, form.errors)
    assert quick == form.cleaned_data


def test_plain_requests_take_the_quick_way_and_odd_ones_the_form():
    assert quick_clean(QueryDict("q=heart+failure&kind=resource&page=2")) == {
        "q": "heart failure", "kind": "resource", "tag": None, "page": 2,
    }  # fmt: skip
    assert quick_clean(QueryDict("q=anaemia&from=header")) == {
        "q": "anaemia", "kind": "", "tag": None, "page": None,
    }  # fmt: skip
    for odd in ("page=51", "page=+", "kind=nonsense", "tag=5.0", "q=a&q=b", f"q={'w' * 201}"):
        assert quick_clean(QueryDict(odd)) is None, odd
