"""`{% url %}` that reverses an address without arguments once per process (a template
builtin: see TEMPLATES in settings). Django's tag reverses on every render, a tenth of a
millisecond each, and most pages link to several fixed addresses. The address depends only on
the view name, the URLconf, the script prefix and the current application namespace, which
together are the key; with arguments, or `as var`, Django's tag does the work as before."""

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

_REVERSED: dict[tuple, str] = {}
_LIMIT = 4096  # distinct (name, URLconf, prefix, namespace): a bound, never reached in practice


class ReversedOnceNode(URLNode):
    def render(self, context):
        if self.args or self.kwargs or self.asvar:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        urlconf = get_urlconf() or settings.ROOT_URLCONF
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
