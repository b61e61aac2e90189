"""The roster parser alone (no database)."""

from nearpeer.members.roster import RosterRow, parse_roster


def errors_of(text: str | bytes, **limits) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [str(e) for e in parse_roster(data, **limits)[1]]


def test_parse_roster_valid_rows_normalised():
    rows, errors = parse_roster(
        b"\xef\xbb\xbfEmail,Name,Year\r\n Ada@Example.AC.UK ,Ada Lovelace,2\r\n\r\nb@x.org,Bo,6\r\n"
    )
    assert (rows, errors) == (
        [
            RosterRow(line=2, email="ada@example.ac.uk", name="Ada Lovelace", year=2),
            RosterRow(line=4, email="b@x.org", name="Bo", year=6),
        ],
        [],
    )


def test_parse_roster_reports_each_bad_cell_with_line_and_column():
    text = (
        "email,name,year\n"
        "not-an-email,Ann,1\n"
        "ok@x.org,,7\n"
        "two@x.org,Two,year two\n"
        "ok@x.org,Again,3\n"
        "short@x.org,Short\n"
    )
    assert errors_of(text) == [
        "Line 2, column email: 'not-an-email' is not an email address",
        "Line 3, column name: missing name",
        "Line 3, column year: year must be a whole number 1–6, not '7'",
        "Line 4, column year: year must be a whole number 1–6, not 'year two'",
        "Line 5, column email: ok@x.org already appears on line 3",
        "Line 6: expected 3 columns, found 2",
    ]


def test_parse_roster_duplicate_detection_ignores_case():
    assert errors_of("email,name,year\nA@x.org,A,1\na@X.org,B,1\n") == [
        "Line 3, column email: a@x.org already appears on line 2"
    ]


def test_parse_roster_wrong_header_rejected():
    assert errors_of("mail,name,year\na@x.org,A,1\n") == [
        "Line 1: expected the header email,name,year, found 'mail,name,year'"
    ]


def test_parse_roster_empty_file_rejected():
    assert errors_of("") == ["Line 1: the file is empty; expected the header email,name,year"]


def test_parse_roster_non_utf8_names_the_line():
    data = "email,name,year\na@x.org,Zoë,1\n".encode("latin-1")
    assert errors_of(data) == ["Line 2: the file is not UTF-8 text; save it as CSV UTF-8"]


def test_parse_roster_too_many_rows_rejected():
    text = "email,name,year\n" + "".join(f"m{i}@x.org,M {i},1\n" for i in range(4))
    assert errors_of(text, max_rows=3) == ["Line 5: more than 3 rows in one file"]


def test_parse_roster_too_big_file_rejected_before_parsing():
    assert errors_of("email,name,year\n" + "a" * 100, max_bytes=50) == [
        "The file: larger than 50 bytes"
    ]


def test_parse_roster_overlong_name_rejected():
    assert errors_of("email,name,year\na@x.org," + "n" * 151 + ",1\n") == [
        "Line 2, column name: longer than 150 characters"
    ]
