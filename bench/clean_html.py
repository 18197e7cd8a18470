"""What cleaning marketers' HTML (campaigns.html, nh3) adds to each message: a creative's HTML template rendered
alone, then through ``CompiledCreative.render`` (rendered and cleaned) for customers of different names, and for
customers who all read the same (cleaned once, then remembered), on a Persian newsletter of tables, inline styles,
images and links of about 5 KB and about 50 KB.

    .venv/bin/python bench/clean_html.py            # 2000 runs each
    .venv/bin/python bench/clean_html.py --runs 10000

The baseline is the template rendered alone, in the same run on the same newsletter; the ratios are the time with
cleaning over it (a name per customer, and the same for all). Last line: ``clean_html: R x with cleaning /
template alone for a personalised message of 50 KB (template T ms, with cleaning C ms, +X ms; S ms = R2 x when
every customer reads the same; 5 KB: ...)``.
"""

import argparse
import itertools
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

from django.template import Context  # noqa: E402

from campaigns.templating import CompiledCreative  # noqa: E402

ROW = """
<tr>
  <td width="200" valign="top" style="padding: 12px">
    <img src="https://cdn.shop.example.ir/spring/{n}.jpg" alt="چای سبز" width="180" height="120" border="0"
         style="display: block; max-width: 100%; height: auto">
  </td>
  <td valign="top" align="right" style="padding: 12px; font-size: 15px; line-height: 1.8; color: #333333">
    <h2 style="margin: 0 0 8px 0; font-size: 18px">چای سبز لاهیجان {n}</h2>
    <p style="margin: 0">سلام <bdi>{{{{ customer.first_name }}}}</bdi> عزیز، تخفیف ۲۰٪ تا پایان اسفند.</p>
    <p style="text-align: center; margin: 16px 0">
      <a href="https://shop.example.ir/offers/{n}?utm_source=email&amp;utm_medium=newsletter" target="_blank"
         style="background-color: #2e7d32; color: #ffffff; padding: 10px 24px; text-decoration: none">خرید کنید</a>
    </p>
  </td>
</tr>"""


def newsletter(rows):
    body = "".join(ROW.format(n=n) for n in range(rows))
    return (
        '<table role="presentation" width="100%" dir="rtl" lang="fa" style="direction: rtl; border-collapse: '
        f'collapse"><tbody>{body}</tbody></table>'
    )


def median_ms(call, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    names = itertools.cycle(["زهرا", "علی", "مریم", "محمد", "فاطمه", "حسین", "سارا"])
    sizes = []
    for rows in (6, 60):
        compiled = CompiledCreative(subject="بهار", html_body=newsletter(rows), text_body="")
        assert compiled.html is not None
        template = compiled.html

        def context(name):
            return {"customer": {"first_name": name, "last_name": ""}}

        size = len(template.render(Context(context("زهرا"), autoescape=True)).encode()) / 1024
        bare = median_ms(lambda t=template: t.render(Context(context(next(names)), autoescape=True)), args.runs)
        each = median_ms(lambda c=compiled: c.render(context(next(names))), args.runs)
        same = median_ms(lambda c=compiled: c.render(context("زهرا")), args.runs)
        print(
            f"{size:.0f} KB: template alone {bare:.3f} ms; rendered and cleaned, a name per customer {each:.3f} ms "
            f"= {each / bare:.2f} x, the same for all {same:.3f} ms = {same / bare:.2f} x (median of {args.runs})"
        )
        sizes.append((size, bare, each, same))
    (small, small_bare, small_each, small_same), (size, bare, each, same) = sizes
    print(
        f"clean_html: {each / bare:.2f} x with cleaning / template alone for a personalised message of {size:.0f} KB "
        f"(template {bare:.3f} ms, with cleaning {each:.3f} ms, +{each - bare:.3f} ms; {same:.3f} ms = "
        f"{same / bare:.2f} x when every customer reads the same; {small:.0f} KB: {small_each / small_bare:.2f} x "
        f"({small_bare:.3f} vs {small_each:.3f} ms), the same for all {small_same / small_bare:.2f} x; median of "
        f"{args.runs})"
    )


if __name__ == "__main__":
    main()
