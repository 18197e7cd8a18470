"""DKIM signing of one message: the product's Signer (dkimpy's canonicalisation and hashing, the RSA signature
by OpenSSL) against dkimpy's own ``dkim.sign`` (pure-Python RSA), on a multipart Persian message of about 20 KB
built by the sending pipeline's MIME layer, with a 2048-bit key.

    .venv/bin/python bench/dkim_sign.py            # 500 runs of the Signer, 100 of dkim.sign
    .venv/bin/python bench/dkim_sign.py --runs 2000

Both signatures are verified with dkimpy first. Last line: ``dkim_sign: RATIO x (details)``, RATIO being the
median time of dkim.sign over the median time of Signer.sign.
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

import dkim  # noqa: E402

from campaigns.services.domains import _key_pair  # noqa: E402
from campaigns.services.sending.dkim import Signer  # noqa: E402
from campaigns.services.sending.mime import message_bytes  # noqa: E402
from campaigns.services.sending.render import Rendered  # noqa: E402


def median_ms(call, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--dkimpy-runs", type=int, default=100)
    args = parser.parse_args()

    pem, public = _key_pair()
    signer = Signer.from_pem(domain="shop.example", selector="em202612a", pem=pem)
    paragraph = "سلام زهرا، زعفران تازهٔ قائنات رسید؛ این هفته با ارسال رایگان به سراسر ایران. "
    rendered = Rendered(
        subject="پیشنهاد ویژهٔ زمستان برای مشتریان وفادار فروشگاه زعفران و چای ایرانی — فقط تا پایان هفته",
        html="".join(f"<p dir='rtl'>{paragraph}</p>" for _ in range(48)),
        text=paragraph * 48,
        headers={
            "List-Unsubscribe": "<https://shop.example/u/abc123>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": "fa",
        },
    )
    message = message_bytes(rendered, from_email="Saffron Shop <news@shop.example>", to="zahra@example.com")
    record = f"v=DKIM1; k=rsa; p={public}".encode()

    def dnsfunc(name, timeout=5):
        return record

    ours = signer.sign(message)
    theirs = dkim.sign(message, b"em202612a", b"shop.example", pem.encode(), canonicalize=(b"relaxed", b"relaxed"))
    assert dkim.verify(ours + message, dnsfunc=dnsfunc) and dkim.verify(theirs + message, dnsfunc=dnsfunc)

    signer_ms = median_ms(lambda: signer.sign(message), args.runs)
    dkimpy_ms = median_ms(
        lambda: dkim.sign(message, b"em202612a", b"shop.example", pem.encode(), canonicalize=(b"relaxed", b"relaxed")),
        args.dkimpy_runs,
    )
    print(f"message: {len(message):,} bytes")
    print(f"Signer.sign: median {signer_ms:.3f} ms over {args.runs} runs")
    print(f"dkim.sign:   median {dkimpy_ms:.3f} ms over {args.dkimpy_runs} runs")
    print(f"dkim_sign: {dkimpy_ms / signer_ms:.1f} x (Signer {signer_ms:.3f} ms, dkim.sign {dkimpy_ms:.3f} ms)")


if __name__ == "__main__":
    main()
