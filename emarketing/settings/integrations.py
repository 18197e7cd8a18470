"""Settings of the integrations: event streams and partitions, website events, the REST API, the shops' webhooks and
outgoing webhooks. Read by base.py; everything comes from environment variables (base.py has read .env)."""

from pathlib import Path

import environ

env = environ.Env()

# Outgoing webhooks (emarketing/hooks, docs/webhooks.md). Each delivery is posted with a timeout of
# WEBHOOK_TIMEOUT_SECONDS; a failed one is tried again after WEBHOOK_RETRY_BASE_SECONDS, doubled each time (with
# jitter) up to WEBHOOK_RETRY_MAX_SECONDS, and given up after WEBHOOK_MAX_ATTEMPTS attempts. A subscription whose
# last WEBHOOK_DISABLE_AFTER_FAILURES attempts all failed, over at least WEBHOOK_DISABLE_AFTER_SECONDS, is turned
# off and its owner told by e-mail. A sending task takes up to WEBHOOK_SEND_BATCH_SIZE deliveries at a time (one per
# object), posts them on WEBHOOK_SEND_THREADS connections, and hands over after WEBHOOK_TASK_SECONDS; deliveries a
# dead worker held are taken again after WEBHOOK_CLAIM_SECONDS (keep it above batch / threads x timeout, 250 s at these
# defaults, or a slow batch is posted twice). Receivers must be https:// addresses on the public
# internet (no private, loopback or link-local address, checked again before every post) unless
# WEBHOOK_ALLOW_INSECURE_TARGETS, which development and tests set.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=12)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600.0)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)
WEBHOOK_DISABLE_AFTER_SECONDS = env.int("WEBHOOK_DISABLE_AFTER_SECONDS", default=3600)
WEBHOOK_SEND_BATCH_SIZE = env.int("WEBHOOK_SEND_BATCH_SIZE", default=200)
WEBHOOK_SEND_THREADS = env.int("WEBHOOK_SEND_THREADS", default=8)
WEBHOOK_TASK_SECONDS = env.int("WEBHOOK_TASK_SECONDS", default=240)
WEBHOOK_CLAIM_SECONDS = env.int("WEBHOOK_CLAIM_SECONDS", default=300)
WEBHOOK_ALLOW_INSECURE_TARGETS = env.bool("WEBHOOK_ALLOW_INSECURE_TARGETS", default=False)

# Events (tracking hits, website behaviour) go onto Redis Streams in the request and are written to the database in
# batches by `manage.py consume_events` (Procfile: events), each stored once (emarketing/streams.py). Empty: written
# in the request (the embedded default). Production: Redis with persistence (appendonly yes) so that a restart of
# Redis keeps the events not yet written.
EVENTS_REDIS_URL = env("EVENTS_REDIS_URL", default=env("REDIS_URL", default=""))
EVENTS_STREAM_PREFIX = env("EVENTS_STREAM_PREFIX", default="emarketing:events:")
# Events per batch; how long a consumer waits for new ones; after how long another consumer takes over the events a
# consumer read but never acknowledged (it died).
EVENTS_BATCH_SIZE = env.int("EVENTS_BATCH_SIZE", default=500)
EVENTS_BLOCK_SECONDS = env.float("EVENTS_BLOCK_SECONDS", default=1.0)
EVENTS_CLAIM_IDLE_SECONDS = env.float("EVENTS_CLAIM_IDLE_SECONDS", default=60.0)
# A consumer that reads fewer events than a batch waits this long for more before writing them.
EVENTS_LINGER_SECONDS = env.float("EVENTS_LINGER_SECONDS", default=0.2)
# On PostgreSQL touches (and website events) are partitioned by month: a daily job creates this many months ahead,
# and drops whole months older than TOUCH_RETENTION_MONTHS (0: keep every month; the dashboards' rollups keep their
# figures either way).
PARTITIONS_MONTHS_AHEAD = env.int("PARTITIONS_MONTHS_AHEAD", default=3)
TOUCH_RETENTION_MONTHS = env.int("TOUCH_RETENTION_MONTHS", default=0)
# Website events (static/js/emk.js posting to /t/w/, the shop's backend to /t/w/server/; docs/events.md).
# WEBSITE_ALLOWED_ORIGINS: the shop's origins (comma-separated, e.g. https://shop.example), the only pages whose
# events are accepted. WEBSITE_CONSENT_REQUIRED: nothing is stored unless the page says the visitor consented
# (emk.consent(true)); turn it off only where no law asks for consent. Body size, events per post and posts per
# minute and address; the shop backend's signing secret; how far back the events of a visitor who identifies get the
# customer; whole months of events older than WEBSITE_EVENT_RETENTION_MONTHS are dropped (0: keep every month).
WEBSITE_ALLOWED_ORIGINS = env.list("WEBSITE_ALLOWED_ORIGINS", default=[])
WEBSITE_CONSENT_REQUIRED = env.bool("WEBSITE_CONSENT_REQUIRED", default=True)
WEBSITE_MAX_BODY_BYTES = env.int("WEBSITE_MAX_BODY_BYTES", default=16 * 1024)
WEBSITE_MAX_EVENTS = env.int("WEBSITE_MAX_EVENTS", default=50)
WEBSITE_RATE_LIMIT = env.int("WEBSITE_RATE_LIMIT", default=120)
WEBSITE_WEBHOOK_SECRET = env("WEBSITE_WEBHOOK_SECRET", default="")
WEBSITE_MERGE_DAYS = env.int("WEBSITE_MERGE_DAYS", default=90)
WEBSITE_EVENT_RETENTION_MONTHS = env.int("WEBSITE_EVENT_RETENTION_MONTHS", default=0)

