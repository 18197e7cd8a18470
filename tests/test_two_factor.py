"""Two-factor sign-in for staff: a code from an authenticator app (or a backup code, once) after the password for
whoever has set one up; superusers in production must set one up before anything else; too many wrong codes lock
out like wrong passwords; managers remove a lost device, and that is in the audit log."""

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from emarketing.digits import to_script_digits
from emarketing.two_factor.services import backup_codes_make
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "the right one"
TWO_FACTOR = "admin:two_factor"


@pytest.fixture(autouse=True)
def _five_failures(settings):
    settings.AXES_FAILURE_LIMIT = 5


@pytest.fixture
def no_wait_after_a_wrong_code(settings):
    """django-otp makes a device wait 1, 2, 4… seconds after each wrong code; these tests do not wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def staff_user(username="sara", **flags):
    user = UserFactory(username=username, is_staff=True, **flags)
    user.set_password(PASSWORD)
    user.save()
    return user


def authenticator(user):
    return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)


def code_of(device):
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def sign_in(client, username, password=PASSWORD, code="", language="en", address="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "otp_token": code, "next": "/admin/"},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def test_the_password_alone_is_refused_once_a_device_is_set_up(client):
    authenticator(staff_user())

    response = sign_in(client, "sara")

    assert response.status_code == 200 and not signed_in(client)
    # The same words as for a wrong password: the page does not tell that the password was right.
    errors = response.context["form"].non_field_errors()
    assert "the code if you have set up two-factor sign-in" in str(errors)
    assert errors == sign_in(client, "sara", password="wrong").context["form"].non_field_errors()


def test_the_apps_code_after_the_password_signs_in(client):
    device = authenticator(staff_user())
    code = code_of(device)

    response = sign_in(client, "sara", code=code)

    assert response.status_code == 302 and signed_in(client)
    assert client.get(reverse("admin:index")).status_code == 200
    # A code is good once: the same one again (someone looking over a shoulder) is refused.
    client.logout()
    assert sign_in(client, "sara", code=code).status_code == 200


def test_a_code_typed_in_persian_digits_with_spaces_is_read(client):
    device = authenticator(staff_user())
    code = code_of(device)

    response = sign_in(client, "sara", code=f"{to_script_digits(code[:3], 'fa')} {to_script_digits(code[3:], 'fa')}")

    assert response.status_code == 302 and signed_in(client)


def test_a_wrong_code_is_refused(client):
    device = authenticator(staff_user())
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    assert sign_in(client, "sara", code=wrong).status_code == 200
    assert not signed_in(client)


def test_a_backup_code_signs_in_once(client, no_wait_after_a_wrong_code):
    user = staff_user()
    authenticator(user)
    codes = backup_codes_make(user=user)
    assert len(set(codes)) == 10

    assert sign_in(client, "sara", code=codes[0].upper()).status_code == 302
    client.logout()
    assert sign_in(client, "sara", code=codes[0]).status_code == 200  # used up
    assert sign_in(client, "sara", code=codes[1]).status_code == 302


def test_staff_without_a_device_sign_in_with_the_password_where_it_is_not_required(client):
    # The demo logins of `make run`: no device, and development requires none.
    staff_user("demo", is_superuser=True)

    assert sign_in(client, "demo").status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_repeated_wrong_codes_lock_out_like_wrong_passwords(client):
    device = authenticator(staff_user())

    for _attempt in range(4):
        assert sign_in(client, "sara", code="000000").status_code == 200
    locked = sign_in(client, "sara", code="000000")
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    # The password and the right code are refused until the lockout ends (or staff unlock it).
    assert sign_in(client, "sara", code=code_of(device)).status_code == 429
    assert not signed_in(client)
    assert "000000" not in " ".join(AccessAttempt.objects.values_list("post_data", flat=True))


@override_settings(OTP_REQUIRED_FOR_SUPERUSERS=True)
def test_a_superuser_without_a_device_must_set_one_up_before_anything_else(client, no_wait_after_a_wrong_code):
    staff_user("root", is_superuser=True)

    response = sign_in(client, "root")
    assert response.status_code == 302 and signed_in(client)
    for url in (reverse("admin:index"), reverse("admin:customers_customer_changelist"), reverse("dashboards:cycle")):
        page = client.get(url)
        assert (page.status_code, page["Location"]) == (302, reverse(TWO_FACTOR)), url

    setup = client.get(reverse(TWO_FACTOR))
    assert setup.status_code == 200
    page = setup.content.decode()
    assert "<svg" in page and setup.context["secret"].replace(" ", "") in page.replace(" ", "")
    device = TOTPDevice.objects.get(user__username="root")
    assert not device.confirmed  # shown, not counted until a code confirms it

    wrong = client.post(reverse(TWO_FACTOR), {"action": "confirm", "otp_token": "12"})
    assert wrong.status_code == 200 and client.get(reverse("admin:index")).status_code == 302

    confirmed = client.post(reverse(TWO_FACTOR), {"action": "confirm", "otp_token": code_of(device)})
    assert confirmed.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("admin:index")).status_code == 200  # this session gave its code


@override_settings(OTP_REQUIRED_FOR_STAFF=True)
def test_staff_who_must_set_up_a_device_can_sign_out_instead(client):
    staff_user()
    sign_in(client, "sara")

    response = client.post(reverse(TWO_FACTOR), {"action": "sign_out"})

    assert response.status_code == 302 and not signed_in(client)


def test_backup_codes_are_made_once_the_app_is_set_up_and_shown_once(client):
    user = staff_user()
    device = authenticator(user)
    client.force_login(user)
    # A session that never gave a code, while the user has a device, is signed out.
    assert client.get(reverse(TWO_FACTOR)).status_code == 302 and not signed_in(client)

    sign_in(client, "sara", code=code_of(device))
    status = client.get(reverse(TWO_FACTOR)).content.decode()
    assert "0 unused backup codes" in status

    made = client.post(reverse(TWO_FACTOR), {"action": "backup_codes"})
    codes = made.context["codes"]
    assert len(codes) == 10 and all(code in made.content.decode() for code in codes)
    assert made["Cache-Control"].startswith("max-age=0") or "no-cache" in made["Cache-Control"]
    assert not any(code in client.get(reverse(TWO_FACTOR)).content.decode() for code in codes)


def test_a_new_phone_replaces_the_old_one_once_confirmed(client):
    user = staff_user()
    old = authenticator(user)
    sign_in(client, "sara", code=code_of(old))

    client.get(reverse(TWO_FACTOR), {"replace": "1"})
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(reverse(TWO_FACTOR), {"action": "confirm", "replace": "1", "otp_token": code_of(new)})

    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")) == [(new.pk, True)]


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_the_sign_in_and_two_factor_pages_read_right_to_left(client, language):
    staff_user()
    login = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'dir="rtl"' in login and 'name="otp_token"' in login

    sign_in(client, "sara", language=language)
    setup = client.get(reverse(TWO_FACTOR), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'dir="rtl"' in setup and "<svg" in setup
    assert (
        '<p class="secret"><bdi dir="ltr">' in setup
    )  # the secret stays left to right inside the Persian or Arabic text


def test_managers_remove_a_lost_device_marketers_cannot_and_the_log_says_who(client):
    lost = authenticator(staff_user())
    boss = authenticator(staff_user("root", is_superuser=True))
    marketer = UserFactory(username="mina", is_staff=True)
    marketer.groups.add(Group.objects.get(name="Marketers"))
    manager = UserFactory(username="omid", is_staff=True)
    manager.groups.add(Group.objects.get(name="Managers"))

    client.force_login(marketer)
    assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 403

    client.force_login(manager)
    delete_boss = reverse("admin:otp_totp_totpdevice_delete", args=[boss.pk])
    assert client.post(delete_boss, {"post": "yes"}).status_code == 403  # a superuser's device: superusers only
    response = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[lost.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists() and TOTPDevice.objects.filter(pk=boss.pk).exists()
    removal = LogEntry.objects.get_for_object(lost).get(action=LogEntry.Action.DELETE)
    assert removal.actor == manager
    # Its owner signs in with the password again, and can set up a new phone.
    client.logout()
    assert sign_in(client, "sara").status_code == 302


def test_the_device_pages_never_show_a_key_or_a_backup_code(admin_client, admin_user):
    device = authenticator(staff_user())
    codes = backup_codes_make(user=device.user)

    page = admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    assert device.key not in page
    static = StaticDevice.objects.get(user=device.user)
    page = admin_client.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk])).content.decode()
    assert not any(code in page for code in codes)
