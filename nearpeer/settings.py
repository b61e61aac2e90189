"""Nearpeer settings: everything comes from the environment (see docs/configuration.md).

Defaults give the embedded set-up of `make run`: SQLite under var/, in-memory channel layer,
in-process cache and tasks. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, and so on.
"""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEARPEER_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = "pytest" in sys.modules


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("NEARPEER_DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when NEARPEER_DEBUG is off.")
    # Embedded/demo mode: a random key kept under var/ so sessions survive a restart.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "nearpeer.core",
    "nearpeer.members",
    "nearpeer.notifications",
    "nearpeer.anonymity",
    "nearpeer.teaching",
    "nearpeer.questions",
    "nearpeer.live",
    "nearpeer.tutorials",
    "nearpeer.osce",
    "nearpeer.teachers",
    "nearpeer.library",
    "nearpeer.search",
    "nearpeer.evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "nearpeer.core.middleware.LoginRequiredMiddleware",
    "nearpeer.core.limits.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so a failed login is seen after authentication ran.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nearpeer.urls"
WSGI_APPLICATION = "nearpeer.wsgi.application"
ASGI_APPLICATION = "nearpeer.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "nearpeer" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nearpeer.core.context_processors.nearpeer",
            ],
            # {% url %} without arguments reversed once per process (core/templatetags).
            "builtins": ["nearpeer.core.templatetags.reversed_once"],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'nearpeer.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Writers queue instead of failing; IMMEDIATE takes the write lock at BEGIN, which is
        # what makes capacity checks inside transaction.atomic() safe on SQLite.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # secure_delete: deleted rows (answers waiting for their batch) are overwritten, not left
        # in free pages of the file.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "NEARPEER_PG_PREPARE", True
):
    # Parameters bound on the server and each query prepared once per connection after its
    # second use: a page's few queries are then not parsed and planned again on every request
    # (0.3-0.8 ms each at 40,000 members). Switch off behind a pooler in transaction mode
    # (PgBouncer before 1.21), where a connection's prepared statements are not its own.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer, tasks ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Reads and writes survive a Redis outage (pages computed uncached; /healthz 503).
            "BACKEND": "nearpeer.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "nearpeer.live.layers.InMemoryChannelLayer"}}

TASKS_BACKEND = os.environ.get("NEARPEER_TASKS", "immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
LOGIN_URL = "members:login"
LOGIN_REDIRECT_URL = "teaching:home"
LOGOUT_REDIRECT_URL = "members:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Throttle the (account, address) pair only: someone guessing from elsewhere cannot lock the
# owner of the account out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("NEARPEER_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("NEARPEER_LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "members/login_locked.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("NEARPEER_PROXY_COUNT", "0")) or None
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# With Redis (shared by every app server) a request reads its session from the cache and the
# database is the record (written on every change, read on a cache miss); sign-out deletes
# both, so it holds on every server. Without Redis the cache is per process: database only.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("NEARPEER_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("NEARPEER_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [
    BASE_DIR / "nearpeer" / "static",
    # htmx comes from the npm registry (package-lock.json); nothing third-party is committed.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("NEARPEER_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "nearpeer.core.staticfiles.StaticFilesStorage"},
}
if os.environ.get("NEARPEER_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["NEARPEER_S3_BUCKET"],
            "endpoint_url": os.environ.get("NEARPEER_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("NEARPEER_S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": int(os.environ.get("NEARPEER_SIGNED_URL_SECONDS", "60")),
            "file_overwrite": False,
        },
    }
