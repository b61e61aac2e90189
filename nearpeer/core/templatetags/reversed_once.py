"""`{% url %}` that reverses an address without arguments once per process (a template
builtin: see TEMPLATES in settings). Django's tag reverses on every render, a tenth of a
millisecond each, and most pages link to several fixed addresses. The address depends only on
the view name, the URLconf, the script prefix and the current application namespace, which
together are the key. With positional arguments that are all whole numbers (`{% url
'teaching:session-register' session.pk %}`, the common case) the address is reversed once
with a marker number for each and kept as pieces between which the numbers go (only when
each marker shows exactly once, in order: an `<int:…>` converter); with anything else, or
`as var`, Django's tag does the work as before."""

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

_REVERSED: dict[tuple, str] = {}
_LIMIT = 4096  # distinct (name, URLconf, prefix, namespace): a bound, never reached in practice


_MARKER = 7_919_000_000_000  # + position: digits no real address holds


def _pieces(view_name: str, count: int, current_app) -> tuple[str, ...] | None:
    """The address of `view_name` with `count` whole-number arguments, cut where they go;
    None when the markers do not come back each once and in order."""
    markers = [str(_MARKER + i) for i in range(count)]
    try:
        address = reverse(view_name, args=markers, current_app=current_app)
    except NoReverseMatch:
        return None
    pieces, rest = [], address
    for marker in markers:
        if rest.count(marker) != 1 or address.count(marker) != 1:
            return None
        before, rest = rest.split(marker)
        pieces.append(before)
    pieces.append(rest)
    return tuple(pieces)


class ReversedOnceNode(URLNode):
    def render(self, context):
        if self.kwargs or self.asvar:
            return super().render(context)
        values = None
        if self.args:
            values = [arg.resolve(context) for arg in self.args]
            if not all(type(v) is int and v >= 0 for v in values):
                return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        if values:
            key = (view_name, str(urlconf), get_script_prefix(), current_app, len(values))
            pieces = _REVERSED.get(key, False)
            if pieces is False:
                pieces = _pieces(view_name, len(values), current_app)
                if len(_REVERSED) < _LIMIT:
                    _REVERSED[key] = pieces
            if pieces is None:
                return super().render(context)
            url = pieces[0]
            for value, piece in zip(values, pieces[1:], strict=True):
                url += str(value) + piece
            return conditional_escape(url) if context.autoescape else url
        key = (view_name, str(urlconf), get_script_prefix(), current_app)
        url = _REVERSED.get(key)
        if url is None:
            url = reverse(view_name, current_app=current_app)
            if len(_REVERSED) < _LIMIT:
                _REVERSED[key] = url
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return ReversedOnceNode(node.view_name, node.args, node.kwargs, node.asvar)
