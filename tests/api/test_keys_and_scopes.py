"""API keys: hashed at rest, scoped per resource read or write, revocable, rate-limited in the shared cache; every
error in one shape."""

import pytest
from django.core.cache import cache

from emarketing.api.models import ApiKey
from emarketing.api.services import api_key_revoke, token_hash
from tests.api.conftest import Caller
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"error", "message", "fields"}


def test_the_token_is_not_stored_only_its_hash(make_key):
    key, token = make_key(scopes=["customers:read"])
    stored = ApiKey.objects.get(pk=key.pk)
    assert token.startswith(f"emk_{stored.prefix}_")
    assert stored.hashed == token_hash(token)
    assert token not in str(list(ApiKey.objects.values()))


def test_no_key_wrong_key_and_revoked_key_are_refused_in_the_error_shape(client, make_key):
    answer = client.get("/api/v1/customers/")
    assert answer.status_code == 401
    assert set(answer.json()) == ERROR_KEYS
    assert answer.json()["error"] == "not_authenticated"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")

    key, token = make_key()
    wrong = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    answer = client.get("/api/v1/customers/", headers={"Authorization": f"Bearer {wrong}"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "authentication_failed"

    assert client.get("/api/v1/customers/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    api_key_revoke(key=key)
    assert client.get("/api/v1/customers/", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_scope_not_given_is_refused_with_403(client, make_key):
    _key, token = make_key(scopes=["customers:read"])
    caller = Caller(client, token)
    assert caller.get("/api/v1/customers/").status_code == 200
    answer = caller.get("/api/v1/orders/")
    assert answer.status_code == 403
    assert answer.json()["error"] == "permission_denied"
    assert "orders:read" in answer.json()["message"]
    answer = caller.post("/api/v1/customers/", {"email": "new@example.com", "first_name": "Sara"})
    assert answer.status_code == 403
    assert "customers:write" in answer.json()["message"]


def test_validation_errors_name_each_field(api):
    answer = api.post("/api/v1/customers/", {"first_name": "", "consent": {"pigeon": True}})
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid"
    assert set(body["fields"]) >= {"email", "first_name", "consent"}


def test_an_unknown_row_is_404_in_the_error_shape(api):
    answer = api.get("/api/v1/customers/999999/")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_errors_speak_the_requests_language(api):
    answer = api.get("/api/v1/customers/999999/", **{"Accept-Language": "fa"})
    assert answer.status_code == 404
    assert answer.headers["Content-Language"] == "fa"


def test_each_key_has_its_own_rate_limit_counted_in_the_shared_cache(client, make_key):
    _key, token = make_key(scopes=["customers:read"], rate_limit=3)
    _other, other_token = make_key(scopes=["customers:read"])
    caller, other = Caller(client, token), Caller(client, other_token)
    assert [caller.get("/api/v1/customers/").status_code for _ in range(3)] == [200, 200, 200]
    refused = caller.get("/api/v1/customers/")
    assert refused.status_code == 429
    assert refused.json()["error"] == "throttled"
    assert int(refused.headers["Retry-After"]) >= 0
    # Another key is not held back.
    assert other.get("/api/v1/customers/").status_code == 200


def test_the_count_is_kept_in_the_cache_every_process_shares(client, make_key, settings, tmp_path):
    """A file cache, as on one host: what one process counted, another one reads (a fresh cache object here)."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    _key, token = make_key(scopes=["customers:read"], rate_limit=2)
    caller = Caller(client, token)
    assert [caller.get("/api/v1/customers/").status_code for _ in range(2)] == [200, 200]
    caches._connections.default = None  # another process: nothing of the count kept in memory
    del caches._connections.default
    assert caller.get("/api/v1/customers/").status_code == 429
    cache.clear()
    assert caller.get("/api/v1/customers/").status_code == 200


def test_last_use_is_noted(client, make_key):
    key, token = make_key()
    assert key.last_used_at is None
    Caller(client, token).get("/api/v1/customers/")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_customers_list_with_consent_and_occasions(api):
    from tests.customers.factories import ConsentFactory, OccasionFactory

    customer = CustomerFactory(persian=True)
    ConsentFactory(customer=customer, channel="email", granted=True)
    OccasionFactory(customer=customer, kind="birthday", month=3, day=21)
    body = api.get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["consent"] == {"email": True}
    assert body["occasions"][0]["month"] == 3
    assert body["first_name"] == customer.first_name


def test_a_path_naming_nothing_is_a_404_in_the_error_shape(api):
    for path in ("/api/v1/customers/abc/", "/api/v1/nothing-here/"):
        answer = api.get(path)
        assert answer.status_code == 404
        assert answer.json()["error"] == "not_found"
    assert api.post("/api/v1/customers/abc/consent/", {}).status_code == 404


def test_a_key_made_in_the_admin_shows_its_token_once(admin_client):
    answer = admin_client.post(
        "/admin/api/apikey/add/",
        {"name": "Shop", "scopes": ["orders:read", "customers:write"], "rate_limit": 120},
        follow=True,
    )
    assert answer.status_code == 200
    key = ApiKey.objects.get()
    shown = [str(m) for m in answer.context["messages"]]
    token = next(word for text in shown for word in text.split() if word.startswith("emk_"))
    assert key.hashed == token_hash(token)
    assert key.scopes == ["customers:write", "orders:read"]
    page = admin_client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert token not in page
    assert key.prefix in page


def test_revoking_in_the_admin(admin_client, make_key):
    key, token = make_key()
    admin_client.post("/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert admin_client.get("/api/v1/customers/", headers={"Authorization": f"Bearer {token}"}).status_code == 401
