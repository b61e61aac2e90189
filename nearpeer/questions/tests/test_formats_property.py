"""Round trips hold for any text a member might type (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from nearpeer.questions import formats

# Printable text incl. GIFT's special characters, CDATA's end marker and new lines; trimmed,
# as the parsers trim (leading/trailing spaces carry no meaning in a stem or an option).
TEXT = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r")
        | st.sampled_from(list("~=#{}:\\\n]]>%")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(lambda t: t and "\n\n" not in t)
)
# Blank lines inside a stem are kept as \n escapes in GIFT but an XML line-ending normaliser
# may not keep "\r"; both are outside what the question form accepts anyway.


@st.composite
def questions(draw):
    n = draw(st.integers(3, 8))
    options = [draw(TEXT) for _ in range(n)]
    if len(set(options)) < n:
        options = [f"{o} {i}" for i, o in enumerate(options)]
    qtype = draw(st.sampled_from([formats.SINGLE, formats.MULTIPLE]))
    keys = {0} if qtype == formats.SINGLE else set(draw(st.sets(st.integers(0, n - 1), min_size=1)))
    return formats.QuestionData(
        title=draw(TEXT).replace("\n", " ")[:60].strip() or "t",
        stem=draw(TEXT),
        options=[(o, i in keys) for i, o in enumerate(options)],
        qtype=qtype,
        explanation=draw(TEXT),
        tags=["specialty:Cardiology"],
    )


@given(TEXT)
def test_gift_escape_round_trip(text):
    assert formats.gift_unescape(formats.gift_escape(text)) == text


@settings(max_examples=60, deadline=None)
@given(st.lists(questions(), min_size=1, max_size=3))
def test_gift_and_moodle_round_trip(qs):
    expected = [q.comparable() for q in qs]
    gift = formats.parse_gift(formats.write_gift(qs))
    xml = formats.parse_moodle_xml(formats.write_moodle_xml(qs).encode())
    assert (gift.problems, [q.comparable() for q in gift.questions]) == ([], expected)
    assert (xml.problems, [q.comparable() for q in xml.questions]) == ([], expected)
