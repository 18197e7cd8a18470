"""Settings shared by every environment. Everything comes from environment variables."""

import datetime as dt
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
PRODUCT_NAME = _("E-marketing cycle")

INSTALLED_APPS = [
    "emarketing.admin_site.CycleAdminConfig",  # django.contrib.admin, stages listed in cycle order
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    # The creatives' WYSIWYG editor: TinyMCE, its static files (campaigns.admin.creative_editor).
    "tinymce",
    # The four stages of the cycle and the loop on top, in the order imports may flow.
    "customers",
    "campaigns",
    "orders",
    "aftersales",
    "cycle",
    # Provider webhooks (bounces, complaints, deliveries) from Amazon SES, Mailgun, Postmark and SendGrid.
    "anymail",
    "axes",
    # Audit log: who changed what in the admin (one LogEntry table, changes as JSON).
    "auditlog",
    # Two-factor sign-in for staff: one-time codes from an authenticator app (TOTP) and backup codes.
    "django_otp",
    "emarketing.two_factor.apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp
    "emarketing.two_factor.apps.BackupCodesConfig",  # django_otp.plugins.otp_static
    # What happened, published by each stage (emarketing.hooks.bus), and the outgoing webhooks that tell others.
    "emarketing.hooks",
    # WebSockets of the live chat (Django Channels; the ASGI process, settings in integrations.py).
    "channels",
    # The brand on every public page and e-mail, edited in the admin (emarketing.brand).
    "emarketing.brand",
    # Every run of a scheduled job, recorded from Celery's task signals; the jobs page (cycle) reads them.
    "emarketing.taskruns",
]

MIDDLEWARE = [
    # The client's address from X-Forwarded-For, as many proxies of ours from the right as TRUSTED_PROXY_COUNT says.
    "emarketing.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The open pixel, click redirects and website events are answered here, past the page machinery below.
    "emarketing.lean.LeanPathsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor sign-in: whether this session's code was checked, then staff who still owe a code or a device
    # are kept on the two-factor page.
    "django_otp.middleware.OTPMiddleware",
    "emarketing.two_factor.middleware.TwoFactorMiddleware",
    # Audit log: the signed-in user (and address) of a request is the actor of the changes it makes.
    "emarketing.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in with its own page.
    "axes.middleware.AxesMiddleware",
]

# Paths answered through the short chain (emarketing/lean.py): tracking hits, none of which is a page.
LEAN_PATH_PREFIXES = ["/t/o/", "/t/c/", "/t/w/"]

# Proxies of ours in front of the application server (a load balancer: 1) that append the client's address to
# X-Forwarded-For; rate limits, the sign-in lockout and the audit log then see the client. 0: REMOTE_ADDR as is.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sign-in throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one user name, or from one
# address, that user name or address is locked out for LOGIN_LOCKOUT_MINUTES (attempts are kept in the database,
# so every process and host counts the same); staff unlock it under Axes → Access attempts. A right password
# clears the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "emarketing.lockout.locked_out"

# Audit log (django-auditlog): who changed what, when, for the models each stage registers in its AppConfig.ready()
# (customers, consent, segments, the suppression list, campaigns, creatives, senders, sending domains, the plan)
# and, below, staff accounts, groups and their permissions and the two-factor devices. Managers read it under
# "Audit log"; a customer's erasure blanks their entries (emarketing.audit.audit_forget). Secrets are never logged:
# passwords, DKIM private keys and one-time-code keys are left out.
# Each lists the columns it compares (otherwise a created or deleted row would list every relation pointing at it).
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {
        "model": "auth.User",
        # Never the password (nor the time of the last sign-in, which every sign-in moves).
        "include_fields": [
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "is_staff",
            "is_superuser",
            "date_joined",
        ],
        "m2m_fields": ["groups", "user_permissions"],
    },
    {"model": "auth.Group", "include_fields": ["name"], "m2m_fields": ["permissions"]},
    # A device's owner, name and whether it counts; never its key, nor what each sign-in updates on it.
    {"model": "otp_totp.TOTPDevice", "include_fields": ["user", "name", "confirmed"]},
    {"model": "otp_static.StaticDevice", "include_fields": ["user", "name", "confirmed"]},
)
# A fixture loaded (loaddata) is not somebody's change.
AUDITLOG_DISABLE_ON_RAW_SAVE = True
# A correlation id is read from no request header: a client's header would land in the log as it was sent.
AUDITLOG_CID_HEADER = None

# Two-factor sign-in (django-otp): staff set up an authenticator app (and backup codes) on their own page, the
# admin's "Two-factor sign-in"; whoever has one signs in with user name, password and a code. When it is required
# (superusers in production, every staff member if OTP_REQUIRED_FOR_STAFF), a user without one is sent to that page
# after the password and can do nothing else until it is set up. A lost device is removed in the admin.
OTP_REQUIRED_FOR_SUPERUSERS = env.bool("OTP_REQUIRED_FOR_SUPERUSERS", default=False)
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=False)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="E-marketing cycle")
# The device admins never show a key or a backup code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A wrong code counts as a failed sign-in for django-axes (above); what a failed attempt keeps of the form is never
# the password nor the code.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]

