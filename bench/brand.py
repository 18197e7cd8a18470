"""What reading the brand from the shared cache adds to framing one campaign e-mail: ``email_document`` with the
brand read from the cache for every message (as the product sends), against the same frame with the brand held in
the process (what a fixed name from the settings cost before). With CACHE_URL set (redis://127.0.0.1:6379/8) the
read is a Redis round trip; without it, the test settings' cache.

    .venv/bin/python bench/brand.py              # 5000 messages each
    CACHE_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/brand.py --runs 20000

Last line: ``brand: R x with the brand read from the cache / held in the process (held H us, cached C us per
message)``.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402

from campaigns.services.sending import layout  # noqa: E402
from emarketing.brand import selectors  # noqa: E402

VALUES = {
    "name": "Saffron & Tea House",
    "name_fa": "خانه زعفران و چای",
    "name_ar": "",
    "sender_name": "",
    "sender_name_fa": "",
    "sender_name_ar": "",
    "address": "12 Valiasr Street\nTehran",
    "address_fa": "تهران، خیابان ولیعصر ۱۲",
    "address_ar": "",
    "footer": "Since 1998.",
    "footer_fa": "",
    "footer_ar": "",
    "logo": "brand/logo.png",
    "primary_colour": "#8B1E3F",
    "accent_colour": "#E0A526",
}
BODY = "<p>" + "سلام، فروش بهاره شروع شد. " * 100 + "</p>"


def _run(runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        layout.email_document(body=BODY, language="fa", footer="<a href='#'>unsubscribe</a>", preheader="Spring")
    return (time.perf_counter() - started) / runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5000)
    runs = parser.parse_args().runs
    cache.set(selectors.CACHE_KEY, VALUES, 600)
    held = selectors.brand_in("fa")
    _run(50)  # compile the frame once
    with mock.patch.object(layout, "brand_in", lambda language: held):
        held_time = _run(runs)
    cached_time = _run(runs)
    cache.delete(selectors.CACHE_KEY)
    print(
        f"brand: {cached_time / held_time:.2f} x with the brand read from the cache / held in the process "
        f"(held {held_time * 1e6:.0f} us, cached {cached_time * 1e6:.0f} us per message)"
    )


if __name__ == "__main__":
    main()
