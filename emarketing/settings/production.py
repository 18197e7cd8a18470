"""Production: refuses to start without a real secret key and passes ``manage.py check --deploy``."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, CELERY_BROKER_URL, DATABASES, SECRET_KEY, SESSION_ENGINE, STORAGES, env

DEBUG = False
if not SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-", "django-insecure")):
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters.")

# Rate limits, kept dashboards and import progress live in the cache: one that each process keeps for itself would
# multiply every limit by the number of processes (two gunicorn workers let 1,200 through a limit of 600).
PER_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")
if CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
    raise ImproperlyConfigured(
        "CACHE_URL names a cache each process keeps for itself, so rate limits would count per process: set it to "
        "redis://… (shared by every process on every host), or a file cache for a single host."
    )

# Two-factor sign-in: a superuser signs in with a code, and sets up a device at their first sign-in. One who lost
# every device gets a backup code from the command line: manage.py addstatictoken <user name>.
OTP_REQUIRED_FOR_SUPERUSERS = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}

# Several hosts (MULTI_HOST=1: two web hosts, workers or event consumers elsewhere) share everything through
# PostgreSQL, Redis and the media storage; what one host keeps to itself is refused here (docs/deploy.md). Uploaded
# files kept on local disk pass with a warning of `check --deploy`, for MEDIA_ROOT may be a shared mount.
MULTI_HOST = env.bool("MULTI_HOST", default=False)
if MULTI_HOST:
    _one_host = {
        "DATABASE_URL": DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        "CACHE_URL": CACHES["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache",
        "CELERY_BROKER_URL": CELERY_BROKER_URL.startswith("filesystem://"),
        "SESSION_ENGINE": SESSION_ENGINE == "django.contrib.sessions.backends.file",
    }
    if any(_one_host.values()):
        raise ImproperlyConfigured(
            "MULTI_HOST is set but these keep their data on one host: "
            + ", ".join(name for name, local in _one_host.items() if local)
            + " (use PostgreSQL, Redis and database sessions; see docs/deploy.md)."
        )
