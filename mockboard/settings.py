"""Mockboard settings: one module, driven by the environment.

Unset variables give the embedded default (SQLite, in-memory channel layer, Celery on a
filesystem broker) that serves one machine with nothing but Python packages installed.
Setting DATABASE_URL and REDIS_URL moves to PostgreSQL and Redis with no code change.
Every variable is listed in README.md.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from mockboard.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything the embedded default writes (database, broker queue, uploads) lives here.
VAR_DIR = Path(env_str("MOCKBOARD_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-mockboard-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "diagrams",
    "problembank",
    "interview",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mockboard.security.ContentSecurityPolicyMiddleware",
    "mockboard.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost, so that it sees a view's exception before Django answers it with a 500.
    "core.busy.BusyMiddleware",
]

ROOT_URLCONF = "mockboard.urls"
ASGI_APPLICATION = "mockboard.asgi.application"

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
                "interview.navigation.sign_in_links",
            ],
        },
    },
]

DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if DATABASE_URL:
    # A connection is checked as it leaves the pool (CONN_HEALTH_CHECKS), so a restarted
    # PostgreSQL costs nobody an error.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A pool per process, not persistent connections (CONN_MAX_AGE): under ASGI each HTTP
        # request runs its queries in a thread of its own, so a connection kept per thread is
        # opened again for every request and left for the garbage collector. Django's docs say
        # the same.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_SIZE", 20, minimum=1),
            "timeout": 10,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "mockboard.sqlite3",
            # A file, not :memory:, so that server processes started by tests share it.
            "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write to the same file: WAL lets readers proceed
    # during a write, and IMMEDIATE takes the write lock up front so two writers queue on
    # `timeout` instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Room-socket messages one web process handles at once before it answers more with "busy"
# and a retry hint (core/busy.py): at this machine's knee an op takes about 2 ms of CPU, so 48
# in hand is about 100 ms of queued work, and more would only add waiting.
MAX_IN_FLIGHT = env_int("MOCKBOARD_MAX_IN_FLIGHT", 48, minimum=1)

REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))
# The channel layer: Redis pub/sub whenever Redis is configured. The pub/sub layer delivers
# group messages through Redis PUBLISH, with no per-channel capacity to overflow, and it
# measured several times faster than channels_redis' list-based layer ("redis"), which is
# kept selectable for the load benchmark's comparison.
CHANNEL_LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "redis": "channels_redis.core.RedisChannelLayer",
    "memory": "channels.layers.InMemoryChannelLayer",
}
CHANNEL_LAYER = env_str("MOCKBOARD_CHANNEL_LAYER", "pubsub" if REDIS_URL else "memory")
if CHANNEL_LAYER not in CHANNEL_LAYER_BACKENDS:
    raise ImproperlyConfigured(f"MOCKBOARD_CHANNEL_LAYER must be one of {', '.join(CHANNEL_LAYER_BACKENDS)}")
if CHANNEL_LAYER != "memory" and not REDIS_URL:
    raise ImproperlyConfigured(f"MOCKBOARD_CHANNEL_LAYER={CHANNEL_LAYER} needs REDIS_URL")
CHANNEL_LAYERS = {"default": {"BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER]}}
if CHANNEL_LAYER != "memory":
    CHANNEL_LAYERS["default"]["CONFIG"] = {"hosts": [REDIS_URL]}

# Django's cache holds the sign-in failure counts (accounts.backends): in Redis when configured,
# so that every web process counts the same failures; otherwise in the one process's memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mockboard",
        }
    }

# Celery: Redis when configured; otherwise kombu's filesystem transport, a broker that is
# just a folder, so the embedded default needs no server.
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # How often an idle worker looks in the folder (kombu's default is 1 s): a report is
        # picked up a tenth of a second after it is asked for, for the cost of listing a
        # folder ten times a second.
        "polling_interval": 0.1,
    }
    # kombu's filesystem transport does not create its folders.
    for _folder in ("queue", "control", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
# Task outcomes are recorded on our own rows (e.g. Report.status), not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# PDF rendering grows a worker's memory; a fresh child every few reports keeps it flat.
CELERY_WORKER_MAX_TASKS_PER_CHILD = 20

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
SIGN_IN_FAILURES_ALLOWED = env_int("SIGN_IN_FAILURES_ALLOWED", 5, minimum=1)
SIGN_IN_LOCKOUT_SECONDS = env_int("SIGN_IN_LOCKOUT_SECONDS", 15 * 60, minimum=1)
LOGIN_REDIRECT_URL = "room-list"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Generated files (PDF reports). Served through views that check access, never directly.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# ServeStatic serves static files from the ASGI process itself (no separate web server):
# straight from static/ when DEBUG is on, from STATIC_ROOT (collectstatic) when off.
# Fixed here rather than left to follow DEBUG at runtime, which test runners switch off.
SERVESTATIC_USE_FINDERS = DEBUG
SERVESTATIC_AUTOREFRESH = DEBUG
# In production collectstatic gives every file a name with its hash (compressed copies
# beside it), which ServeStatic serves as cacheable for ever: above all the megabyte of
# Graphviz WebAssembly the room loads.
if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "mockboard.static_files.StaticFilesStorage"},
    }

REST_FRAMEWORK = {
    # Token first: a request with neither gets 401 and a `WWW-Authenticate: Token` header
    # (session authentication alone would answer 403, as if signed in but not allowed).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mockboard API",
    "DESCRIPTION": "Interview rooms, problems and the phase timer of Mockboard.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request components, so that read-only fields are not asked for and the
    # response components can be closed (core.openapi.close_response_objects).
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.close_response_objects",
    ],
    # Swagger UI from our own static files: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Production hardening; each can be relaxed from the environment (e.g. behind a proxy that
# already redirects to HTTPS). `manage.py check --deploy` is clean with DEBUG off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Our pages load scripts and styles from our own origin only: no inline script or style, no
# CDN, nothing framed. An injected <script> or onclick= is refused by the browser even if it
# got past escaping. `'self'` covers the room's WebSocket (same host) in connect-src; data:
# images are what Swagger UI's stylesheet uses for its icons. 'wasm-unsafe-eval' lets the room
# compile Graphviz's WebAssembly (static/vendor/viz-js) and nothing else: eval stays refused.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
