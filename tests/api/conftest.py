import pytest

from emarketing.api.scopes import resources
from emarketing.api.services import api_key_create

ALL_SCOPES = [value for value, _label in resources.scope_choices()]


@pytest.fixture
def make_key(db):
    def make(scopes=None, **kwargs):
        key, token = api_key_create(
            name=kwargs.pop("name", "Shop"), scopes=ALL_SCOPES if scopes is None else scopes, **kwargs
        )
        return key, token

    return make


@pytest.fixture
def api(client, make_key):
    """A client calling the API with a key that has every scope."""
    _key, token = make_key()
    return Caller(client, token)


class Caller:
    def __init__(self, client, token):
        self.client, self.token = client, token

    def headers(self, extra=None):
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, url, params=None, **headers):
        return self.client.get(url, params or {}, headers=self.headers(headers))

    def post(self, url, body, **headers):
        return self.client.post(url, body, content_type="application/json", headers=self.headers(headers))

    def patch(self, url, body, **headers):
        return self.client.patch(url, body, content_type="application/json", headers=self.headers(headers))
