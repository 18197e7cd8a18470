"""Install the ready-made journeys (all of them, or those named), as drafts or live."""

from django.core.management.base import BaseCommand, CommandError

from campaigns.journeys.ready_made import READY_MADE, journey_install


class Command(BaseCommand):
    help = "Install ready-made journeys (welcome, abandoned cart, post-purchase, win-back, birthday, unhappy customer)."

    def add_arguments(self, parser):
        parser.add_argument(
            "codes", nargs="*", help=f"Which ones (default: all): {', '.join(i.code for i in READY_MADE)}."
        )
        parser.add_argument("--live", action="store_true", help="Make them live at once (default: drafts).")

    def handle(self, *args, codes, live, **options):
        known = [item.code for item in READY_MADE]
        unknown = sorted(set(codes) - set(known))
        if unknown:
            raise CommandError(f"No ready-made journey called {', '.join(unknown)}; there are: {', '.join(known)}.")
        for code in codes or known:
            journey = journey_install(code=code, live=live)
            self.stdout.write(f"{code}: {journey} ({journey.get_status_display()})")
