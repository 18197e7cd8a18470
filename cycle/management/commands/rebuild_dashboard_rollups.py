"""Recompute the dashboards' daily rollups from the whole tables (after an import, a restore or a fix)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cycle.services.rollups import rollups_rebuild, rollups_refresh


class Command(BaseCommand):
    help = _(
        "Rebuild the dashboards' rollups from the whole tables (or, with --incremental, only bring them up to date)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--incremental", action="store_true", help=_("Only read what changed since the last refresh.")
        )

    def handle(self, *args, incremental=False, **options):
        done = rollups_refresh() if incremental else rollups_rebuild()
        for name, n in done.items():
            self.stdout.write(f"{name}: {n}")
        self.stdout.write(self.style.SUCCESS(_("Dashboard figures are up to date.")))
