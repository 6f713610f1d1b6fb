"""Settings, read from the environment.

Check out, install, run: with nothing set, `ev demo` works on an embedded SQLite database under
EV_DATA_DIR. An enterprise sets EV_DATABASE_URL (PostgreSQL), EV_SECRET_KEY (or _FILE),
EV_ALLOWED_HOSTS and, for workers, EV_BROKER_URL. `escapevelocity.config.check_production`
refuses to serve with an unsafe combination.
"""

import os
from pathlib import Path

import dj_database_url

from escapevelocity.config import (
    envbool,
    envint,
    envlist,
    envpath,
    load_secret_key,
    package_dir,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = envpath("EV_DATA_DIR", Path.cwd() / "var")

DEBUG = envbool("EV_DEBUG", False)
EV_SECRET_KEY_VALUE = load_secret_key(DATA_DIR)
# Django refuses an empty key only where one is used; check_production refuses to serve without it.
SECRET_KEY = EV_SECRET_KEY_VALUE or "unset-refused-by-check-production"
ALLOWED_HOSTS = envlist("EV_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("EV_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("EV_SITE_URL", "http://127.0.0.1:8000")

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
    "ninja",
    "escapevelocity.org",
    "escapevelocity.care",
    "escapevelocity.demand",
    "escapevelocity.governance",
    "escapevelocity.outcomes",
    "escapevelocity.maturity",
    "escapevelocity.web",
    "escapevelocity.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "escapevelocity.urls"
WSGI_APPLICATION = "escapevelocity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "escapevelocity.web.context_processors.navigation",
            ],
        },
    },
]

_sqlite_path = DATA_DIR / "escapevelocity.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("EV_DATABASE_URL", f"sqlite:///{_sqlite_path}"),
        conn_max_age=envint("EV_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the inbox read while an import writes; IMMEDIATE avoids "database is locked"
    # upgrades in write transactions; a busy timeout covers the rest. A 64 MiB page cache
    # (SQLite's default is 2 MiB, less than one ingest batch touches once the indexes grow;
    # taken only as pages are read) and a checkpoint every 40 MiB of WAL instead of every
    # 4 MiB (each one syncs the database file), normally truncated back to 64 MiB: ingest
    # 9-16% faster (docs/benchmarks.md, ## Care). The cache is per connection.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; "
            "PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=67108864;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = (
    {"NAME": os.environ.get("EV_TEST_DATABASE_NAME")}
    if os.environ.get("EV_TEST_DATABASE_NAME")
    else {}
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# Failed logins allowed per username and per address within the window before refusing.
EV_LOGIN_MAX_FAILURES = envint("EV_LOGIN_MAX_FAILURES", 5)
EV_LOGIN_WINDOW_SECONDS = envint("EV_LOGIN_WINDOW_SECONDS", 900)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = envbool("EV_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("EV_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Only for `ev manage collectstatic` behind a separate web server; unset, WhiteNoise serves
# straight from the apps.
STATIC_ROOT = os.environ.get("EV_STATIC_ROOT") or None
# Plotly's bundled JavaScript (the same file plotly.offline inlines) is one static file for every
# page with charts, at static/plotly/plotly.min.js. Found without importing plotly.
STATICFILES_DIRS = [("plotly", package_dir("plotly") / "package_data")]
# Serve straight from the apps' static folders: no collectstatic step before `ev demo`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

BROKER_URL = os.environ.get("EV_BROKER_URL", "")
# Seconds before Redis hands a dead worker's batch to another (longer than the slowest batch).
EV_BROKER_VISIBILITY_TIMEOUT = envint("EV_BROKER_VISIBILITY_TIMEOUT", 300)
# Bearer token for /metrics; unset, only a direct local client may read it.
EV_METRICS_TOKEN = os.environ.get("EV_METRICS_TOKEN", "")

EMAIL_BACKEND = os.environ.get(
    "EV_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("EV_FROM_EMAIL", "escape-velocity@localhost")

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("EV_LOG_LEVEL", "WARNING")},
}
