"""Create (once) the demo superuser and print how to sign in."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo superuser if needed and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")

    def handle(self, *args, username, **options):
        secret_file = settings.VAR_DIR / "demo-login.txt"
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        if secret_file.exists():
            password = secret_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com", "is_staff": True, "is_superuser": True}
        )
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        url = settings.SITE_URL.rstrip("/") + "/admin/"
        banner = "=" * 64
        self.stdout.write(f"\n{banner}\n  Sign in at {url}\n  user: {username}    password: {password}\n{banner}\n")
