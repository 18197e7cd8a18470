"""Phones in E.164 and e-mail addresses checked: the rules of ``emarketing.contacts`` at their boundaries."""

import pytest
from django import forms
from django.utils import translation

from emarketing.contacts import (
    EmailAddressField,
    InvalidEmail,
    InvalidPhone,
    PhoneField,
    normalise_email,
    normalise_phone,
)


@pytest.mark.parametrize(
    ("text", "country", "e164"),
    [
        ("۰۹۱۲۳۴۵۶۷۸۹", None, "+989123456789"),  # Persian digits, national form, default region IR
        ("٠٩١٢٣٤٥٦٧٨٩", None, "+989123456789"),  # Arabic-Indic digits
        ("0501234567", "SA", "+966501234567"),  # national form read in the given country
        ("0501234567", "sa", "+966501234567"),
        ("+98 0912 345 6789", None, "+989123456789"),  # the national 0 written after the country code
        ("0098 912 345 6789", None, "+989123456789"),  # 00 as the international prefix
        ("0098 912 345 6789", "US", "+989123456789"),  # ... whatever the country
        ("+98 (912) 345-6789", None, "+989123456789"),
        ("0912.345.6789", None, "+989123456789"),
        ("[0912] 345 6789", None, "+989123456789"),
        ("\u202a+98 912 345 6789\u202c", None, "+989123456789"),  # pasted from right-to-left text
        ("\u200f۰۹۱۲\u200c۳۴۵\u200e۶۷۸۹", None, "+989123456789"),  # RLM, ZWNJ, LRM
        ("+966 50 123 4567", "IR", "+966501234567"),  # an international number ignores the country
        ("0912 345 6789", "XX", "+989123456789"),  # an unknown country: the default region
        ("+1 (201) 555-0123 ext. 89", None, "+12015550123;ext=89"),
        ("+1 201 555 0123 x89", None, "+12015550123;ext=89"),
        ("+12015550123;ext=89", None, "+12015550123;ext=89"),
        ("۰۲۱ ۸۸۷۷ ۶۶۵۵ داخلی ۱۲", None, "+982188776655;ext=12"),
        ("+989123456789", None, "+989123456789"),  # already E.164: unchanged
    ],
)
def test_phones_become_e164(text, country, e164):
    assert normalise_phone(text, country=country) == e164


@pytest.mark.parametrize("text", ["", "   ", "\u200f"])
def test_an_empty_phone_stays_empty(text):
    assert normalise_phone(text) == ""


@pytest.mark.parametrize(
    "text",
    [
        "1234",  # too short
        "12345",  # long enough to be read, not a number anywhere
        "0912 345 678",  # one digit short of an Iranian mobile
        "0912 345 67890",  # one digit too many
        "+1 555 123 4567",  # 555-1234 is a fictional US number
        "0912abc4567",  # letters: never read as a keypad word
        "0912-FLOWERS",
        "+",
        "++989123456789",
        "ext. 12",
        "+989123456789 ext. 12345678901",  # an extension of eleven digits
    ],
)
def test_what_is_not_a_valid_number_is_refused_with_the_value_named(text):
    with pytest.raises(InvalidPhone) as raised:
        normalise_phone(text)
    assert f"“{text.strip()}” is not a valid phone number" in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_the_default_region_is_a_setting(settings):
    settings.PHONE_DEFAULT_REGION = "SA"
    assert normalise_phone("0501234567") == "+966501234567"
    with pytest.raises(InvalidPhone):
        normalise_phone("09123456789")  # an Iranian mobile is not a Saudi number
    assert normalise_phone("09123456789", country="IR") == "+989123456789"


def test_the_refusal_speaks_persian_and_arabic():
    with translation.override("fa"), pytest.raises(InvalidPhone) as persian:
        normalise_phone("12")
    with translation.override("ar"), pytest.raises(InvalidPhone) as arabic:
        normalise_phone("12")
    assert "شماره تلفن" in str(persian.value) and "«12»" in str(persian.value)
    assert "رقم هاتف" in str(arabic.value) and "«12»" in str(arabic.value)
    with translation.override("fa"), pytest.raises(InvalidEmail) as email:
        normalise_email("a@localhost")
    assert "نشانی ایمیل" in str(email.value)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("ali@example.com", "ali@example.com"),
        ("  ali@example.com  ", "ali@example.com"),
        ("Ali.Rezaei@EXAMPLE.COM", "Ali.Rezaei@example.com"),  # domain lower-cased, local part kept
        ("زهرا@مثال.ایران", "زهرا@مثال.ایران"),  # internationalised local part and domain
        ("josé@example.com", "josé@example.com"),
        ("ali@xn--mgbh0fb.xn--mgba3a4f16a", "ali@مثال.ایران"),  # a punycode domain shown as it is read
        ("ali۱۲@example.com", "ali12@example.com"),  # Persian digits
        ("ali٣@example.com", "ali3@example.com"),  # Arabic-Indic digits
        ("\u200eali@example.com\u200e", "ali@example.com"),  # direction marks pasted around it
        ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
    ],
)
def test_addresses_are_accepted_and_normalised(text, normalised):
    assert normalise_email(text) == normalised


@pytest.mark.parametrize("text", ["", "  "])
def test_an_empty_address_stays_empty(text):
    assert normalise_email(text) == ""