# The REST API (docs/api.md): Django REST framework under /api/v1/, its OpenAPI 3 schema at /api/schema/ and the
# docs at /api/docs/ (Swagger UI from drf-spectacular-sidecar's static files: no CDN). Integrations call it with API
# keys made in the admin (API → API keys), each with its scopes and its requests a minute, counted in the cache
# that every process shares. JSON only: the browsable HTML pages of DRF would need sessions and inline scripts.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["emarketing.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["emarketing.api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["emarketing.api.throttling.ApiKeyThrottle"],
    "DEFAULT_PAGINATION_CLASS": "emarketing.api.pagination.UpdatedCursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "emarketing.api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "emarketing.api.exceptions.error_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "E-marketing cycle API",
    "DESCRIPTION": (
        "Customers, segments, needs, campaigns, events, orders, products, tickets and survey responses. "
        "Send `Authorization: Bearer <key>`; lists page with `cursor` and filter with `updated_after`; "
        "writes accept `Idempotency-Key`; every error is `{error, message, fields}`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets named after their TextChoices where two share a field name (stages named as strings only).
    "ENUM_NAME_OVERRIDES": {
        "ConsentSourceEnum": "customers.models.ConsentSource",
        "NeedSourceEnum": "customers.models.NeedSource",
        "TouchSourceEnum": "campaigns.models.TouchSource",
        "LanguageEnum": "customers.models.Language",
        "NeedKindEnum": "customers.models.NeedKind",
        "TouchKindEnum": "campaigns.models.TouchKind",
        "OccasionKindEnum": "customers.models.OccasionKind",
    },
}
# WooCommerce and Shopify webhooks (/webhooks/woocommerce/, /webhooks/shopify/): the webhook's secret in
# WooCommerce, the app's client secret in Shopify. Empty: the endpoint refuses everything.
WOOCOMMERCE_WEBHOOK_SECRET = env("WOOCOMMERCE_WEBHOOK_SECRET", default="")
SHOPIFY_WEBHOOK_SECRET = env("SHOPIFY_WEBHOOK_SECRET", default="")
# How long a shop's webhook delivery id is remembered, so that the shop's retries of it change nothing (Shopify
# retries for up to 48 hours); older receipts are deleted every night.
SHOP_WEBHOOK_RECEIPTS_KEEP_DAYS = env.int("SHOP_WEBHOOK_RECEIPTS_KEEP_DAYS", default=30)
# How long an API write's Idempotency-Key answers a repeat with the first answer; older keys are deleted nightly.
API_IDEMPOTENCY_KEEP_HOURS = env.int("API_IDEMPOTENCY_KEEP_HOURS", default=24)

