"""Admin sign-in throttling (django-axes): wrong passwords lock the user name and the address out, with a clear page
in the reader's language, for every process alike; staff unlock in the admin."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(settings):
    settings.AXES_FAILURE_LIMIT = 5
    user = UserFactory(username="sara", is_staff=True)
    user.set_password("the right one")
    user.save()
    return user


def sign_in(client, username, password, address="203.0.113.7", language="en"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_the_right_password_after_too_many_wrong_ones_is_refused_until_unlocked(client, staff):
    for _attempt in range(4):
        assert sign_in(client, "sara", "wrong").status_code == 200  # the form again, with its error
    locked = sign_in(client, "sara", "wrong")
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()

    refused = sign_in(client, "sara", "the right one")
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session

    AccessAttempt.objects.all().delete()  # what "unlock" in the admin does
    assert sign_in(client, "sara", "the right one").status_code == 302


def test_an_address_trying_many_user_names_is_locked_out_too(client, staff):
    for number in range(5):
        sign_in(client, f"someone{number}", "guess", address="198.51.100.9")

    assert sign_in(client, "sara", "the right one", address="198.51.100.9").status_code == 429
    # Another address is not locked out: the person can still sign in from their own.
    assert sign_in(client, "sara", "the right one", address="203.0.113.7").status_code == 302


def test_the_locked_out_page_speaks_persian(client, staff):
    for _attempt in range(5):
        sign_in(client, "sara", "wrong", language="fa")

    page = sign_in(client, "sara", "wrong", language="fa").content.decode()
    assert 'dir="rtl"' in page
    assert "Too many wrong passwords" not in page
    assert "۳۰" in page  # the wait, in Persian digits


def test_a_right_password_clears_the_count(client, staff):
    for _attempt in range(4):
        sign_in(client, "sara", "wrong")
    assert sign_in(client, "sara", "the right one").status_code == 302
    client.logout()
    for _attempt in range(4):
        assert sign_in(client, "sara", "wrong").status_code == 200
