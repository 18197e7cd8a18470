"""The REST API's list and write throughput vs bare Django REST framework views in the same run.

    .venv/bin/python bench/api.py            # 2,000 requests per endpoint
    .venv/bin/python bench/api.py --quick    # 300

In one process, through Django's test client (the whole middleware stack, no network), on a throwaway SQLite file
under var/bench with 500 products and 500 customers:

- list: ``GET /api/v1/products/?page_size=50`` (key, scope, rate limit in the cache, ``updated_after`` filter,
  cursor page) against a bare ``ListAPIView`` of the same 50 products (no authentication, no paging);
- write: ``POST /api/v1/customers/`` with an ``Idempotency-Key`` (a new customer each time, found or created by
  preparation's service, the answer stored for replays) against a bare ``APIView`` calling the same service with
  the same serializers (what the API adds: key, scope, rate limit, idempotency);
- replay: the same POST sent again with its key (answered from the stored response).

Each pair runs in five short rounds in alternating order (the machine may be shared). The last line is
``API: list <ratio> x, write <ratio> x, replay <ratio> x`` (time per request, API over bare).
"""

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = ROOT / "var" / "bench" / "api.sqlite3"


def setup():
    DB.parent.mkdir(parents=True, exist_ok=True)
    DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)


def bare_urls():
    from rest_framework import generics, permissions, serializers, views
    from rest_framework.response import Response

    from customers.api.serializers import CustomerInput, CustomerSerializer
    from customers.selectors import customers_for_api
    from customers.services import customer_get_or_create
    from orders.models import Product

    class ProductOut(serializers.ModelSerializer):
        class Meta:
            model = Product
            fields = ("id", "sku", "name", "category", "price", "currency", "launched_on", "is_active", "updated_at")

    class BareList(generics.ListAPIView):
        authentication_classes, permission_classes, throttle_classes = [], [permissions.AllowAny], []
        pagination_class = None
        serializer_class = ProductOut

        def get_queryset(self):
            return Product.objects.order_by("updated_at", "pk")[:50]

    class BareCreate(views.APIView):
        """The same service as the API's customer create, without key, scope, rate limit or idempotency."""

        authentication_classes, permission_classes, throttle_classes = [], [permissions.AllowAny], []

        def post(self, request):
            data = CustomerInput(data=request.data)
            data.is_valid(raise_exception=True)
            customer, _created = customer_get_or_create(
                email=data.validated_data["email"], first_name=data.validated_data["first_name"]
            )
            return Response(CustomerSerializer(customers_for_api().get(pk=customer.pk)).data, status=201)

    from django.urls import include, path

    return [
        path("bench/bare/products/", BareList.as_view()),
        path("bench/bare/create/", BareCreate.as_view()),
        path("", include("emarketing.urls")),
    ]


urlpatterns: list = []


def timed(fn, n):
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    per = 300 if args.quick else 2000
    setup()
    global urlpatterns
    urlpatterns = bare_urls()
    from django.conf import settings

    settings.ROOT_URLCONF = __name__
    from django.test import Client

    from customers.models import Customer
    from emarketing.api.scopes import resources
    from emarketing.api.services import api_key_create
    from orders.models import Product

    Product.objects.bulk_create(
        [Product(sku=f"B-{i:05d}", name=f"Product {i}", price=10) for i in range(500)], batch_size=500
    )
    Customer.objects.bulk_create(
        [Customer(first_name="C", email=f"c{i}@bench.example") for i in range(500)], batch_size=500
    )
    _key, token = api_key_create(
        name="bench", scopes=[value for value, _label in resources.scope_choices()], rate_limit=0
    )
    client = Client()
    auth = {"Authorization": f"Bearer {token}"}
    run = uuid.uuid4().hex[:8]
    counter = {"api": 0, "bare": 0}

    def api_list(i):
        assert client.get("/api/v1/products/", {"page_size": 50}, headers=auth).status_code == 200

    def bare_list(i):
        assert client.get("/bench/bare/products/").status_code == 200

    def api_write(i):
        counter["api"] += 1
        n = counter["api"]
        body = {"email": f"w{run}{n}@bench.example", "first_name": "W"}
        answer = client.post(
            "/api/v1/customers/",
            body,
            content_type="application/json",
            headers={**auth, "Idempotency-Key": f"{run}-{n}"},
        )
        assert answer.status_code == 201, answer.content

    def bare_write(i):
        counter["bare"] += 1
        body = {"email": f"b{run}{counter['bare']}@bench.example", "first_name": "B"}
        assert client.post("/bench/bare/create/", body, content_type="application/json").status_code == 201

    replay_body = {"email": f"replay{run}@bench.example", "first_name": "R"}

    def api_replay(i):
        answer = client.post(
            "/api/v1/customers/",
            replay_body,
            content_type="application/json",
            headers={**auth, "Idempotency-Key": f"{run}-replay"},
        )
        assert answer.status_code == 201

    for fn in (api_list, bare_list, api_write, bare_write, api_replay):  # warm up
        for i in range(5):
            fn(i)
    rounds = 5
    totals = dict.fromkeys(("api_list", "bare_list", "api_write", "bare_write", "api_replay"), 0.0)
    for r in range(rounds):
        order = [("api_list", api_list), ("bare_list", bare_list)]
        writes = [("api_write", api_write), ("bare_write", bare_write), ("api_replay", api_replay)]
        if r % 2:
            order.reverse()
            writes.reverse()
        for name, fn in order + writes:
            totals[name] += timed(fn, per // rounds)
    n = rounds * (per // rounds)
    per_ms = {name: 1000 * total / n for name, total in totals.items()}
    for name, ms in per_ms.items():
        print(f"{name:11s} {ms:7.3f} ms/request  {1000 / ms:8.0f} requests/s")
    ratio = {
        "list": per_ms["api_list"] / per_ms["bare_list"],
        "write": per_ms["api_write"] / per_ms["bare_write"],
        "replay": per_ms["api_replay"] / per_ms["bare_write"],
    }
    print(f"API: list {ratio['list']:.2f} x, write {ratio['write']:.2f} x, replay {ratio['replay']:.2f} x")


if __name__ == "__main__":
    main()
