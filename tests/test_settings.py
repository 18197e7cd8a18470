"""Production refuses to start without a real secret key; with one it passes Django's deployment checks."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="emarketing.settings.production", ALLOWED_HOSTS="shop.example", **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_refuses_the_development_key():
    result = _manage("check", SECRET_KEY="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
    assert result.returncode != 0


def test_production_refuses_a_cache_each_process_keeps_for_itself():
    for url in ("locmemcache://", "dummycache://"):
        result = _manage("check", SECRET_KEY=secrets.token_urlsafe(64), CACHE_URL=url)
        assert result.returncode != 0
        assert "rate limits would count per process" in result.stderr
    shared = _manage("check", SECRET_KEY=secrets.token_urlsafe(64), CACHE_URL="redis://127.0.0.1:6379/1")
    assert shared.returncode == 0, shared.stderr


def test_production_passes_the_deployment_checks_with_a_real_key():
    from cryptography.fernet import Fernet

    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(64),
        DKIM_KEY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    assert result.returncode == 0, result.stderr


def test_production_warns_while_dkim_keys_are_encrypted_with_the_secret_key():
    result = _manage("check", "--deploy", SECRET_KEY=secrets.token_urlsafe(64), DKIM_KEY_ENCRYPTION_KEYS="")
    assert "campaigns.W001" in result.stderr and "DKIM_KEY_ENCRYPTION_KEYS" in result.stderr
    result = _manage("check", "--deploy", SECRET_KEY=secrets.token_urlsafe(64), DKIM_KEY_ENCRYPTION_KEYS="not-a-key")
    assert result.returncode != 0 and "campaigns.E001" in result.stderr


def test_the_embedded_broker_keeps_all_its_folders_under_var():
    """The worker on embedded defaults writes nothing into the working copy (kombu would make ./control)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDIS_", "DJANGO_"))}
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CELERY_BROKER_TRANSPORT_OPTIONS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "emarketing.settings.local"},
        capture_output=True,
        text=True,
    )
    options = json.loads(result.stdout)
    folders = [v for k, v in options.items() if k.endswith("_folder") or k.startswith("data_folder")]
    assert {"data_folder_in", "data_folder_out", "processed_folder", "control_folder"} <= set(options)
    assert all(Path(folder).is_relative_to(ROOT / "var") for folder in folders)
