"""CommunityMap settings: one file, read from the environment (see .env.example)."""

import hashlib
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "auditlog",
    "groups",
]

MIDDLEWARE = [
    # Pages and fragments go compressed (static files are compressed by WhiteNoise ahead of
    # time). Django's GZipMiddleware pads each response against BREACH, and CSRF tokens are
    # masked per response.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before the page-only headers below (a CSP per file is
    # 200 bytes of nothing on a slow connection), as WhiteNoise recommends.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "groups.middleware.MustChangePasswordMiddleware",
    "groups.middleware.NoStoreMiddleware",
    "groups.security.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "groups.security.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "communitymap.urls"
WSGI_APPLICATION = "communitymap.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL=postgres://... switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# SQLite serves the pages and the task worker from one file at once. WAL lets pages read while
# the worker writes; a busy timeout longer than any worker transaction makes a writer wait its
# turn instead of failing with "database is locked"; IMMEDIATE takes the write lock when a
# transaction begins, so writers queue up (a deferred transaction upgrading its lock would fail
# at once instead of waiting). PostgreSQL needs none of this.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": int(os.environ.get("DB_BUSY_TIMEOUT_SECONDS", "20")),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_from_url(url: str, folder: Path) -> dict:
    """The default cache: Redis with CACHE_URL=redis://host:6379/1 (shared by every app server
    and worker; Django's backend keeping its client, communitymap/cache.py), else files in
    `folder` (shared by the server and the worker of one machine, no service needed). Report
    pages keep what they build from a snapshot there (groups/scores/page_cache.py)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "communitymap.cache.RedisCache", "LOCATION": url}
    if url == "locmem://":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(folder),
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }


# Tests: one process's memory (cleared between tests, tests/conftest.py).
CACHE_URL = os.environ.get("CACHE_URL", "locmem://" if env_bool("TESTING") else "")
CACHES = {
    "default": {
        **cache_from_url(CACHE_URL, Path(os.environ.get("CACHE_DIR") or BASE_DIR / ".cache")),
        # Two databases never share cached pages, even in one Redis or folder. Every machine of
        # one installation must have the same prefix (the records' generation lives under it):
        # the same DATABASE_URL everywhere, or CACHE_KEY_PREFIX set alike.
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX")
        or hashlib.sha256(
            "|".join(str(DATABASES["default"].get(k, "")) for k in ("ENGINE", "NAME", "HOST", "PORT"))
            .encode()
        ).hexdigest()[:12],
        "TIMEOUT": int(os.environ.get("CACHE_TIMEOUT_SECONDS", str(24 * 3600))),
    }
}

# Django's own checks, in the app's words (groups/forms/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "groups.forms.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "groups.forms.passwords.MinimumLengthValidator"},
    {"NAME": "groups.forms.passwords.CommonPasswordValidator"},
    {"NAME": "groups.forms.passwords.NumericPasswordValidator"},
]
# Tests create many users: a fast hasher there (never in production, where PBKDF2 stays).
if env_bool("TESTING"):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# django-axes checks every login attempt first; ModelBackend then checks the password.
AUTHENTICATION_BACKENDS = [
    "groups.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "groups:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "id")
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
# Date formats per language: communitymap/formats/<lang>/formats.py (English: "2 Dec 2026").
FORMAT_MODULE_PATH = ["communitymap.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")  # collectstatic's target
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not env_bool("TESTING")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security: secure defaults in production; development over plain http only with DEBUG on.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 8)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (hx-headers), never from the cookie
CSRF_FAILURE_VIEW = "groups.views.errors.csrf_failure"  # an expired form, in the app's words
# Behind a reverse proxy that appends the client to X-Forwarded-For, the number of proxies:
# login throttling then counts the real client address instead of the proxy's.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# The map of groups: base tiles from this URL template ({z}/{x}/{y}, {s} for a subdomain), with
# this attribution (HTML). Empty: no tiles, the markers over village outlines or a plain ground.
# Tests run offline: none unless set (tests/test_browser_map.py sets one and blocks it).
MAP_TILE_URL = os.environ.get(
    "MAP_TILE_URL", "" if env_bool("TESTING") else "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)


def tile_origin(url: str) -> list[str]:
    """The CSP img-src source of the tile server ("https://*.tile.example" for {s})."""
    parts = urlsplit(url)
    if not url or not parts.scheme or not parts.netloc:
        return []
    host = parts.netloc.replace("{s}", "*")
    return [f"{parts.scheme}://{host}"]


# Content-Security-Policy (django-csp): no inline script or style anywhere, nothing from other
# origins, no framing. htmx is a same-origin file and its indicator styles live in site.css.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *tile_origin(MAP_TILE_URL)],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Login throttling (django-axes): 5 failures for one username from one address lock that pair
# for a cool-off, then it lifts by itself. Many villagers share one mobile-carrier address, so
# neither the address alone nor a permanent lock is used.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lock always ends after the cool-off
AXES_LOCKOUT_CALLABLE = "groups.security.lockout_response"  # templates/registration/lockout.html
AXES_CLIENT_IP_CALLABLE = "groups.security.client_ip"
AXES_VERBOSE = False

# Audit trail (django-auditlog): who changed what; phones are masked (groups/audit.py).
AUDITLOG_DISABLE_REMOTE_ADDR = True  # an address is personal data the trail does not need

# The one folder of files the app writes and reads again (no model has a file field today):
# with several machines, a folder every app server and worker mounts (NFS, a shared volume).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# Uploaded import files wait here between preview and confirm: the app server that took the
# upload, the one that takes the confirmation and the worker that applies it must all see it.
# Empty: imports/ in MEDIA_ROOT.
COMMUNITYMAP_IMPORT_DIR = os.environ.get("IMPORT_DIR") or str(MEDIA_ROOT / "imports")

# Background work (score snapshots, long imports): django-tasks with its database backend,
# run by `python manage.py run_worker` (groups/worker.py). Tests and TASKS_IMMEDIATE=true run
# tasks in-process.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("TASKS_IMMEDIATE", env_bool("TESTING"))
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
# A computation (or any task) waiting longer than this means the worker is stuck or stopped:
# /healthz says "degraded" and report pages offer to ask again.
QUEUE_STALE_SECONDS = int(os.environ.get("QUEUE_STALE_SECONDS", "300"))
# `manage.py run_worker`: after a failure in its loop the worker waits, doubling the wait each
# time up to this ceiling, and tries again (groups/worker.py).
WORKER_MAX_BACKOFF_SECONDS = float(os.environ.get("WORKER_MAX_BACKOFF_SECONDS", "60"))
# Workers on any number of hosts share the queue. Each says it is alive six times in this
# many seconds; a task whose worker stayed silent longer (killed, its machine gone) is given
# back to the queue by another worker (groups/worker.py).
WORKER_LOST_SECONDS = float(os.environ.get("WORKER_LOST_SECONDS", "60"))
# A finished task's record (done or failed) is removed by the workers after this many days, so
# the queue table does not grow for ever; 0 keeps every record (groups/worker.py).
TASK_RESULTS_KEEP_DAYS = int(os.environ.get("TASK_RESULTS_KEEP_DAYS", "14"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every successful login at INFO; failures and lockouts are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}
