"""Production with several hosts: what one host would keep to itself is refused or warned about; with S3_BUCKET set,
uploads go to the bucket (imports private, banners public)."""

import secrets

from tests.test_settings import _manage

SHARED = {
    "DATABASE_URL": "postgres://app@db.internal:5432/emarketing",
    "CACHE_URL": "redis://redis.internal:6379/1",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "MULTI_HOST": "1",
}


def _production(*args, **env):
    return _manage(*args, SECRET_KEY=secrets.token_urlsafe(64), **env)


def test_several_hosts_refuse_what_one_host_keeps_to_itself():
    for name, local in (
        ("DATABASE_URL", "sqlite:////srv/app/var/db.sqlite3"),
        ("CACHE_URL", "filecache:///srv/app/var/cache"),
        ("CELERY_BROKER_URL", "filesystem://"),
        ("SESSION_ENGINE", "django.contrib.sessions.backends.file"),
    ):
        result = _production("check", **{**SHARED, name: local})
        assert result.returncode != 0, name
        assert "MULTI_HOST" in result.stderr and name in result.stderr
    assert _production("check", **SHARED).returncode == 0


def test_one_host_may_keep_its_files_and_cache_on_disk():
    result = _production("check", CACHE_URL="filecache:///srv/app/var/cache")
    assert result.returncode == 0, result.stderr


def test_several_hosts_are_warned_while_uploads_stay_on_local_disk():
    local = _production("check", "--deploy", **SHARED)
    assert "emarketing.W001" in local.stderr and "S3_BUCKET" in local.stderr
    bucket = _production("check", "--deploy", **SHARED, S3_BUCKET="media", S3_REGION="eu-central-1")
    assert "emarketing.W001" not in bucket.stderr


SHOW_STORAGES = (
    "from django.core.files.storage import storages; from campaigns.models import Creative; "
    "d, p = storages['default'], storages['public']; banner = Creative._meta.get_field('image').storage; "
    "print(type(d).__name__, d.querystring_auth, d.file_overwrite, d.location or '-', "
    "p.querystring_auth, p.location, p.custom_domain, banner.location)"
)


def test_with_a_bucket_imports_are_private_and_banners_public():
    result = _production(
        "shell",
        "-c",
        SHOW_STORAGES,
        S3_BUCKET="media",
        S3_ENDPOINT_URL="https://s3.example.net",
        S3_CUSTOM_DOMAIN="media.shop.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "S3Storage",
        "True",  # links to an import file (never given out) would be signed and expire
        "False",  # two uploads of the same name are two files
        "-",
        "False",  # banners are linked as they are, through the CDN
        "public",
        "media.shop.example",
        "public",
    ]


def test_without_a_bucket_uploads_stay_under_media_root():
    show = (
        "from django.core.files.storage import storages as s; print(type(s['default']).__name__, s['public'].location)"
    )
    result = _production("shell", "-c", show, S3_BUCKET="", MEDIA_ROOT="/srv/media")
    assert result.stdout.splitlines()[-1].split() == ["FileSystemStorage", "/srv/media"], result.stderr
