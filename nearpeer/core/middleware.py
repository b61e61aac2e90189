"""Middleware of the project's own that is not about request limits (core/limits.py)."""

from django.contrib.auth import middleware as auth_middleware
from django.utils.functional import LazyObject, empty


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware; besides, once it has looked the user up, request.user
    is the user object itself instead of the lazy stand-in AuthenticationMiddleware put there.
    Every `user.name` through the stand-in raises and catches an AttributeError on the way (a
    few hundred times a page, in views, permissions and templates); the lookup it deferred has
    happened by then, for every view, so nothing is read that was not read anyway."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        response = super().process_view(request, view_func, view_args, view_kwargs)
        user = request.__dict__.get("user")
        if isinstance(user, LazyObject) and user._wrapped is not empty:
            request.user = user._wrapped
        return response
