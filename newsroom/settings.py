"""Settings for Newsroom, read from the environment.

Development: ``DEBUG=1`` and nothing else; a SQLite file under ``var/`` and a
throwaway secret key are used. Production: ``DEBUG`` off, and then
``SECRET_KEY`` and ``ALLOWED_HOSTS`` must be given or the site refuses to start.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from newsroom.rates import parse_rules

# Lets the admin's classes be written ModelAdmin[Comment], as the type checker reads them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEWSROOM_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {raw!r}.") from None
    if value != value or value < 0 or value == float("inf"):
        raise ImproperlyConfigured(f"{name} must be a number of seconds, 0 or more; got {raw!r}.")
    return value


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


PLAN_CACHE_MODES = ("auto", "force_custom_plan", "force_generic_plan")

DEBUG = env_bool("DEBUG", False)

# The development key is public (it is in this file), so it must never sign
# anything in production: without DEBUG a real key is required.
DEV_SECRET_KEY = "django-insecure-newsroom-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (50+ random characters), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50+ random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set: list the host names this site answers to, comma-separated.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "axes",
    # Django's task framework (on 5.2 its backport; 6.0 ships it) and its database backend's table and worker.
    *(["django_tasks"] if django.VERSION < (6, 0) else []),
    "django_tasks_db",
    "articles",
    "commenters",
    "policies",
    "comments",
    "outbox",
    "desk",
    "lab",
    "embeds",
    "api",
    "transfer",
]

MIDDLEWARE = [
    "newsroom.middleware.CacheReadsMiddleware",
    "newsroom.middleware.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "embeds.middleware.ReaderTokenMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.ContentSecurityPolicyMiddleware",
    "newsroom.middleware.RefuseNulMiddleware",
    "newsroom.middleware.FormInUtf8Middleware",
    "newsroom.middleware.AdminSelectionMiddleware",
    "newsroom.middleware.ReconnectReadsMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every log-in first, then Django's own user table.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement this connection ran DB_PREPARE_THRESHOLD times prepared
    # there (parsed once): a post's small statements cost less. ``newsroom.postgresql`` holds a statement to
    # what the server can bind. Behind a pooler in transaction mode that cannot keep prepared statements
    # (PgBouncer below 1.22, or without its max_prepared_statements), set it to 0.
    prepare_threshold = env_int("DB_PREPARE_THRESHOLD", 5)
    # How PostgreSQL plans a prepared statement (DB_PLAN_CACHE_MODE): "auto", PostgreSQL's own default, plans it for
    # its values five times, then keeps one plan for all values if that plan's estimated cost is no higher. A post's
    # reads are then not planned again on every post: on a table of two million comments, planning them took longer
    # than running them. "force_custom_plan" plans every run for its values, which a kept plan estimated wrongly
    # would call for (docs/operations.md).
    plan_cache_mode = os.environ.get("DB_PLAN_CACHE_MODE", "").strip() or "auto"
    if plan_cache_mode not in PLAN_CACHE_MODES:
        raise ImproperlyConfigured(
            f"DB_PLAN_CACHE_MODE must be one of {', '.join(PLAN_CACHE_MODES)}; got {plan_cache_mode!r}."
        )
    if prepare_threshold > 0:
        DATABASES["default"]["ENGINE"] = "newsroom.postgresql"
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options.update(server_side_binding=True, prepare_threshold=prepare_threshold)
        options["options"] = f"{options.get('options', '')} -c plan_cache_mode={plan_cache_mode}".strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside a writer; IMMEDIATE transactions plus a busy
    # timeout make concurrent writers queue instead of failing "database is locked".
    # The file is kept open between requests as a server's connection is (CONN_MAX_AGE): opened for each, every
    # request parsed the schema again, prepared each statement again and read its pages into an empty cache,
    # which cost a post more than everything else it did.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A cache that does not answer fast is treated as down (newsroom/cache.py), not waited for.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newsroom"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Whole request bodies, refused with 413 before they are read (multipart included): readers' forms,
# and the admin's, which uploads article photos.
MAX_REQUEST_BYTES = 4 * 1024 * 1024
ADMIN_MAX_REQUEST_BYTES = 25 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "admin:login"

# HTTPS hardening is on by default in production; HTTPS=0 turns it off for a
# server that sits behind plain HTTP on loopback (benchmarks, local trials).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
# Django's database sessions, less the read before a new session's row (newsroom/sessions.py).
SESSION_ENGINE = "newsroom.sessions"
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# How many proxies we trust in front of the app (nginx alone: 1). "on"/"true" mean 1.
_proxies = os.environ.get("BEHIND_PROXY", "").strip().lower()
BEHIND_PROXY = 1 if _proxies in _TRUE else 0 if _proxies in _FALSE | {""} else env_int("BEHIND_PROXY", 0)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Embedding on a newsroom's own pages (embeds/) and the API (api/): other origins may call only these paths,
# and only an origin an editor registered as a site (embeds/cors.py); no cookies cross (a reader is known by
# a token the page sends).
CORS_URLS_REGEX = r"^/(api|embed)/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = [
    "accept", "authorization", "content-type", "x-requested-with",
    "x-newsroom-reader", "x-newsroom-signature", "x-newsroom-timestamp",
]  # fmt: skip
CORS_EXPOSE_HEADERS = ["x-newsroom-reader", "retry-after", "location"]
CORS_PREFLIGHT_MAX_AGE = 3600

# Comments: presentation and rate limits (the length limits are constants, in comments/limits.py).
COMMENTS_MAX_DEPTH = env_int("COMMENTS_MAX_DEPTH", 3)
COMMENTS_THREADS_PER_PAGE = env_int("COMMENTS_THREADS_PER_PAGE", 20)
# Replies shown under each thread on the article's pages; "Show all N replies" opens the thread.
COMMENTS_REPLIES_WITH_THREAD = env_int("COMMENTS_REPLIES_WITH_THREAD", 3)
# Rate limits ("N/period" rules, comma-separated; empty turns a limit off): per client
# address and per email for comments, per address for reports and admin log-in failures.
COMMENTS_RATE_PER_IP = os.environ.get("COMMENTS_RATE_PER_IP", "1/5s,30/h")
COMMENTS_RATE_PER_EMAIL = os.environ.get("COMMENTS_RATE_PER_EMAIL", "1/5s,20/h")
REPORTS_RATE_PER_IP = os.environ.get("REPORTS_RATE_PER_IP", "5/m,30/h")
# Reactions given or taken back, per client address: a reader reading a busy story clicks a few a minute.
REACTIONS_RATE_PER_IP = os.environ.get("REACTIONS_RATE_PER_IP", "20/m,300/h")
# The one reaction readers give a comment (Coral's is "Respect"): its word on the button.
COMMENTS_REACTION_LABEL = os.environ.get("COMMENTS_REACTION_LABEL", "Respect")[:30] or "Respect"
# Stories a newsroom's pages create here by embedding them for the first time, per client address.
EMBED_NEW_STORIES_PER_IP = os.environ.get("EMBED_NEW_STORIES_PER_IP", "10/m,60/h")
ADMIN_LOGIN_FAILURES = os.environ.get("ADMIN_LOGIN_FAILURES", "5/15m")
# Log-in failures are counted by django-axes in the database (so every worker shares the count,
# with or without Redis): per client address, and per username at that address, so someone
# guessing from one address never locks a moderator out everywhere.
_login_rules = parse_rules(ADMIN_LOGIN_FAILURES)
if len(_login_rules) > 1:
    raise ImproperlyConfigured(f"ADMIN_LOGIN_FAILURES={ADMIN_LOGIN_FAILURES!r}: give one rule, like '5/15m'")
AXES_ENABLED = bool(_login_rules)
AXES_FAILURE_LIMIT = _login_rules[0].count if _login_rules else 5
AXES_COOLOFF_TIME = timedelta(seconds=_login_rules[0].seconds if _login_rules else 900)
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "newsroom.http.client_ip"
AXES_USERNAME_CALLABLE = "newsroom.admin.login_username"
AXES_LOCKOUT_CALLABLE = "newsroom.admin.login_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# A form sent sooner than this after the page was served is held as a likely bot. Measured in a browser
# (tests/browser/test_form.py) with the fastest human operator times: pasting a reply and posting it
# takes a person about 2.1 s, pasting a new comment 3.1 s, typing "Agreed." 2.6 s; a script well under
# 0.1 s. Half the fastest person. docs/comments.md: "How fast people post".
COMMENTS_MIN_SECONDS_TO_WRITE = env_float("COMMENTS_MIN_SECONDS_TO_WRITE", 1.0)

# Background work (lab runs, simulations written to the database, readers' emails, retraining) runs as
# tasks of Django's task framework, stored in the site's own database and run by `manage.py worker`
# (dev.py starts one beside the server). Why this engine: lab/tasks.py.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Lab runs one editor may have waiting or running at once (each takes a scoring process of its own).
LAB_RUNS_PER_EDITOR = env_int("LAB_RUNS_PER_EDITOR", 2)

# Email to readers (decisions on their held comments, replies they asked to hear of). Written to an
# outbox table with what it tells of, sent by the outbox's task once that has committed (outbox/tasks.py).
# Development prints emails on the console; give EMAIL_HOST (and the rest) to send them by SMTP.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Newsroom comments <comments@localhost>")
# The site's address as readers reach it, for the links in emails.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/") or (
    f"{'https' if HTTPS else 'http'}://{ALLOWED_HOSTS[0] if ALLOWED_HOSTS and ALLOWED_HOSTS[0] != '*' else 'localhost'}"
    + (":8000" if DEBUG else "")
)

# Moderator alerts (outbox/webhooks.py, docs/alerts.md): webhooks go only to public addresses unless this is on
# (a chat server on the newsroom's own network; the tests' local receiver), and each request has this deadline.
ALERTS_ALLOW_PRIVATE_HOSTS = env_bool("ALERTS_ALLOW_PRIVATE_HOSTS", False)
ALERTS_WEBHOOK_TIMEOUT = env_float("ALERTS_WEBHOOK_TIMEOUT", 5.0) or 5.0
# The review queue's check (outbox, below the comments, runs it by name for `manage.py check_alerts`).
ALERTS_QUEUE_CHECK = "comments.alerts.check_queue"

# The learned abuse model (moderation/model.py). The shipped one was trained on public
# data (docs/model-card.md); point this at a model made with `manage.py train_filter`.
# If the file is missing or unreadable, the rules alone decide and the admin says so.
MODERATION_MODEL = os.environ.get("MODERATION_MODEL") or str(BASE_DIR / "moderation" / "data" / "abuse-model.nrm")
# The site's moderator decisions as training records (policies reads them by name: it sits below the apps that
# hold comments and their audit).
MODERATION_DECISIONS = "lab.management.commands.train_filter.decision_records"
MODERATION_DECISIONS_COUNT = "lab.management.commands.train_filter.decision_count"  # the same, counted

LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "newsroom.logs.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own messages once, on the same console: its default set-up prints them in development and
    # they would reach the root's handler as well (each line twice).
    "loggers": {"django": {"handlers": ["console"], "level": "INFO" if DEBUG else LOG_LEVEL, "propagate": False}},
}
