"""What the responsive MJML frame (campaigns.services.sending.layout, mrml) adds to rendering one campaign e-mail:
``render_for`` (template, cleaning, tracked links, pixel, footer) on a Persian creative of about 5 KB, as the
product renders it now (MJML frame, compiled once and kept), against the same message in the plain frame it had
before (a ``<html>`` with ``dir``, the hidden preheader, body, footer, pixel), and against compiling the MJML
afresh for every message (what keeping the compiled frame saves).

    .venv/bin/python bench/mjml.py              # 2000 messages each
    .venv/bin/python bench/mjml.py --runs 10000

Last line: ``MJML: R x with the MJML frame / plain frame (plain P ms, MJML M ms per message; compiling the frame
for each message: C ms = R2 x)``.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")

import django  # noqa: E402

django.setup()

from django.utils.html import format_html  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402

from campaigns.services.sending import layout, render  # noqa: E402
from campaigns.services.sending.render import render_for  # noqa: E402
from campaigns.templating import CompiledCreative  # noqa: E402

PARAGRAPH = (
    '<p dir="rtl">سلام {{ customer.first_name }} عزیز، فروش بهاره شروع شد: تخفیف ۲۰٪ روی چای سبز لاهیجان، '
    'زعفران قائنات و شیرینی‌های یزدی تا پایان اسفند. <a href="https://shop.example.ir/offers/{n}">خرید کنید</a></p>'
)
BODY = "".join(PARAGRAPH.replace("{n}", str(n)) for n in range(20))


def plain_document(*, body: str, language: str, footer: str, pixel: str = "", preheader: str = "") -> str:
    """The frame every e-mail had before MJML (the baseline)."""
    direction = "rtl" if language in layout.RTL_LANGUAGES else "ltr"
    align = "right" if direction == "rtl" else "left"
    hidden = (
        format_html(
            '<div style="display:none;max-height:0;overflow:hidden;mso-hide:all" aria-hidden="true">{}{}</div>',
            preheader,
            mark_safe(layout.PREHEADER_PAD),
        )
        if preheader
        else ""
    )
    return (
        f'<!DOCTYPE html><html lang="{language}" dir="{direction}"><head><meta charset="utf-8"></head>'
        f'<body dir="{direction}" style="direction:{direction};text-align:{align}">'
        f"{hidden}{body}{footer}{pixel}</body></html>"
    )


def compiled_each_time(**kwargs: str) -> str:
    layout._frame.cache_clear()
    return layout.email_document(**kwargs)


def median_ms(call, runs):
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for i in range(runs // 5):
            call(i)
        times.append((time.perf_counter() - start) * 1000 / (runs // 5))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    compiled = CompiledCreative(
        subject="نوروز", html_body=BODY, text_body="", preheader="تخفیف {{ customer.first_name }}"
    )
    links = {f"https://shop.example.ir/offers/{n}": n + 1 for n in range(20)}

    def message(i):
        return render_for(
            compiled=compiled,
            context={"customer": {"first_name": f"زهرا{i}"}, "occasions": [], "occasion": {}},
            language="fa",
            campaign_id=1,
            customer_id=i + 1,
            creative_id=1,
            links=links,
        )

    sizes = {}

    def timed(document, runs):
        render.email_document = document  # type: ignore[attr-defined]
        sizes[document.__name__] = len(message(0).html)
        return median_ms(message, runs)

    mjml = timed(layout.email_document, args.runs)
    plain = timed(plain_document, args.runs)
    fresh = timed(compiled_each_time, max(args.runs // 10, 5))
    render.email_document = layout.email_document  # type: ignore[attr-defined]
    print(f"message size: plain {sizes['plain_document']} B, MJML {sizes['email_document']} B")
    print(
        f"MJML: {mjml / plain:.2f} x with the MJML frame / plain frame (plain {plain:.3f} ms, MJML {mjml:.3f} ms per "
        f"message; compiling the frame for each message: {fresh:.3f} ms = {fresh / plain:.2f} x)"
    )


if __name__ == "__main__":
    main()
