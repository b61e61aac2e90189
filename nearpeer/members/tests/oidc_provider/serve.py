"""Start the test provider: migrate a fresh SQLite file, register Nearpeer as a client, make the
user, then serve on a port the OS chooses and print that port as the first line.

Environment: NP_OIDC_DB (SQLite path), NP_OIDC_REDIRECT_URI (Nearpeer's callback URL),
NP_OIDC_USERS ("email:password,email:password").
"""

import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

CLIENT_ID = "nearpeer-test"
CLIENT_SECRET = "nearpeer-test-secret"  # noqa: S105 - the test provider's throwaway client


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _rsa_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nearpeer.members.tests.oidc_provider.settings")
    os.environ["NP_OIDC_RSA_KEY"] = _rsa_key()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    for pair in os.environ["NP_OIDC_USERS"].split(","):
        email, password = pair.split(":", 1)
        User.objects.create_user(username=email, email=email, password=password)
    Application.objects.create(
        name="Nearpeer",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["NP_OIDC_REDIRECT_URI"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=_Server, handler_class=_QuietHandler
    )
    print(server.server_port, flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
