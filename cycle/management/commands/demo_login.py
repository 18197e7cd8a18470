"""Create (once) the demo logins — superuser, marketer, manager, each agent — and print how to sign in."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cycle.demo.users import demo_logins_ensure


class Command(BaseCommand):
    help = "Create the demo logins if needed and print them (they are kept in var/demo-login.txt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo", help="The superuser's name.")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        path = settings.VAR_DIR / "demo-login.txt"
        logins = demo_logins_ensure(path=path, superuser=username)
        url = settings.SITE_URL.rstrip("/") + "/admin/"
        width = max(len(x.username) for x in logins)
        banner = "=" * 72
        lines = [f"  {x.username:<{width}}  {x.password}  {x.role}" for x in logins]
        self.stdout.write(
            f"\n{banner}\n  Sign in at {url}  (also kept in {path})\n\n" + "\n".join(lines) + f"\n{banner}\n"
        )
