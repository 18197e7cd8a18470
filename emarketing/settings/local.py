"""Development on embedded defaults: SQLite under var/, the filesystem broker, mail on the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
# Webhook receivers on this machine (http://127.0.0.1:…) are allowed in development.
WEBHOOK_ALLOW_INSECURE_TARGETS = env.bool("WEBHOOK_ALLOW_INSECURE_TARGETS", default=True)