ROOT_URLCONF = "emarketing.urls"
WSGI_APPLICATION = "emarketing.wsgi.application"
ASGI_APPLICATION = "emarketing.asgi.application"

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
                "emarketing.brand.context_processors.brand",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections between requests (a new PostgreSQL connection costs more than most of our queries).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the Celery worker use the embedded database at the same time.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [
    ("en", _("English")),
    ("fa", _("Persian")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The calendar of the dates Arabic readers see: "gregorian" (Arabic month names) or "hijri" (Umm al-Qura).
# Persian readers always see the Solar Hijri calendar; either way, in their own digits.
ARABIC_CALENDAR = env("ARABIC_CALENDAR", default="gregorian")
if ARABIC_CALENDAR not in {"gregorian", "hijri"}:
    raise ImproperlyConfigured("ARABIC_CALENDAR must be gregorian or hijri.")
# The name customers know the company by while no brand is written in the admin (Brand: name, logo, colours, address
# and sender names per language, emarketing.brand), on public pages and e-mails ("" : the product's own name,
# translated). Once the admin's brand is written, it is shown instead.
BRAND_NAME = env("BRAND_NAME", default="")
TIME_ZONE = env("TIME_ZONE", default="UTC")
# The country whose national phone numbers (0912 345 6789) are understood when a customer's own is not known;
# every phone is stored in E.164 (emarketing.contacts).
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="IR")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = env("MEDIA_URL", default="media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# Uploaded files: import files (customers, order history), kept until applied and read by the Celery worker, and
# banner images. Every process on every host must see the same files: with S3_BUCKET set they live in that bucket
# (Amazon S3, MinIO, Ceph…, through django-storages), otherwise under MEDIA_ROOT, which several hosts must then share
# (a network mount). Two storages: "default", private (import files hold customers' data; a link to one, never
# given out, would be signed and expire), and "public" for banners, which e-mails and other sites show: objects
# under S3_PUBLIC_LOCATION/ (grant public read on that prefix only), linked without a signature, through
# S3_CUSTOM_DOMAIN (a CDN) when set. The code reads files only through the storage (storage.open), never by path.
S3_BUCKET = env("S3_BUCKET", default="")
S3_PUBLIC_LOCATION = env("S3_PUBLIC_LOCATION", default="public")
if S3_BUCKET:
    _s3_options = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
        "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
        "region_name": env("S3_REGION", default="") or None,
        # Two uploads of the same name are two files (S3's own default would replace the first).
        "file_overwrite": False,
        # Objects get the bucket's own access rules (private unless its policy says otherwise).
        "default_acl": None,
        # A file read back (an import) spools to a temporary file past this size instead of memory.
        "max_memory_size": env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440),
    }
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3_options, "querystring_auth": True, "querystring_expire": 600},
    }
    _public_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3_options,
            "location": S3_PUBLIC_LOCATION,
            "querystring_auth": False,
            "custom_domain": env("S3_CUSTOM_DOMAIN", default="") or None,
        },
    }
else:
    _media_storage = _public_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "public": _public_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "admin:login"

# The cache is shared by every process (web, worker, beat): rate limits, kept dashboards, the progress and the
# cancel switch of background imports. On embedded defaults a folder under var/ shares it between the processes
# of one host; in production set CACHE_URL to Redis.
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
# Sessions (who is signed in to the admin) live in the database, which every host shares: a sign-in on one web host
# holds on the others. "django.contrib.sessions.backends.cached_db" reads them through the cache (Redis) as well;
# never "…backends.file", which keeps them on one host (production refuses it with MULTI_HOST).
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.db")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: the console on embedded defaults, SMTP (or any backend) through EMAIL_URL.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="marketing@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis in production and CI; on embedded defaults kombu's filesystem transport, which needs no
# server and works across processes (the web server, the worker and beat share the folder).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="filesystem://"))
CELERY_BROKER_DIR = VAR_DIR / "celery" / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # where the broker keeps its exchange tables (kombu's default is a folder named "control" in the cwd)
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    # Retries and countdowns stay well below this, so a task is never delivered twice by timeout.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# The loop: how low a score must be for it to count as a need.
LOOP_LOW_CSAT = env.int("LOOP_LOW_CSAT", default=3)
LOOP_LOW_NPS = env.int("LOOP_LOW_NPS", default=6)
LOOP_BATCH_SIZE = env.int("LOOP_BATCH_SIZE", default=2000)

# Transfer and after-sales. Webhook secrets key the HMAC-SHA256 of emarketing/signing.py; an empty one refuses all.
ORDER_WEBHOOK_SECRET = env("ORDER_WEBHOOK_SECRET", default="")
PAYMENT_WEBHOOK_SECRET = env("PAYMENT_WEBHOOK_SECRET", default="")
INBOUND_MAIL_SECRET = env("INBOUND_MAIL_SECRET", default="")

