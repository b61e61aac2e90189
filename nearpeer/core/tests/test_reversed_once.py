"""{% url %} without arguments reversed once per process (core/templatetags/reversed_once.py):
the same addresses as Django's tag, per URLconf and script prefix."""

import pytest
from django.template import Context, Template, engines
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from nearpeer.core.templatetags import reversed_once


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_builtin_url_tag_is_ours_and_gives_djangos_addresses():
    assert _render("{% url 'teaching:timetable' %}") == reverse("teaching:timetable")
    assert _render("{% url 'teaching:session-detail' 7 %}") == reverse(
        "teaching:session-detail", args=[7]
    )
    assert _render("{% url 'teaching:timetable' as where %}[{{ where }}]") == (
        f"[{reverse('teaching:timetable')}]"
    )
    assert any(key[0] == "teaching:timetable" for key in reversed_once._REVERSED)


def test_an_unknown_name_still_fails():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no-such-view' %}")


def test_each_script_prefix_has_its_own_address():
    plain = _render("{% url 'core:help' %}")
    set_script_prefix("/society/")
    try:
        prefixed = _render("{% url 'core:help' %}")
    finally:
        set_script_prefix("/")
    assert prefixed == "/society" + plain and _render("{% url 'core:help' %}") == plain


@override_settings(ROOT_URLCONF="nearpeer.core.tests.urls_elsewhere")
def test_each_urlconf_has_its_own_address():
    assert _render("{% url 'core:help' %}") == "/elsewhere/help/"


def test_a_template_made_directly_gives_the_same_address():
    assert Template("{% url 'core:help' %}").render(Context()) == reverse("core:help")


@pytest.mark.parametrize("pk", [0, 7, 123456789])
def test_whole_number_arguments_fill_the_address_reversed_once(pk):
    template = "{% url 'teaching:session-register' pk %}|{% url 'questions:version-file' pk 3 %}"
    expected = (
        f"{reverse('teaching:session-register', args=[pk])}|"
        f"{reverse('questions:version-file', args=[pk, 3])}"
    )
    assert _render(template, pk=pk) == expected
    assert ("teaching:session-register", "nearpeer.urls", "/", None, 1) in reversed_once._REVERSED


@pytest.mark.parametrize("value", ["7", -1, True, 2.0])
def test_other_arguments_go_through_djangos_tag(value):
    source = "{% url 'teaching:session-detail' value %}"
    try:
        expected = reverse("teaching:session-detail", args=[value])
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            _render(source, value=value)
    else:
        assert _render(source, value=value) == expected


def test_arguments_under_a_script_prefix():
    set_script_prefix("/society/")
    try:
        prefixed = _render("{% url 'teaching:session-detail' 5 %}")
    finally:
        set_script_prefix("/")
    assert prefixed == "/society" + reverse("teaching:session-detail", args=[5])
    assert _render("{% url 'teaching:session-detail' 5 %}") == reverse(
        "teaching:session-detail", args=[5]
    )
