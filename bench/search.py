"""The help search over 100,000 questions and information pages on PostgreSQL, against a bare indexed lookup of the
same table in the same run; and the public FAQ page against the contact form's page.

    .venv/bin/python bench/search.py                    # 90,000 questions + 10,000 information pages
    .venv/bin/python bench/search.py --questions 20000 --pages 2000 --searches 200
    .venv/bin/python bench/search.py --reuse            # the documents of the last run, searched again

The documents are written by the product's own indexer (``help_index_rebuild``: folded text, stored tsvector),
their words drawn from English, Persian and Arabic vocabularies with a Zipf-like skew, so some words are in a
third of the documents (the costly case for ranking) and most are rare. The searches are one- and two-word
queries, a third of them typed with the other script's letter variants (ي/ك for ی/ک) or a zero-width non-joiner,
a third of them prefixes; each runs ``aftersales.selectors_community.help_search`` (match, rank, the reader's
language first, the top 20). The baseline is one primary-key look-up of a document (the same columns), the least
any read of that table costs. Both run interleaved, after a warm-up, so they meet the same load on a shared machine.

Then the pages through Django's test client: ``/help/`` (FAQ by topic, recent questions: a fixed number of
queries) and ``/help/search/?q=…``, against ``/contact/`` (a form page with no query) as the baseline.

Uses the PostgreSQL database ``bench_search`` (created when missing) unless DATABASE_URL is set. Last line:
``search: p95 MS ms (bare look-up MS ms, ratio R×); /help/ p95 MS ms (/contact/ MS ms, R×); …``
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_search")


def _ensure_database() -> None:
    import psycopg2

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    base, name = url.rsplit("/", 1)
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


_ensure_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.models import CommunityAnswer, CommunityQuestion, FaqEntry, HelpDocument, ModerationStatus  # noqa: E402
from aftersales.selectors_community import help_search  # noqa: E402
from aftersales.services.help_search import help_index_rebuild  # noqa: E402
from campaigns.models import Campaign, Creative, CreativeKind, Topic  # noqa: E402

BATCH = 5000


def _vocabulary(words: str) -> list[str]:
    return words.split()


ENGLISH = _vocabulary(
    "delivery order price gift tea rug lamp bowl perfume soap book card payment refund return size colour "
    "warranty wrap box city courier track week cash discount member points saffron dates pistachio kilim copper "
    "ceramic rose olive calligraphy friday holiday invoice address phone change cancel exchange damaged late early"
)
PERSIAN = _vocabulary(
    "ارسال سفارش قیمت هدیه چای گلیم فانوس کاسه عطر صابون کتاب کارت پرداخت بازگشت اندازه رنگ گارانتی کادو جعبه "
    "شهر پیک پیگیری هفته نقدی تخفیف امتیاز زعفران خرما پسته مسی سرامیک گلاب زیتون خوشنویسی جمعه تعطیلات فاکتور "
    "نشانی تلفن تغییر لغو تعویض آسیب‌دیده دیر زود کیفیت مشتری"
)
ARABIC = _vocabulary(
    "توصيل طلب سعر هدية شاي سجادة فانوس وعاء عطر صابون كتاب بطاقة دفع استرجاع مقاس لون ضمان تغليف علبة مدينة "
    "مندوب تتبع أسبوع نقدا خصم نقاط زعفران تمر فستق نحاس خزف ماء ورد زيتون خط جمعة عطلة فاتورة عنوان هاتف تغيير "
    "إلغاء استبدال تالف متأخر مبكر جودة عميل"
)
VOCABULARY = {"en": ENGLISH, "fa": PERSIAN, "ar": ARABIC}
# The other script's spelling of the same letters, as a reader may type it.
VARIANTS = str.maketrans({"ی": "ي", "ک": "ك", "ي": "ی", "ك": "ک"})


def _words(rng: random.Random, language: str, count: int) -> str:
    vocabulary = VOCABULARY[language]
    # Zipf-like: the first words of each vocabulary are common, the last ones rare.
    picks = [vocabulary[min(int(rng.paretovariate(1.1)) - 1, len(vocabulary) - 1)] for _ in range(count)]
    return " ".join(picks)


def build(questions: int, pages: int, seed: int) -> float:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(seed)
    languages = ["en", "fa", "ar"]
    topics = [
        Topic.objects.create(name=f"Topic {n}", slug=f"bench-topic-{n}", name_fa=f"موضوع {n}", name_ar=f"موضوع {n}")
        for n in range(12)
    ]
    campaign = Campaign.objects.create(name="Information pages")
    now = timezone.now()
    for start in range(0, questions, BATCH):
        rows = []
        for _ in range(min(BATCH, questions - start)):
            language = rng.choice(languages)
            rows.append(
                CommunityQuestion(
                    title=_words(rng, language, rng.randint(4, 9)),
                    body=_words(rng, language, rng.randint(15, 40)),
                    language=language,
                    asker_name="Bench",
                    status=ModerationStatus.APPROVED,
                    topic=rng.choice(topics),
                    created_at=now,
                )
            )
        created = CommunityQuestion.objects.bulk_create(rows)
        # One question in three has an answer from the team (its words are searched with the question's).
        CommunityAnswer.objects.bulk_create(
            CommunityAnswer(
                question=question,
                body=_words(rng, question.language, rng.randint(10, 30)),
                author_name="Team",
                status=ModerationStatus.APPROVED,
                created_at=now,
            )
            for question in created[::3]
        )
    for start in range(0, pages, BATCH):
        rows = []
        for n in range(min(BATCH, pages - start)):
            language = rng.choice(languages)
            rows.append(
                Creative(
                    campaign=campaign,
                    kind=CreativeKind.INFO_PAGE,
                    topic=rng.choice(topics),
                    language=language,
                    name=f"Page {start + n}",
                    subject=_words(rng, language, 5),
                    html_body="<p>" + _words(rng, language, rng.randint(60, 150)) + "</p>",
                )
            )
        Creative.objects.bulk_create(rows)
    # The demo FAQ: about 40 entries in three languages, over the topics.
    for n in range(40):
        FaqEntry.objects.create(
            topic=topics[n % len(topics)],
            position=n,
            title=_words(rng, "en", 6) + "?",
            answer=_words(rng, "en", 40),
            title_fa=_words(rng, "fa", 6) + "؟",
            answer_fa=_words(rng, "fa", 40),
            title_ar=_words(rng, "ar", 6) + "؟",
            answer_ar=_words(rng, "ar", 40),
            published=True,
        )
    started = time.perf_counter()
    help_index_rebuild()
    took = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return took


def queries(rng: random.Random, count: int) -> list[tuple[str, str]]:
    found = []
    for n in range(count):
        language = rng.choice(["en", "fa", "ar"])
        vocabulary = VOCABULARY[language]
        words = [rng.choice(vocabulary) for _ in range(rng.choice([1, 1, 2]))]
        if n % 3 == 1:
            words = [w[: max(2, len(w) - 2)] for w in words]  # the start of a word
        query = " ".join(words)
        if n % 3 == 2 and language != "en":
            query = query.translate(VARIANTS)
        found.append((query, language))
    return found


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=90_000)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="search the documents of the last run (no rebuild)")
    args = parser.parse_args()
    settings.DEBUG = False
    settings.HELP_SEARCH_RATE_LIMIT = 0
    settings.ALLOWED_HOSTS = ["*"]

    if args.reuse and HelpDocument.objects.exists():
        documents = HelpDocument.objects.count()
        print(f"{documents:,} documents ({connection.vendor}), from the last run")
    else:
        indexing = build(args.questions, args.pages, args.seed)
        documents = HelpDocument.objects.count()
        print(f"{documents:,} documents ({connection.vendor}), indexed in {indexing:.1f}s")

    rng = random.Random(args.seed + 1)
    searches = queries(rng, args.searches)
    ids = list(HelpDocument.objects.values_list("pk", flat=True))
    fields = ("kind", "language", "title", "excerpt", "link", "faq_id", "question_id", "page_id")

    def lookup():
        HelpDocument.objects.only(*fields).filter(pk=rng.choice(ids)).first()

    hits = []
    for query, language in searches[:20]:  # warm-up
        help_search(query=query, language=language)
        lookup()
    search_times, lookup_times = [], []
    for query, language in searches:
        started = time.perf_counter()
        hits.append(len(help_search(query=query, language=language)))
        search_times.append(time.perf_counter() - started)
        lookup_times.append(timed(lookup))
        reset_queries()
    empty = sum(1 for h in hits if h == 0)
    print(
        f"search: p95 {p95(search_times):.1f} ms, median {statistics.median(search_times) * 1000:.1f} ms over "
        f"{len(searches)} queries ({empty} found nothing); bare look-up p95 {p95(lookup_times):.2f} ms"
    )

    client = Client()
    client.get("/help/")
    client.get("/contact/")
    counted: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *rest: counted.append(sql) or execute(sql, *rest)):
        assert client.get("/help/").status_code == 200
    page_times, contact_times, search_page_times = [], [], []
    for n in range(args.requests):
        page_times.append(timed(lambda: client.get("/help/")))
        contact_times.append(timed(lambda: client.get("/contact/")))
        query, _language = searches[n % len(searches)]
        search_page_times.append(timed(lambda q=query: client.get("/help/search/", {"q": q})))
    print(
        f"/help/: p95 {p95(page_times):.1f} ms with {len(counted)} queries; /help/search/ p95 "
        f"{p95(search_page_times):.1f} ms; /contact/ p95 {p95(contact_times):.1f} ms"
    )
    print(
        f"search: p95 {p95(search_times):.1f} ms (bare look-up {p95(lookup_times):.2f} ms, ratio "
        f"{p95(search_times) / p95(lookup_times):.0f}×); /help/ p95 {p95(page_times):.1f} ms (/contact/ "
        f"{p95(contact_times):.1f} ms, {p95(page_times) / p95(contact_times):.1f}×); /help/search/ p95 "
        f"{p95(search_page_times):.1f} ms; {documents:,} documents"
    )


if __name__ == "__main__":
    main()
