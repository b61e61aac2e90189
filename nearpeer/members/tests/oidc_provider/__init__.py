"""A real OpenID Connect provider (django-oauth-toolkit) for the university sign-in tests.

Runs as its own Django process (`python -m nearpeer.members.tests.oidc_provider.serve`) with its
own settings and SQLite file, so Nearpeer talks to it over HTTP exactly as to Microsoft Entra ID.
Test-only: django-oauth-toolkit is in requirements-dev.in.
"""
