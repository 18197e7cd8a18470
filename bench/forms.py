"""The capture form's public page (``/f/tea-club/``) on the demo data: p95 of GET (show) and POST (send) against
bare views in the same run, and the queries of each.

    .venv/bin/python bench/forms.py             # 1,000 requests of each kind, demo data of 300 customers
    .venv/bin/python bench/forms.py --quick     # 200, demo data of 100 customers

In one process, through Django's test client (the whole middleware stack, no network), on a throwaway SQLite file
under var/bench filled by ``seed_demo``:

- show: ``GET /f/tea-club/?lang=fa`` (the form, its texts and wordings, the topics, the day's view counter, a
  signed render token, the page in Persian, right to left) against a bare view that renders a plain Django form of
  the same two required fields through the same page template's base (no query);
- send: ``POST /f/tea-club/?lang=fa`` (size check, rate limits per network address and per e-mail address in the
  cache, the signed token read and marked used, validation, a new lead, its submission, the counter, the
  confirmation e-mail queued) against a bare view that validates the same two fields and creates the customer with
  preparation's ``customer_get_or_create``. The e-mail itself is sent by a worker, not in the request: its task is
  left out here (the row that queues it is written).

The pairs run in five rounds in alternating order (the machine may be shared). The last line is
``forms: show p95 <ms> ms (<ratio> x bare), send p95 <ms> ms (<ratio> x bare), queries show <n>, send <n>``.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = ROOT / "var" / "bench" / "forms.sqlite3"


def setup(customers: int) -> None:
    DB.parent.mkdir(parents=True, exist_ok=True)
    DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.FORMS_MIN_SECONDS = 0  # the bench sends at once
    settings.FORMS_RATE_PER_IP = 0  # no limit: every request comes from one address here (the check still runs)
    settings.FORMS_RATE_PER_ADDRESS = 10
    call_command("migrate", verbosity=0)
    call_command("seed_demo", customers=customers, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def bare_urls():
    from django import forms
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    from customers.services import customer_get_or_create
    from emarketing.contacts import EmailAddressField

    class Bare(forms.Form):
        first_name = forms.CharField(max_length=100)
        email = EmailAddressField()

    # The form page's own base, a plain form in it.
    page = engines["django"].from_string(
        '{% extends "customers/form_base.html" %}{% load crispy_forms_tags %}'
        '{% block content %}<form method="post">{{ form|crispy }}<button>Send</button></form>{% endblock %}'
    )

    @csrf_exempt
    def bare(request):
        if request.method == "POST":
            form = Bare(request.POST)
            assert form.is_valid(), form.errors
            customer_get_or_create(email=form.cleaned_data["email"], first_name=form.cleaned_data["first_name"])
            return HttpResponse("Thank you")
        return HttpResponse(page.render({"form": Bare()}, request))

    return [path("bench/bare/", bare), path("", include("emarketing.urls"))]


urlpatterns: list = []


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    per = 200 if args.quick else 1000
    setup(100 if args.quick else 300)
    global urlpatterns
    urlpatterns = bare_urls()
    from django.conf import settings

    settings.ROOT_URLCONF = __name__
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import campaigns.tasks
    from customers.capture import render_token
    from customers.models import CaptureForm

    campaigns.tasks.send_form_confirmations.delay = lambda *a, **k: None  # the worker's job, not the request's
    form = CaptureForm.objects.get(slug="tea-club")
    client = Client()
    url = "/f/tea-club/?lang=fa"
    run = uuid.uuid4().hex[:8]
    count = {"form": 0, "bare": 0}

    def show():
        assert client.get(url).status_code == 200

    def bare_show():
        assert client.get("/bench/bare/").status_code == 200

    def send():
        count["form"] += 1
        token, _challenge = render_token(form, now=time.time() - 10)
        data = {"first_name": "سارا", "email": f"f{run}{count['form']}@bench.example", "token": token}
        answer = client.post(url, data)
        assert answer.status_code == 200, answer.content[:500]

    def bare_send():
        count["bare"] += 1
        data = {"first_name": "سارا", "email": f"b{run}{count['bare']}@bench.example"}
        assert client.post("/bench/bare/", data).status_code == 200

    kinds = {"show": show, "bare_show": bare_show, "send": send, "bare_send": bare_send}
    for fn in kinds.values():  # warm up
        for _ in range(10):
            fn()
    queries = {}
    for name, fn in kinds.items():
        with CaptureQueriesContext(connection) as captured:
            fn()
        queries[name] = len(captured)
    samples: dict[str, list[float]] = {name: [] for name in kinds}
    rounds = 5
    for r in range(rounds):
        order = list(kinds.items())
        if r % 2:
            order.reverse()
        for name, fn in order:
            for _ in range(per // rounds):
                started = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - started)
    result = {name: p95(values) for name, values in samples.items()}
    for name in kinds:
        median = statistics.median(samples[name]) * 1000
        print(f"{name:10s} p95 {result[name]:7.2f} ms  median {median:7.2f} ms  queries {queries[name]}")
    print(
        f"forms: show p95 {result['show']:.1f} ms ({result['show'] / result['bare_show']:.2f} x bare), "
        f"send p95 {result['send']:.1f} ms ({result['send'] / result['bare_send']:.2f} x bare), "
        f"queries show {queries['show']}, send {queries['send']}"
    )


if __name__ == "__main__":
    main()