# Signed webhooks (orders, payment notifications, inbound mail). A request's X-Signature-Timestamp must lie within
# WEBHOOK_SIGNATURE_TOLERANCE seconds of our clock, so a captured request cannot be played again later. A JSON
# webhook whose declared length is over WEBHOOK_MAX_BODY_BYTES is refused before its body is read (inbound mail,
# raw e-mail with attachments, is bounded by Django's DATA_UPLOAD_MAX_MEMORY_SIZE), and one whose arrays and
# objects nest deeper than WEBHOOK_JSON_MAX_DEPTH before it is parsed.
WEBHOOK_SIGNATURE_TOLERANCE = env.int("WEBHOOK_SIGNATURE_TOLERANCE", default=300)
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=1024 * 1024)
WEBHOOK_JSON_MAX_DEPTH = env.int("WEBHOOK_JSON_MAX_DEPTH", default=20)


# The contact mailbox read every minute, e.g. imaps://user:password@mail.example.com:993/INBOX; off when empty.
IMAP_URL = env("IMAP_URL", default="")
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default=DEFAULT_FROM_EMAIL)
SURVEY_DELAY_DAYS = env.int("SURVEY_DELAY_DAYS", default=3)
SURVEY_LINK_MAX_AGE_DAYS = env.int("SURVEY_LINK_MAX_AGE_DAYS", default=60)
PUBLIC_FORM_RATE_LIMIT = env.int("PUBLIC_FORM_RATE_LIMIT", default=10)  # posts per client per hour
# Help pages (FAQ, community, search) and public reviews: how long a review link stays valid; the fewest seconds
# between showing a form and its post (faster is a robot); searches per client per minute.
REVIEW_LINK_MAX_AGE_DAYS = env.int("REVIEW_LINK_MAX_AGE_DAYS", default=90)
HELP_FORM_MIN_SECONDS = env.int("HELP_FORM_MIN_SECONDS", default=3)
HELP_SEARCH_RATE_LIMIT = env.int("HELP_SEARCH_RATE_LIMIT", default=60)
# Service-level targets of the contact line, in hours, per ticket priority.
TICKET_FIRST_RESPONSE_HOURS = {"urgent": 1, "high": 4, "normal": 8, "low": 24}
TICKET_RESOLUTION_HOURS = {"urgent": 8, "high": 24, "normal": 72, "low": 168}

# Customer import and export: rows written per batch; a file applied in the background (IMPORT_BACKGROUND_ROWS
# below) is previewed on its first CUSTOMER_IMPORT_PREVIEW_ROWS rows only.
CUSTOMER_IMPORT_BATCH_SIZE = env.int("CUSTOMER_IMPORT_BATCH_SIZE", default=1000)
CUSTOMER_IMPORT_PREVIEW_ROWS = env.int("CUSTOMER_IMPORT_PREVIEW_ROWS", default=2000)

