"""`check --deploy` warns when the anonymity key is missing from the environment or weak."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def anonymity_key_check(app_configs, **kwargs):
    key = getattr(settings, "NEARPEER_ANONYMITY_KEY", "")
    problems = []
    if not getattr(settings, "NEARPEER_ANONYMITY_KEY_FROM_ENV", False):
        problems.append(
            Warning(
                "NEARPEER_ANONYMITY_KEY is not set in the environment; a key generated under "
                "the var/ directory is in use (fine for the demo only).",
                hint="Set NEARPEER_ANONYMITY_KEY from a secret store; see docs/security.md.",
                id="nearpeer.W001",
            )
        )
    elif len(key) < 32:
        problems.append(
            Warning(
                "NEARPEER_ANONYMITY_KEY is shorter than 32 characters.",
                hint="Use at least 50 random characters; see docs/security.md.",
                id="nearpeer.W002",
            )
        )
    if key and key == settings.SECRET_KEY:
        problems.append(
            Error(
                "NEARPEER_ANONYMITY_KEY must differ from SECRET_KEY.",
                hint="Whoever holds SECRET_KEY (e.g. to sign sessions) must not hold this one.",
                id="nearpeer.E001",
            )
        )
    return problems