@pytest.mark.parametrize(
    "text",
    [
        '"ali rezaei"@example.com',  # quoted local part
        "ali@[127.0.0.1]",  # IP-literal domain
        "ali@localhost",  # single-label domains
        "ali@example",
        "ali@example.invalid",  # a special-use domain: not globally deliverable
        "ali.example.com",
        "ali@@example.com",
        "ali@exa mple.com",
        "ali..rezaei@example.com",
        "@example.com",
        "ali@",
    ],
)
def test_refused_addresses_name_the_value(text):
    with pytest.raises(InvalidEmail) as raised:
        normalise_email(text)
    assert str(raised.value) == f"“{text}” is not a valid e-mail address."
    assert isinstance(raised.value, ValueError)


class ContactDetails(forms.Form):
    email = EmailAddressField(required=False)
    phone = PhoneField(required=False)
    saudi_phone = PhoneField(country="SA", required=False)


def test_the_form_fields_clean_to_the_stored_forms():
    form = ContactDetails({"email": "Zahra@Example.com", "phone": "۰۹۱۲ ۳۴۵ ۶۷۸۹", "saudi_phone": "0501234567"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "email": "Zahra@example.com",
        "phone": "+989123456789",
        "saudi_phone": "+966501234567",
    }
    assert ContactDetails({}).is_valid()


def test_the_form_fields_show_the_refusal_on_the_field():
    form = ContactDetails({"email": "ali@localhost", "phone": "12345"})
    assert not form.is_valid()
    assert form.errors["email"] == ["“ali@localhost” is not a valid e-mail address."]
    assert form.errors["phone"][0].startswith("“12345” is not a valid phone number")
    # Not type="email": browsers refuse an internationalised local part there.
    assert 'type="text"' in str(form["email"]) and 'inputmode="email"' in str(form["email"])
    assert 'inputmode="tel"' in str(form["phone"]) and 'dir="ltr"' in str(form["phone"])


def _parsed(digits, region):
    import phonenumbers

    number = phonenumbers.parse(digits, region)
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_the_fast_reading_of_common_numbers_agrees_with_the_library_in_every_region():
    import phonenumbers

    from emarketing.contacts import _common_e164

    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            national = phonenumbers.national_significant_number(example)
            metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
            shapes = [e164, e164[:-1], e164 + "1", "+" + str(example.country_code) + "0" + national]
            if metadata.national_prefix:
                shapes += [metadata.national_prefix + national, metadata.national_prefix + national[:-1]]
            for shape in shapes:
                fast = _common_e164(shape, region)
                if fast is not None:  # when it answers, it answers what the library does
                    assert fast == _parsed(shape, region), (region, shape)
                    checked += 1
    assert checked > 300  # most regions' numbers take the fast path


@pytest.mark.parametrize(
    "address",
    [
        "ali@example.com",
        "Ali.Rezaei+news@Example.COM",
        "o'brien@example.ie",
        "a@b.co",
        "x@xn--mgbh0fb.xn--mgba3a4f16a",
        "ab@ab--cd.com",
        "a@localhost",
        "a@example.test",
        "a@site.local",
        "a..b@example.com",
        ".a@example.com",
        "a@-example.com",
        "a@example.c",
        "a@123.45",
        ("x" * 65) + "@example.com",
        "a@" + ("x" * 64) + ".com",
    ],
)
def test_the_fast_check_of_common_addresses_agrees_with_the_library(address):
    from email_validator import EmailNotValidError, validate_email

    from emarketing.contacts import _common_email

    try:
        expected = validate_email(
            address,
            check_deliverability=False,
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            globally_deliverable=True,
        ).normalized
    except EmailNotValidError:
        expected = None
    fast = _common_email(address)
    assert fast is None or fast == expected


def test_the_compiled_validity_check_agrees_with_the_library_on_every_single_code_region():
    """``_valid_national`` answers what ``phonenumbers.is_valid_number`` does: on every kind of example number of
    every region, on those numbers one digit longer and shorter, and on random numbers that start like them."""
    import random

    import phonenumbers

    from emarketing.contacts import _valid_national

    rng = random.Random(7)
    kinds = [k for k in vars(phonenumbers.PhoneNumberType).values() if isinstance(k, int)]
    compared = valid = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        code = phonenumbers.country_code_for_region(region)
        if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]) != 1:
            continue
        nationals = set()
        for kind in kinds:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None or example.italian_leading_zero:
                continue
            national = str(example.national_number)
            nationals |= {national, national[:-1], national + "5"}
            for _ in range(30):  # same start, random rest; same length, random digits
                keep = rng.randint(1, len(national))
                nationals.add(national[:keep] + "".join(rng.choice("0123456789") for _ in national[keep:]))
        for national in nationals:
            if not national or national[0] == "0":
                continue
            number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
            expected = phonenumbers.is_valid_number(number)
            assert _valid_national(region, national) == expected, (region, national)
            compared += 1
            valid += expected
    assert compared > 20_000 and valid > 5_000  # both answers are well represented


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("0912 345 6789", None, "+989123456789"),
        ("+98-912-345-6789", None, "+989123456789"),
        ("0098 912 345 6789", None, "+989123456789"),
        ("(0912) 345 6789", None, "+989123456789"),
        ("0501234567", "SA", "+966501234567"),
        ("\u200e+966 50 123 4567\u200f", None, "+966501234567"),
        ("+1 201 555 0123", None, "+12015550123"),
        ("+44 7400 123456", None, "+447400123456"),
    ],
)
def test_everyday_shapes_take_the_short_way_to_the_same_answer(text, country, expected):
    from emarketing.contacts import normalise_phone

    assert normalise_phone(text, country=country) == expected


@pytest.mark.parametrize("text", ["0912 345 678९", "+98 912 345 67", "+98 912 345 6789 0"])
def test_numbers_that_look_everyday_but_are_not_are_refused(text):
    from emarketing.contacts import InvalidPhone, normalise_phone

    with pytest.raises(InvalidPhone):
        normalise_phone(text)