# File limits. Every file people bring in (customers, order history, the suppression list, inbound e-mail) is read
# within these, each checked before what it bounds is read or held (emarketing/table_limits.py). A file over one is
# refused whole, with a message naming the limit: nothing is imported, a background import job is marked failed.
# - IMPORT_MAX_UPLOAD_BYTES: the largest file, checked as an upload arrives (emarketing/uploads.py: when the request
#   declares more, before a byte of the file is read, and none of it is stored) and before a stored file is read.
#   Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE spool to FILE_UPLOAD_TEMP_DIR (the system's when unset), not memory; the
#   other fields of a request are bounded by DATA_UPLOAD_MAX_MEMORY_SIZE. The former name, CUSTOMER_IMPORT_MAX_BYTES,
#   is still read. A proxy in front should refuse bodies a little above IMPORT_MAX_UPLOAD_BYTES as well.
# - IMPORT_MAX_ROWS data rows, IMPORT_MAX_COLUMNS columns, IMPORT_MAX_CELL_CHARS characters in a cell (Excel's own
#   limit), IMPORT_MAX_LINE_CHARS in a row (a CSV record, line breaks quoted inside it counted; an Excel row).
# - An Excel workbook (emarketing/workbooks): at most IMPORT_XLSX_MAX_MEMBERS parts, unpacking to at most
#   IMPORT_XLSX_MAX_UNPACKED_BYTES together; a part that is not a worksheet to IMPORT_XLSX_MAX_MEMBER_BYTES, the
#   shared strings (held in memory, packed) to IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES; no part over 1 MB to more than
#   IMPORT_XLSX_MAX_RATIO times its packed size (a zip bomb does a thousand). The sizes the archive declares are
#   checked before anything is unpacked, and those it really unpacks to as it is read; the XML is streamed, with no
#   document type and no entities.
# - INBOUND_MAIL_MAX_BYTES: the largest raw e-mail the contact line reads, from the mailbox (a partial fetch of one
#   byte more) or the webhook (bounded by DATA_UPLOAD_MAX_MEMORY_SIZE too, the smaller counts); a larger message is
#   kept as its headers, for a person to read in the mailbox.
# Memory while reading any file stays under 0.8 x IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES (the shared strings, packed)
# + 12 bytes x IMPORT_MAX_LINE_CHARS (one row) + 5 MB above the process's own: 60 MB at these defaults, whatever
# the file (bench/file_limits.py measures it).
IMPORT_MAX_UPLOAD_BYTES = env.int(
    "IMPORT_MAX_UPLOAD_BYTES", default=env.int("CUSTOMER_IMPORT_MAX_BYTES", default=200 * 1024 * 1024)
)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=1_000_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=1000)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=32_767)
IMPORT_MAX_LINE_CHARS = env.int("IMPORT_MAX_LINE_CHARS", default=1_000_000)
IMPORT_XLSX_MAX_MEMBERS = env.int("IMPORT_XLSX_MAX_MEMBERS", default=1000)
IMPORT_XLSX_MAX_UNPACKED_BYTES = env.int("IMPORT_XLSX_MAX_UNPACKED_BYTES", default=512 * 1024 * 1024)
IMPORT_XLSX_MAX_MEMBER_BYTES = env.int("IMPORT_XLSX_MAX_MEMBER_BYTES", default=32 * 1024 * 1024)
IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = env.int("IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES", default=48 * 1024 * 1024)
IMPORT_XLSX_MAX_RATIO = env.int("IMPORT_XLSX_MAX_RATIO", default=100)
INBOUND_MAIL_MAX_BYTES = env.int("INBOUND_MAIL_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)
FILE_UPLOAD_HANDLERS = [
    "emarketing.uploads.UploadSizeLimitHandler",  # first: it sees every file before the others keep a byte
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# A date column that reads both as day/month and month/day, in a file whose layout does not say, is read as
# IMPORT_AMBIGUOUS_DATES ("dmy" or "mdy") until the marketer chooses otherwise in the preview.
IMPORT_AMBIGUOUS_DATES = env("IMPORT_AMBIGUOUS_DATES", default="dmy")
if IMPORT_AMBIGUOUS_DATES not in ("dmy", "mdy"):
    raise ImproperlyConfigured("IMPORT_AMBIGUOUS_DATES must be dmy or mdy.")
# A customer or order file of more than IMPORT_BACKGROUND_ROWS rows is applied by a background job with a
# progress bar; a job whose progress has not moved for IMPORT_JOB_STALE_SECONDS is taken to have lost its worker
# and is run again (from the top: nothing of a dead run is kept).
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=10_000)
IMPORT_JOB_STALE_SECONDS = env.int("IMPORT_JOB_STALE_SECONDS", default=300)
# An uploaded file never applied is deleted after this many hours. A preview can be applied for one hour and a
# background apply runs for up to one more: at least 3 hours, so no file goes while its import is under way.
CUSTOMER_IMPORT_KEEP_HOURS = env.int("CUSTOMER_IMPORT_KEEP_HOURS", default=24)
if CUSTOMER_IMPORT_KEEP_HOURS < 3:
    raise ImproperlyConfigured("CUSTOMER_IMPORT_KEEP_HOURS must be at least 3.")
# Every worker registers the preparation tasks, the background customer import among them.
CELERY_IMPORTS = ["customers.tasks", "orders.tasks", "emarketing.hooks.tasks"]
# Order history import: order lines written per batch (a batch ends with a whole order). The other limits
# (largest file, background apply, preview rows, how long an upload is kept) are the customer import's.
ORDER_HISTORY_IMPORT_BATCH_SIZE = env.int("ORDER_HISTORY_IMPORT_BATCH_SIZE", default=2000)

# Preparation: what each buyer is worth, against the company's own customers. RFM scores by fifths of the
# buyers; a buy-till-you-die model (BG/NBD, Gamma-Gamma) fitted on at most CUSTOMER_VALUE_FIT_SAMPLE of them,
# refitted when the last fit is older than CUSTOMER_VALUE_REFIT_DAYS (and after an order history import), and
# used once at least CUSTOMER_VALUE_MIN_REPEAT_BUYERS have bought twice; the tier rules are edited in the admin.
CUSTOMER_VALUE_FIT_SAMPLE = env.int("CUSTOMER_VALUE_FIT_SAMPLE", default=200_000)
CUSTOMER_VALUE_MIN_REPEAT_BUYERS = env.int("CUSTOMER_VALUE_MIN_REPEAT_BUYERS", default=100)
CUSTOMER_VALUE_REFIT_DAYS = env.int("CUSTOMER_VALUE_REFIT_DAYS", default=7)
CUSTOMER_REFRESH_BATCH_SIZE = env.int("CUSTOMER_REFRESH_BATCH_SIZE", default=5000)
# Segments: a refresh re-examines only customers changed since the last one, unless more than this many did
# (then it rebuilds); the margin re-reads a little of the past to catch rows committed during the last refresh.
CUSTOMER_SEGMENT_INCREMENTAL_LIMIT = env.int("CUSTOMER_SEGMENT_INCREMENTAL_LIMIT", default=20000)
CUSTOMER_SEGMENT_INCREMENTAL_SHARE = env.float("CUSTOMER_SEGMENT_INCREMENTAL_SHARE", default=0.05)
CUSTOMER_SEGMENT_WATERMARK_MARGIN_SECONDS = env.int("CUSTOMER_SEGMENT_WATERMARK_MARGIN_SECONDS", default=60)
# Cross-sell and up-sell: how many products each customer is offered, and from how many co-buyers on.
RECOMMENDATIONS_PER_CUSTOMER = env.int("RECOMMENDATIONS_PER_CUSTOMER", default=5)
RECOMMENDATIONS_MIN_CO_BUYERS = env.int("RECOMMENDATIONS_MIN_CO_BUYERS", default=2)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Communication (campaigns): sending, tracking and attribution.
# A separate relay for campaign mail (e.g. smtp://user:pass@relay:587/?tls=True); empty: Django's EMAIL_* settings.
CAMPAIGNS_EMAIL_URL = env("CAMPAIGNS_EMAIL_URL", default="")
CAMPAIGNS_FROM_EMAIL = env("CAMPAIGNS_FROM_EMAIL", default="")
# The mailbox of the mailto: List-Unsubscribe offers beside the one-click link, read by the contact line (webhook or
# poller); empty: the return path's mailbox (CAMPAIGNS_RETURN_PATH), which it reads for bounces anyway.
CAMPAIGNS_UNSUBSCRIBE_EMAIL = env("CAMPAIGNS_UNSUBSCRIBE_EMAIL", default="")
CAMPAIGNS_SEND_BATCH_SIZE = env.int("CAMPAIGNS_SEND_BATCH_SIZE", default=500)
# Messages per second from each sending task (0: as fast as the mail server takes them).
CAMPAIGNS_SEND_RATE = env.float("CAMPAIGNS_SEND_RATE", default=0)
# How many sending tasks (each with its own SMTP connection) share one campaign; the rate above is per connection.
CAMPAIGNS_SEND_CONNECTIONS = env.int("CAMPAIGNS_SEND_CONNECTIONS", default=1)
CAMPAIGNS_SEND_MAX_ATTEMPTS = env.int("CAMPAIGNS_SEND_MAX_ATTEMPTS", default=3)
# Backoff before the next attempt for a refused recipient: doubled each time, capped below the visibility timeout.
CAMPAIGNS_SEND_RETRY_BACKOFF = env.int("CAMPAIGNS_SEND_RETRY_BACKOFF", default=60)
CAMPAIGNS_SEND_RETRY_MAX_DELAY = env.int("CAMPAIGNS_SEND_RETRY_MAX_DELAY", default=1800)
# A message claimed this long ago and still not sent belongs to a worker that died: it is claimed again.
CAMPAIGNS_SEND_CLAIM_TIMEOUT = env.int("CAMPAIGNS_SEND_CLAIM_TIMEOUT", default=900)
CAMPAIGNS_SEND_TASK_SECONDS = env.int("CAMPAIGNS_SEND_TASK_SECONDS", default=300)
CAMPAIGNS_SMTP_TIMEOUT = env.int("CAMPAIGNS_SMTP_TIMEOUT", default=30)
# The name given in EHLO to mail servers (empty: this host's fully qualified name, or the sending domain when the
# host only knows itself as localhost).
CAMPAIGNS_SMTP_HELO = env("CAMPAIGNS_SMTP_HELO", default="")
# Requests per minute and client address on the public endpoints (0: no limit).
CAMPAIGNS_TRACKING_RATE_LIMIT = env.int("CAMPAIGNS_TRACKING_RATE_LIMIT", default=600)
CAMPAIGNS_FORM_RATE_LIMIT = env.int("CAMPAIGNS_FORM_RATE_LIMIT", default=10)
# An order is credited to the campaign of the customer's last counted touch within this many days.
ATTRIBUTION_WINDOW_DAYS = env.int("ATTRIBUTION_WINDOW_DAYS", default=30)
# What sending a thousand e-mails costs (the mail service's price, in the campaigns' currency): counted in each
# campaign's and journey's cost on the Money board. SMS are priced per part by their senders (SMS senders).
EMAIL_PRICE_PER_THOUSAND = env("EMAIL_PRICE_PER_THOUSAND", default="0")
# Occasion offers go out once the customer's local clock reaches this hour on their day.
CAMPAIGNS_OCCASION_LOCAL_HOUR = env.int("CAMPAIGNS_OCCASION_LOCAL_HOUR", default=9)
# Quiet hours of the customer's local clock (HH:MM): no e-mail or SMS of a campaign, journey or occasion reaches a
# customer between them; what falls inside waits for their end. The same start and end switches them off.
CAMPAIGNS_QUIET_HOURS_START = env("CAMPAIGNS_QUIET_HOURS_START", default="21:00")
CAMPAIGNS_QUIET_HOURS_END = env("CAMPAIGNS_QUIET_HOURS_END", default="08:00")
# A campaign sent "when each customer usually reads": the local hour most frequent among the customer's last
# CAMPAIGNS_SEND_TIME_LAST_TOUCHES opens (by a person) and clicks; customers with fewer than
# CAMPAIGNS_SEND_TIME_MIN_TOUCHES of them get the campaign's own local time.
CAMPAIGNS_SEND_TIME_LAST_TOUCHES = env.int("CAMPAIGNS_SEND_TIME_LAST_TOUCHES", default=20)
CAMPAIGNS_SEND_TIME_MIN_TOUCHES = env.int("CAMPAIGNS_SEND_TIME_MIN_TOUCHES", default=3)
# A/B tests: the rise over the control's rate (relative: 0.10 = a tenth more) that the results page says how many
# recipients per variant are needed to detect, at the experiment's confidence and 80% power.
CAMPAIGNS_EXPERIMENT_DETECTABLE_LIFT = env.float("CAMPAIGNS_EXPERIMENT_DETECTABLE_LIFT", default=0.10)
# Journeys: the every-minute tick moves the due enrolments of each step in transactions of at most this many
# customers (bigger: fewer statements; smaller: shorter locks and less redone when a worker dies mid-batch).
JOURNEYS_TICK_BATCH = env.int("JOURNEYS_TICK_BATCH", default=50_000)

# Sending domains and DKIM. Private keys are encrypted at rest with the Fernet keys of DKIM_KEY_ENCRYPTION_KEYS,
# comma-separated: the first encrypts, all decrypt (put a new key first, keep the old one after it). Empty: one key
# derived from SECRET_KEY, fine for development; set it in production, where a new SECRET_KEY would otherwise make
# every stored DKIM key unreadable. Make a key with: python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"
DKIM_KEY_ENCRYPTION_KEYS = env("DKIM_KEY_ENCRYPTION_KEYS", default="")
# A key replaced by a new one stays published this many days, so mail in flight signed with it still verifies.
DKIM_KEY_RETIRE_DAYS = env.int("DKIM_KEY_RETIRE_DAYS", default=7)
# Each sending process looks up a domain's active key at most this often: a new key signs within this time.
DKIM_SIGNER_CACHE_SECONDS = env.int("DKIM_SIGNER_CACHE_SECONDS", default=60)
# The resolvers asked whether a key is published (comma-separated ip[:port]); empty: the system's resolver.
DNS_RESOLVERS = env("DNS_RESOLVERS", default="")
# The SPF record to publish names the servers that send the mail: SPF mechanisms, space-separated ("mx",
# "include:_spf.relay.example", "ip4:203.0.113.5"); a bare domain is read as include:<domain>.
CAMPAIGNS_SPF_INCLUDE = env("CAMPAIGNS_SPF_INCLUDE", default="mx")
# The host that receives bounces for the return path's domain (CAMPAIGNS_RETURN_PATH): its MX record points here.
CAMPAIGNS_BOUNCE_MX = env("CAMPAIGNS_BOUNCE_MX", default="")
# Where receivers send DMARC aggregate reports; empty: dmarc-reports@<the sending domain>.
CAMPAIGNS_DMARC_REPORTS_EMAIL = env("CAMPAIGNS_DMARC_REPORTS_EMAIL", default="")

# Scanners told by their timing, whatever their User-Agent says (judged where spooled hits are written): a click
# within CAMPAIGNS_SCANNER_CLICK_SECONDS of the message's sending (0: never), or one of CAMPAIGNS_SCANNER_BURST_LINKS
# or more different links of a message clicked within CAMPAIGNS_SCANNER_BURST_SECONDS (links below 2: never) is a
# bot, and so is an open within a second of such a burst.
CAMPAIGNS_SCANNER_CLICK_SECONDS = env.float("CAMPAIGNS_SCANNER_CLICK_SECONDS", default=10.0)
CAMPAIGNS_SCANNER_BURST_LINKS = env.int("CAMPAIGNS_SCANNER_BURST_LINKS", default=3)
CAMPAIGNS_SCANNER_BURST_SECONDS = env.float("CAMPAIGNS_SCANNER_BURST_SECONDS", default=5.0)

# Bounces, complaints and the suppression list. Each message's envelope sender (return path) is its own address,
# tagged and signed (VERP): CAMPAIGNS_RETURN_PATH, e.g. bounces@bounces.example.com, a mailbox the contact line
# reads (webhook or IMAP) with "+" as its recipient delimiter; empty: bounces@ the sender's domain. An address is
# suppressed after its first hard bounce or complaint, or after CAMPAIGNS_SOFT_BOUNCE_LIMIT soft bounces of
# different messages with no delivery reported in between. A campaign pauses itself once the bounces among its
# first CAMPAIGNS_BOUNCE_PAUSE_SAMPLE messages exceed CAMPAIGNS_BOUNCE_PAUSE_RATE of that sample.
CAMPAIGNS_RETURN_PATH = env("CAMPAIGNS_RETURN_PATH", default="")
CAMPAIGNS_SOFT_BOUNCE_LIMIT = env.int("CAMPAIGNS_SOFT_BOUNCE_LIMIT", default=3)
CAMPAIGNS_BOUNCE_PAUSE_SAMPLE = env.int("CAMPAIGNS_BOUNCE_PAUSE_SAMPLE", default=1000)
CAMPAIGNS_BOUNCE_PAUSE_RATE = env.float("CAMPAIGNS_BOUNCE_PAUSE_RATE", default=0.05)
# Provider webhooks under /webhooks/mail/<provider>/tracking/. Every one needs ANYMAIL_WEBHOOK_SECRET
# ("user:password", sent as HTTP basic auth in the URL you give the provider, over HTTPS); Mailgun's also needs its
# signing key. Unset: every post is refused (403). Amazon SES (SNS) subscriptions are confirmed once by hand.
ANYMAIL = {
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    # SendGrid's signed event webhook (its public key, base64): checked when set.
    "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": env("SENDGRID_WEBHOOK_VERIFICATION_KEY", default="") or None,
}

# Dashboards: each rollup refresh recomputes the last DASHBOARD_ROLLUP_RECENT_DAYS days whole (orders, payments,
# deliveries, tickets and surveys change after they are written), re-reads status changes from a margin before
# the last run, and adds new touches in id ranges of DASHBOARD_ROLLUP_TOUCH_BATCH rows.
DASHBOARD_ROLLUP_RECENT_DAYS = env.int("DASHBOARD_ROLLUP_RECENT_DAYS", default=3)
DASHBOARD_ROLLUP_MARGIN_SECONDS = env.int("DASHBOARD_ROLLUP_MARGIN_SECONDS", default=120)
DASHBOARD_ROLLUP_TOUCH_BATCH = env.int("DASHBOARD_ROLLUP_TOUCH_BATCH", default=2000000)
# New touches are read up to an id below which no row can still appear: the refresh waits up to this long for the
# transactions writing touches when it starts to finish (else it reads them on its next run).
DASHBOARD_ROLLUP_SETTLE_SECONDS = env.float("DASHBOARD_ROLLUP_SETTLE_SECONDS", default=5.0)
# A rendered dashboard is kept until the next rollup refresh, and at most this long (the few figures read live,
# such as open tickets, are never older than this).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
# The Content board warns "too few to say" beside any figure that fewer campaigns than this stand behind.
CONTENT_MIN_CAMPAIGNS = env.int("CONTENT_MIN_CAMPAIGNS", default=5)

# Retention and access. The customer downloads what the product holds about them from the preference centre (JSON
# or CSV, rate limited as the preference form is, CAMPAIGNS_FORM_RATE_LIMIT); staff with the export permission do
# it from the admin. Every night, touches, campaign messages, occasion offers and delivery reports older than
# PRIVACY_RETENTION_DAYS lose their personal fields (a touch's user agent, referrer and detail, a message's error
# text, a report's address, diagnostic and reference); the rows and every figure counted from them stay. 0 keeps
# everything. The job walks each table in id ranges of PRIVACY_RETENTION_BATCH_SIZE (one short transaction each)
# and hands over to a fresh task after PRIVACY_RETENTION_TASK_SECONDS.
PRIVACY_RETENTION_DAYS = env.int("PRIVACY_RETENTION_DAYS", default=730)
if PRIVACY_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("PRIVACY_RETENTION_DAYS is a number of days, or 0 to keep everything.")
PRIVACY_RETENTION_BATCH_SIZE = env.int("PRIVACY_RETENTION_BATCH_SIZE", default=5000)
PRIVACY_RETENTION_TASK_SECONDS = env.int("PRIVACY_RETENTION_TASK_SECONDS", default=300)

# Content-Security-Policy (django-csp): every response, the admin's included, tells the browser where its scripts,
# styles, images and frames may come from, so that markup that slipped into a page cannot run. Scripts come from our
# own static files only (an inline one would need the request's nonce, {{ request.csp_nonce }}; none does). No
# plugins, no <base>, forms post only to us, and no other site may frame our pages, except banners, which are made
# to be framed: BANNER_FRAME_ANCESTORS, comma-separated sources (https://shop.example.com), "*" for any site.
# Style attributes are allowed (style-src-attr): marketers' pages and e-mails are styled inline and the admin sets a
# few, and an attribute can neither run a script nor select what the page holds; <style> elements, which could,
# need the nonce. Images: our own, data: URLs and any https host (where marketers keep theirs).
# CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only, to watch what it would block
# before enforcing it; CSP_REPORT_URI, when set, is where browsers report what it blocked.
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE  # noqa: E402

INSTALLED_APPS += ["csp"]
# After the short way through (emarketing/lean.py): a pixel or a redirect has no page to protect.
MIDDLEWARE.insert(MIDDLEWARE.index("emarketing.lean.LeanPathsMiddleware") + 1, "csp.middleware.CSPMiddleware")
_csp_directives: dict[str, list[object]] = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    "style-src-attr": [UNSAFE_INLINE],
    "img-src": [SELF, "data:", "https:"],
    "object-src": [NONE],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
# The brand's logo and the banners are shown from the public storage: an S3 endpoint on plain http (a MinIO of one's
# own) is not covered by "https:", so it is named.
if S3_BUCKET and env("S3_ENDPOINT_URL", default="").startswith("http://") and not env("S3_CUSTOM_DOMAIN", default=""):
    _csp_directives["img-src"].append(env("S3_ENDPOINT_URL").rstrip("/"))
if env("CSP_REPORT_URI", default=""):
    _csp_directives["report-uri"] = [env("CSP_REPORT_URI")]
_csp_report_only = env.bool("CSP_REPORT_ONLY", default=False)
CONTENT_SECURITY_POLICY = None if _csp_report_only else {"DIRECTIVES": _csp_directives}
CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives} if _csp_report_only else None
BANNER_FRAME_ANCESTORS = env.list("BANNER_FRAME_ANCESTORS", default=["*"])
# Privacy
# The right to be forgotten: a customer asks from the preference centre ("Delete my data"), and an e-mail to their
# address carries a link that confirms it; the link works for PRIVACY_ERASURE_LINK_DAYS days, and nothing is erased
# before the customer confirms. Staff erase from the customer's page, or many at once in the background.
PRIVACY_ERASURE_LINK_DAYS = env.int("PRIVACY_ERASURE_LINK_DAYS", default=7)
# Capture forms (/f/<slug>/, docs/forms.md). A lead that has not followed its confirmation link is deleted after
# FORMS_UNCONFIRMED_DAYS days (the link works as long). A form sent sooner than FORMS_MIN_SECONDS after it was shown,
# or with a render token older than FORMS_RENDER_MAX_AGE seconds, is refused. At most FORMS_RATE_PER_ADDRESS
# submissions an hour for one e-mail address and FORMS_RATE_PER_IP a minute from one network address, counted in
# the shared cache. FORMS_POW_BITS: leading zero bits of the proof of work of the forms that ask one (16 is about
# 65,000 hashes, a second or two in a phone's browser). FORMS_MAX_BODY_BYTES: a larger post is refused unread.
FORMS_UNCONFIRMED_DAYS = env.int("FORMS_UNCONFIRMED_DAYS", default=7)
FORMS_MIN_SECONDS = env.int("FORMS_MIN_SECONDS", default=3)
FORMS_RENDER_MAX_AGE = env.int("FORMS_RENDER_MAX_AGE", default=2 * 3600)
FORMS_RATE_PER_ADDRESS = env.int("FORMS_RATE_PER_ADDRESS", default=3)
FORMS_RATE_PER_IP = env.int("FORMS_RATE_PER_IP", default=10)
FORMS_POW_BITS = env.int("FORMS_POW_BITS", default=16)
FORMS_MAX_BODY_BYTES = env.int("FORMS_MAX_BODY_BYTES", default=16 * 1024)

