"""Write the events of the Redis streams (tracking hits, website behaviour) to the database: run any number."""

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from emarketing.streams import Consumer, stream_backlog


class Command(BaseCommand):
    help = (
        "Read the event streams as one member of their consumer group, write each batch to the database once and "
        "acknowledge it after commit. Run one or more per deployment (Procfile: events). Without EVENTS_REDIS_URL "
        "events are written in the request and this command only waits."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", help="This consumer's name in the group (default: host and process id).")
        parser.add_argument("--drain", action="store_true", help="Write what is waiting, then stop.")
        parser.add_argument("--backlog", action="store_true", help="Print what is waiting per stream, then stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.EVENTS_REDIS_URL:
            self.stdout.write("EVENTS_REDIS_URL is not set: events are written in the request; nothing to consume.")
            if options["drain"] or options["backlog"]:
                return
            while True:  # a process of Procfile.dev: stay up so the others keep running
                time.sleep(3600)
        if options["backlog"]:
            for name, figures in stream_backlog().items():
                self.stdout.write(f"{name}: {figures['waiting']} waiting, {figures['pending']} pending")
            return
        consumer = Consumer(name=options["name"])
        if options["drain"]:
            consumer.ensure_groups()
            self.stdout.write(f"{consumer.drain()} events written")
            return
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Consuming {', '.join(s.name for s in consumer.streams)} as {consumer.name}")
        consumer.run_forever(should_stop=lambda: stopping)
