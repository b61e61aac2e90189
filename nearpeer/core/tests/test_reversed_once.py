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