# Downloads from object storage go through signed URLs valid this long (core/files.py).
NEARPEER_SIGNED_URL_SECONDS = int(os.environ.get("NEARPEER_SIGNED_URL_SECONDS", "60"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
NEARPEER_MAX_UPLOAD_MB = int(os.environ.get("NEARPEER_MAX_UPLOAD_MB", "200"))

# --- Email --------------------------------------------------------------------------------------
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Nearpeer <nearpeer@localhost>")

# --- Security -----------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("NEARPEER_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
SECURE_HSTS_SECONDS = int(os.environ.get("NEARPEER_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env_bool("NEARPEER_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "nearpeer.security": {"handlers": ["console"], "level": "INFO"},
        "axes": {"handlers": ["console"], "level": "WARNING"},
    },
}

# --- Nearpeer -----------------------------------------------------------------------------------
# The first year of study counted as clinical; earlier years are pre-clinical.
NEARPEER_CLINICAL_FROM_YEAR = int(os.environ.get("NEARPEER_CLINICAL_FROM_YEAR", "3"))
NEARPEER_SOCIETY_NAME = os.environ.get("NEARPEER_SOCIETY_NAME", "Nearpeer demo society")
# Reports withhold groups smaller than this (privacy of respondents).
NEARPEER_MIN_GROUP_SIZE = int(os.environ.get("NEARPEER_MIN_GROUP_SIZE", "5"))

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    MEDIA_ROOT = VAR_DIR / "test-media"
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    CHANNEL_LAYERS = {"default": {"BACKEND": "nearpeer.live.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Teaching (appended by the teaching helper) -------------------------------------------------
# Check-in codes work from this many minutes before a session starts until this many after it ends.
NEARPEER_CHECKIN_OPENS_MINUTES_BEFORE = int(os.environ.get("NEARPEER_CHECKIN_OPENS_BEFORE", "15"))
NEARPEER_CHECKIN_CLOSES_MINUTES_AFTER = int(os.environ.get("NEARPEER_CHECKIN_CLOSES_AFTER", "15"))

# --- Read replicas (members helper: docs/deployment.md) -------------------------------------------
# Comma-separated PostgreSQL URLs of streaming replicas. Reads go there only inside
# nearpeer.core.db.use_replica() blocks; everything else stays on the primary.
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{_index}"] = dj_database_url.parse(_url, conn_max_age=60)
    DATABASES[f"replica{_index}"]["TEST"] = {"MIRROR": "default"}
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["nearpeer.core.db.ReplicaRouter"]
# Committee members get the Django admin for the society's data through their role.
AUTHENTICATION_BACKENDS = [
    *AUTHENTICATION_BACKENDS,
    "nearpeer.members.backends.CommitteeAdminBackend",
]

# --- Live questions (live helper: docs/live-protocol.md, docs/deployment.md) ---------------------
# A prefix for the channel layer's pub/sub channels and the cache's keys, so that several
# deployments (or test runs) can share one Redis without hearing each other.
NEARPEER_REDIS_PREFIX = os.environ.get("NEARPEER_REDIS_PREFIX", "")
# On PostgreSQL, live answers stored by the event loop's fast path are acked once committed and
# visible, before their WAL record reaches the disk (synchronous_commit = off on those
# connections only): a PostgreSQL or machine crash can lose the last ~0.6 s of acked poll
# answers. Off: every ack waits for the flush too. docs/live-protocol.md, "How an answer is stored".
NEARPEER_LIVE_ASYNC_COMMIT = env_bool("NEARPEER_LIVE_ASYNC_COMMIT", True)
if REDIS_URL and NEARPEER_REDIS_PREFIX and not TESTING:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = NEARPEER_REDIS_PREFIX
    CACHES["default"]["KEY_PREFIX"] = NEARPEER_REDIS_PREFIX
# --- Accounts and abuse limits (docs/security.md, "Accounts and abuse limits") ------------------
# The lockout counts the normalised email (A@x and a@x are one account) on every sign-in form.
AXES_USERNAME_CALLABLE = "nearpeer.members.backends.axes_username"
# The client address behind our own proxies (django-ipware is not installed, so axes' own
# AXES_IPWARE_PROXY_COUNT above had no effect: every client looked like the proxy).
NEARPEER_PROXY_COUNT = int(os.environ.get("NEARPEER_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "nearpeer.members.backends.client_ip"
NEARPEER_LOGIN_COOLOFF_MINUTES = int(os.environ.get("NEARPEER_LOGIN_COOLOFF_MINUTES", "15"))
# Failed sign-ins from one client address, whatever the accounts, before that address pauses.
NEARPEER_LOGIN_ADDRESS_FAILURE_LIMIT = int(
    os.environ.get("NEARPEER_LOGIN_ADDRESS_FAILURE_LIMIT", "50")
)
NEARPEER_PASSWORD_RESET_EMAIL_LIMIT = int(
    os.environ.get("NEARPEER_PASSWORD_RESET_EMAIL_LIMIT", "3")
)
NEARPEER_PASSWORD_RESET_ADDRESS_LIMIT = int(
    os.environ.get("NEARPEER_PASSWORD_RESET_ADDRESS_LIMIT", "10")
)
NEARPEER_PASSWORD_RESET_WINDOW_MINUTES = 60
NEARPEER_CHECKIN_ATTEMPT_LIMIT = int(os.environ.get("NEARPEER_CHECKIN_ATTEMPT_LIMIT", "10"))
NEARPEER_CHECKIN_ATTEMPT_WINDOW_MINUTES = 10
# Request bodies: the embedded server refuses larger ones with 413 before reading them
# (nearpeer.core.limits). Signed-in requests may carry an upload.
NEARPEER_MAX_ANONYMOUS_REQUEST_KB = int(os.environ.get("NEARPEER_MAX_ANONYMOUS_REQUEST_KB", "1024"))
NEARPEER_MAX_REQUEST_BYTES = (NEARPEER_MAX_UPLOAD_MB + 1) * 1024 * 1024
# --- Anonymous answers (privacy helper: docs/security.md) ----------------------------------------
# Key of the answer markers and of the sealed pending answers; never the SECRET_KEY. Production
# must set it; the demo generates one under var/ (never committed). Changing it makes every
# marker unrecognisable: flush everything first (`nearpeer anonymity_close_all`).
NEARPEER_ANONYMITY_KEY = os.environ.get("NEARPEER_ANONYMITY_KEY", "")
NEARPEER_ANONYMITY_KEY_FROM_ENV = bool(NEARPEER_ANONYMITY_KEY)
if not NEARPEER_ANONYMITY_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "NEARPEER_ANONYMITY_KEY must be set when NEARPEER_DEBUG is off (docs/security.md)."
        )
    _anonymity_key_file = VAR_DIR / "anonymity_key"
    if not _anonymity_key_file.exists():
        _anonymity_key_file.touch(mode=0o600)
        _anonymity_key_file.write_text(secrets.token_urlsafe(50))
    NEARPEER_ANONYMITY_KEY = _anonymity_key_file.read_text().strip()
# Answers held back (sealed) before they are shuffled into the readable tables; never fewer
# than NEARPEER_MIN_GROUP_SIZE.
NEARPEER_ANONYMITY_BATCH_SIZE = int(os.environ.get("NEARPEER_ANONYMITY_BATCH_SIZE", "0"))

# --- Teachers (docs/teachers.md) -----------------------------------------------------------------
# Certificate signing keys: a JSON Web Key Set with private keys, from the environment, or else
# the file below (`make run` creates it for the demo; never commit it). The first key signs.
NEARPEER_CERTIFICATE_KEYS = os.environ.get("NEARPEER_CERTIFICATE_KEYS", "")
NEARPEER_CERTIFICATE_KEYS_FILE = os.environ.get(
    "NEARPEER_CERTIFICATE_KEYS_FILE", str(VAR_DIR / "certificate-keys.json")
)
# Public certificate pages (/certificates/…): requests per minute per client address.
NEARPEER_CERTIFICATE_RATE_PER_MINUTE = int(os.environ.get("NEARPEER_CERTIFICATE_RATE", "30"))
# Feedback is shown from this many answers per session and channel (never under 3).
NEARPEER_FEEDBACK_MIN_ANSWERS = int(os.environ.get("NEARPEER_FEEDBACK_MIN_ANSWERS", "5"))
NEARPEER_FEEDBACK_LIVE_DAYS = int(os.environ.get("NEARPEER_FEEDBACK_LIVE_DAYS", "14"))
NEARPEER_FEEDBACK_RECORDING_DAYS = int(os.environ.get("NEARPEER_FEEDBACK_RECORDING_DAYS", "90"))
# Workload: preparation hours estimated per session by kind, and the cap per term (hours).
NEARPEER_PREP_HOURS = {
    "lecture": float(os.environ.get("NEARPEER_PREP_HOURS_LECTURE", "4")),
    "tutorial": float(os.environ.get("NEARPEER_PREP_HOURS_TUTORIAL", "1")),
    "clinical_skills": float(os.environ.get("NEARPEER_PREP_HOURS_CLINICAL_SKILLS", "2")),
    "mock_exam": float(os.environ.get("NEARPEER_PREP_HOURS_MOCK_EXAM", "2")),
    "workshop": float(os.environ.get("NEARPEER_PREP_HOURS_WORKSHOP", "2")),
}
NEARPEER_TEACHER_TERM_HOURS_CAP = float(os.environ.get("NEARPEER_TEACHER_TERM_HOURS_CAP", "30"))
# --- Ways in: invitations and university sign-in (docs/configuration.md) -------------------------
# How long an invitation link (choose your first password) works.
NEARPEER_INVITATION_DAYS = int(os.environ.get("NEARPEER_INVITATION_DAYS", "14"))
# OpenID Connect through mozilla-django-oidc; off unless a client id is set.
NEARPEER_OIDC_ENABLED = bool(os.environ.get("NEARPEER_OIDC_CLIENT_ID"))
NEARPEER_OIDC_BUTTON_LABEL = os.environ.get(
    "NEARPEER_OIDC_BUTTON_LABEL", "Sign in with your university account"
)
NEARPEER_OIDC_EMAIL_CLAIM = os.environ.get("NEARPEER_OIDC_EMAIL_CLAIM", "email")
OIDC_RP_CLIENT_ID = os.environ.get("NEARPEER_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("NEARPEER_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("NEARPEER_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("NEARPEER_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("NEARPEER_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("NEARPEER_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("NEARPEER_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("NEARPEER_OIDC_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False  # membership comes from the roster or an approved request
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "members:oidc-callback"
LOGIN_REDIRECT_URL_FAILURE = "/members/sign-in/?university=unknown"
AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "nearpeer.members.oidc.UniversityBackend"]
# One time format, 24-hour, wherever a template prints a time without its own format.
FORMAT_MODULE_PATH = ["nearpeer.formats"]
# --- Library and search (docs/library.md) -------------------------------------------------------
# Largest file the resource library accepts (PDF, DOCX, PPTX, images), checked by content.
NEARPEER_LIBRARY_MAX_UPLOAD_MB = int(os.environ.get("NEARPEER_LIBRARY_MAX_UPLOAD_MB", "25"))
# --- Search (nearpeer.search; docs/library.md, "Search") -----------------------------------------
# How long a page of search results stays in the cache, keyed by the index's version token and
# the searcher's access terms (a change to the index is seen at once); 0 turns the cache off.
NEARPEER_SEARCH_CACHE_SECONDS = int(os.environ.get("NEARPEER_SEARCH_CACHE_SECONDS", "600"))