# SMS (campaigns/sms, docs/sms.md). SMS_PROVIDER: console (development: each message logged and written to
# SMS_CONSOLE_FILE, nothing sent), kavenegar, twilio or http (a generic gateway described by SMS_HTTP_*). Base URLs
# are settings so that tests (and a sandbox) can point them elsewhere. SMS_RATE_PER_SECOND: messages a second to
# the provider, shared by every worker through the cache (0: no limit). SMS_DEFAULT_SENDER: the sender when no SMS
# sender (admin) matches the recipient's country and the provider. SMS_WEBHOOK_TOKEN: the secret in the Kavenegar
# and generic webhook URLs (?token=); Twilio's are checked by its signature with SMS_TWILIO_AUTH_TOKEN. Webhook
# bodies above SMS_WEBHOOK_MAX_BYTES are refused before they are read, and each client address may post
# SMS_WEBHOOK_RATE_LIMIT times a minute. A temporary refusal is tried again after CAMPAIGNS_SEND_RETRY_BACKOFF,
# doubled, up to SMS_SEND_MAX_ATTEMPTS attempts.
SMS_PROVIDER = env("SMS_PROVIDER", default="console")
SMS_CONSOLE_FILE = env("SMS_CONSOLE_FILE", default="") or str(
    Path(__file__).resolve().parent.parent.parent / "var" / "sms-outbox.jsonl"
)
SMS_DEFAULT_SENDER = env("SMS_DEFAULT_SENDER", default="")
SMS_RATE_PER_SECOND = env.float("SMS_RATE_PER_SECOND", default=0)
SMS_SEND_MAX_ATTEMPTS = env.int("SMS_SEND_MAX_ATTEMPTS", default=5)
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=15.0)
SMS_WEBHOOK_TOKEN = env("SMS_WEBHOOK_TOKEN", default="")
SMS_WEBHOOK_MAX_BYTES = env.int("SMS_WEBHOOK_MAX_BYTES", default=16 * 1024)
SMS_WEBHOOK_RATE_LIMIT = env.int("SMS_WEBHOOK_RATE_LIMIT", default=600)
SMS_KAVENEGAR_BASE_URL = env("SMS_KAVENEGAR_BASE_URL", default="https://api.kavenegar.com")
SMS_KAVENEGAR_API_KEY = env("SMS_KAVENEGAR_API_KEY", default="")
SMS_TWILIO_BASE_URL = env("SMS_TWILIO_BASE_URL", default="https://api.twilio.com")
SMS_TWILIO_ACCOUNT_SID = env("SMS_TWILIO_ACCOUNT_SID", default="")
SMS_TWILIO_AUTH_TOKEN = env("SMS_TWILIO_AUTH_TOKEN", default="")
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_METHOD = env("SMS_HTTP_METHOD", default="POST")
SMS_HTTP_BODY = env("SMS_HTTP_BODY", default="")
SMS_HTTP_CONTENT_TYPE = env("SMS_HTTP_CONTENT_TYPE", default="application/json")
SMS_HTTP_AUTHORIZATION = env("SMS_HTTP_AUTHORIZATION", default="")
SMS_HTTP_ID_FIELD = env("SMS_HTTP_ID_FIELD", default="id")
# The live chat (aftersales/chat, docs/chat.md): WebSockets served by the ASGI process (Procfile: chat, uvicorn
# emarketing.asgi:application), its groups shared through Django Channels' Redis layer on CHAT_REDIS_URL (default
# REDIS_URL). Empty: the in-memory layer, which works inside one process only (the embedded default; one chat
# process). CHAT_WS_URL: where pages open the chat's WebSocket, e.g. wss://chat.example.com/ws/chat/ behind a
# proxy; empty: the site's own host on CHAT_PORT (development: runserver answers HTTP on 8000, uvicorn the
# WebSockets on 8001). CHAT_ALLOWED_ORIGINS: the pages that may open a visitor's chat (the shop's origins, default
# WEBSITE_ALLOWED_ORIGINS); the staff console opens only from SITE_URL's origin.
CHAT_REDIS_URL = env("CHAT_REDIS_URL", default=env("REDIS_URL", default=""))
CHAT_PORT = env.int("CHAT_PORT", default=8001)
CHAT_WS_URL = env("CHAT_WS_URL", default="")
CHAT_ALLOWED_ORIGINS = env.list("CHAT_ALLOWED_ORIGINS", default=WEBSITE_ALLOWED_ORIGINS)
# Hostile input: the largest frame read (bytes, judged before parsing), the longest message kept (characters), and
# frames a connection may send a minute (typing included) before it is closed.
CHAT_MAX_FRAME_BYTES = env.int("CHAT_MAX_FRAME_BYTES", default=8 * 1024)
CHAT_MAX_MESSAGE_CHARS = env.int("CHAT_MAX_MESSAGE_CHARS", default=2000)
CHAT_RATE_LIMIT = env.int("CHAT_RATE_LIMIT", default=60)
# New conversations a minute from one address (connections that start one).
CHAT_START_RATE_LIMIT = env.int("CHAT_START_RATE_LIMIT", default=10)
# Working hours of the chat team, per weekday in TIME_ZONE: "sat=09:00-17:00,sun=09:00-17:00,…" (a day left out is
# closed; "mon=00:00-24:00" all day); empty: every hour of every day; "closed": none. Outside them, or when no one
# has answered a waiting conversation within CHAT_ANSWER_TIMEOUT_SECONDS, the conversation becomes an ordinary open
# ticket and the customer, when their address is known, is told by e-mail when to expect the answer (the contact
# line's acknowledgement).
CHAT_WORKING_HOURS = env("CHAT_WORKING_HOURS", default="")
CHAT_ANSWER_TIMEOUT_SECONDS = env.int("CHAT_ANSWER_TIMEOUT_SECONDS", default=180)
CHANNEL_LAYERS = (
    {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Each chat process waits on Redis for its sockets' messages in blocking reads of 5 s (channels-redis):
            # redis-py 8's default read timeout is 5 s too, and would end those reads, closing every WebSocket. Its
            # pools also refuse (rather than wait) past 100 connections, which a burst of visitors joining their
            # groups at once exceeds: CHAT_REDIS_MAX_CONNECTIONS per chat process.
            "CONFIG": {
                "hosts": [
                    {
                        "address": CHAT_REDIS_URL,
                        "socket_timeout": 30,
                        "max_connections": env.int("CHAT_REDIS_MAX_CONNECTIONS", default=1000),
                    }
                ],
                "prefix": env("CHAT_REDIS_PREFIX", default="emk-chat"),
            },
        }
    }
    if CHAT_REDIS_URL
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)