# The REST API's apps (its settings are in integrations.py).
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "emarketing.api.apps.ApiConfig"]

# The integrations (event streams, partitions, website events, the REST API, shop and outgoing webhooks).
from .integrations import *  # noqa: E402, F403

# The customer's own page (/me/, docs/account.md): how long a sign-in link (seconds) and an SMS code stay good,
# wrong tries before a code is void, how long a signed-in session lasts, and sign-in requests allowed per address
# (in ACCOUNT_ADDRESS_WINDOW seconds) and per client IP (a minute).
ACCOUNT_LINK_MAX_AGE = env.int("ACCOUNT_LINK_MAX_AGE", default=15 * 60)
ACCOUNT_CODE_MAX_AGE = env.int("ACCOUNT_CODE_MAX_AGE", default=10 * 60)
ACCOUNT_CODE_ATTEMPTS = env.int("ACCOUNT_CODE_ATTEMPTS", default=5)
ACCOUNT_SESSION_AGE = env.int("ACCOUNT_SESSION_AGE", default=2 * 60 * 60)
ACCOUNT_ADDRESS_LIMIT = env.int("ACCOUNT_ADDRESS_LIMIT", default=3)
ACCOUNT_ADDRESS_WINDOW = env.int("ACCOUNT_ADDRESS_WINDOW", default=15 * 60)
ACCOUNT_IP_LIMIT = env.int("ACCOUNT_IP_LIMIT", default=10)

# Jobs a manager can see (dashboards/jobs/, docs/jobs.md). Each run of a scheduled job is recorded; runs older than
# TASK_RUNS_KEEP_DAYS are deleted every night. A job's own page lists its last JOBS_PAGE_RUNS runs. When a run fails
# for good, the job's owners (by default the JOBS_DEFAULT_OWNER_GROUP group) get one e-mail, and no more than one per
# JOBS_FAILURE_MAIL_INTERVAL seconds for the same job. A run started by hand may wait JOBS_RUN_NOW_QUEUE_SECONDS in
# the queue (plus its time limit to run) before it reads as "did not finish" and another may be started.
TASK_RUNS_KEEP_DAYS = env.int("TASK_RUNS_KEEP_DAYS", default=30)
JOBS_PAGE_RUNS = env.int("JOBS_PAGE_RUNS", default=50)
JOBS_DEFAULT_OWNER_GROUP = env("JOBS_DEFAULT_OWNER_GROUP", default="Managers")
JOBS_FAILURE_MAIL_INTERVAL = env.int("JOBS_FAILURE_MAIL_INTERVAL", default=3600)
JOBS_RUN_NOW_QUEUE_SECONDS = env.int("JOBS_RUN_NOW_QUEUE_SECONDS", default=3600)
