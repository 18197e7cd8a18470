"""The test run: SQLite unless DATABASE_URL says otherwise, Celery eager unless a real worker is wanted."""

from .base import *  # noqa: F403
from .base import S3_BUCKET, STORAGES, env

DEBUG = False
SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# Tasks run in-process; a broker is only reached by tests marked ``worker`` (which set CELERY_BROKER_URL).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
# Uploads in memory, unless a test shares them with other processes: a folder (TEST_STORAGE_DIR), or an S3 bucket
# (S3_BUCKET, on a local moto server: tests/test_multihost.py).
_STORAGE_DIR = env("TEST_STORAGE_DIR", default="")
if not S3_BUCKET:
    _test_storage = (
        {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": _STORAGE_DIR}}
        if _STORAGE_DIR
        else {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    )
    STORAGES = {**STORAGES, "default": _test_storage, "public": _test_storage}
# Each test process keeps its own cache (tests clear it between tests; parallel runs must not share one).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
LOGGING = {"version": 1, "disable_existing_loggers": False}
WHITENOISE_AUTOREFRESH = True
# Two-factor sign-in is required of nobody unless a test says so (override_settings), whatever the environment says.
OTP_REQUIRED_FOR_SUPERUSERS = False
OTP_REQUIRED_FOR_STAFF = False
# Events are written in the request unless a test hands them a Redis stream (tests/campaigns/test_event_stream.py).
EVENTS_REDIS_URL = env("EVENTS_TEST_REDIS_URL", default="")
# Tests post webhooks to receivers on 127.0.0.1 over plain HTTP.
WEBHOOK_ALLOW_INSECURE_TARGETS = env.bool("WEBHOOK_ALLOW_INSECURE_TARGETS", default=True)
# No quiet hours unless a test turns them on: what a test sends must not depend on the hour it runs at.
CAMPAIGNS_QUIET_HOURS_START = env("CAMPAIGNS_QUIET_HOURS_START", default="00:00")
CAMPAIGNS_QUIET_HOURS_END = env("CAMPAIGNS_QUIET_HOURS_END", default="00:00")
# The live chat's groups in memory (one process) unless a test hands it a Redis (CHAT_TEST_REDIS_URL).
CHAT_REDIS_URL = env("CHAT_TEST_REDIS_URL", default="")
CHANNEL_LAYERS = (
    {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": CHAT_REDIS_URL, "socket_timeout": 30}]},
        }
    }
    if CHAT_REDIS_URL
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)
