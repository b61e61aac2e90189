from collections.abc import Callable
from functools import wraps

from django.http import Http404


def role_required(predicate: Callable) -> Callable:
    """Let a view run only for users the predicate accepts; everyone else gets 404, so pages
    for a role do not reveal that they exist. (Anonymous users never get here: the login
    middleware sends them to sign in first.)"""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
