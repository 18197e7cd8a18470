"""A customer's contact details as people type them: phone numbers to E.164, e-mail addresses checked.

One owner for both rules; every path that writes a phone or an address (forms, the admin, webhooks, the
customer import, the models' ``clean``) goes through :func:`normalise_phone` and :func:`normalise_email`.

Phones: Persian (۰-۹) and Arabic-Indic (٠-٩) digits, spaces, dashes, brackets, dots, slashes, direction marks
and zero-width non-joiners are accepted; a leading ``00`` is the international prefix. A national form
(``0912 345 6789``) is read in the given country, else in ``settings.PHONE_DEFAULT_REGION``. The result is
E.164 (``+989123456789``); an extension is kept in RFC 3966 style (``+12015550123;ext=89``). Letters are
refused rather than read as a keypad word: a typo must not become somebody else's number.

E-mail addresses: checked with ``email-validator`` without any network look-up. Internationalised addresses
(``زهرا@مثال.ایران``, ``josé@example.com``) are accepted and returned as the library normalises them (the
domain lower-cased, Unicode in NFC); quoted local parts, IP-literal domains and single-label domains such as
``localhost`` are refused.
"""

import re
from functools import cache
from typing import Any

import email_validator
import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from emarketing.digits import to_ascii_digits

# Invisible marks pasted with numbers and addresses from right-to-left text: LRM, RLM, LRE…RLO, and ZWNJ.
_DIRECTION_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
_ZWNJ = "\u200c"
_DROP_DIRECTION_MARKS = str.maketrans(dict.fromkeys(_DIRECTION_MARKS))  # from addresses (ZWNJ is part of some)
_DROP_MARKS = str.maketrans(dict.fromkeys(_DIRECTION_MARKS + _ZWNJ))  # from phone numbers
# An extension at the end: "ext. 89", "extension 89", "x89", "#89", ";ext=89", Persian "داخلی ۸۹" and
# Arabic "تحويلة ٨٩".
_EXTENSION = re.compile(r"(?:;\s*ext=|\s*(?:ext\.?|extension|x|#|داخلی|تحويلة)\s*)([0-9]{1,10})$", re.IGNORECASE)
# What may remain of a phone number: a plus, digits, and the punctuation people group digits with.
_PHONE_TEXT = re.compile(r"^[(\[]?\+?[0-9\s\-./()\[\]]+$")
_PUNCTUATION = re.compile(r"[\s\-./()\[\]]")
_GROUPING = b" \t-./()[]"
_MIN_DIGITS = 5


class InvalidPhone(ValueError):
    """A phone number that cannot be read as a valid number; ``str()`` is the message for the user."""

    def __init__(self, value: str) -> None:
        self.value = value
        super().__init__(
            _("“%(value)s” is not a valid phone number: write it with its country code, e.g. +98 912 345 6789.")
            % {"value": value}
        )


class InvalidEmail(ValueError):
    """An e-mail address that is refused; ``str()`` is the message for the user."""

    def __init__(self, value: str) -> None:
        self.value = value
        super().__init__(_("“%(value)s” is not a valid e-mail address.") % {"value": value})


def default_region() -> str:
    """The country whose national numbers are understood when none is given (``PHONE_DEFAULT_REGION``)."""
    return str(settings.PHONE_DEFAULT_REGION).upper()


def _region(country: str | None) -> str:
    code = (country or "").strip().upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else default_region()


def normalise_phone(text: str, *, country: str | None = None) -> str:
    """``text`` as an E.164 number (``+989123456789``, with ``;ext=89`` for an extension); "" for empty text.

    A national form is read in ``country`` (ISO 3166 alpha-2); when it is empty or unknown, in
    ``settings.PHONE_DEFAULT_REGION``. Raises :class:`InvalidPhone` for anything that is not a valid number.
    """
    shown = text.strip() if text.isascii() else text.translate(_DROP_MARKS).strip()
    cleaned = to_ascii_digits(shown)
    if not cleaned:
        return ""
    # The everyday shapes ("0912 345 6789", "+98-912-345-6789"): digits and grouping only, no extension.
    if cleaned.isascii():
        compact = cleaned.encode().translate(None, _GROUPING).decode()
        plain = compact.isdigit() or (cleaned[:1] == "+" and compact[1:].isdigit())
    else:
        plain = False
    if plain:
        if compact.startswith("00"):
            compact = "+" + compact[2:]
        if len(compact.lstrip("+")) >= _MIN_DIGITS:
            fast = _common_e164(compact, _region(country))
            if fast is not None:
                return fast
    extension = ""
    match = _EXTENSION.search(cleaned)
    if match:
        extension = match.group(1)
        cleaned = cleaned[: match.start()].strip()
    if not _PHONE_TEXT.match(cleaned):
        raise InvalidPhone(shown)
    digits = _PUNCTUATION.sub("", cleaned)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if len(digits.lstrip("+")) < _MIN_DIGITS:
        raise InvalidPhone(shown)
    region = _region(country)
    fast = _common_e164(digits, region)
    if fast is not None:
        return f"{fast};ext={extension}" if extension else fast
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(shown) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(shown)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164};ext={extension}" if extension else e164


def _common_e164(digits: str, region: str) -> str | None:
    """The E.164 form of the two shapes nearly every number comes in, without the general parser: ``+`` and the
    country code, or the region's national prefix (``0912…`` in Iran); None to leave the number to the parser.

    Only a number the library itself finds valid is returned, and only in the cases where the parser would read
    the same country code and national number (no leading zero, no national prefix after the country code, a
    plain national prefix): tests compare both on every region's example numbers. It is five times faster,
    which is what a million-row import needs.
    """
    if digits.startswith("+"):
        body = digits[1:]
        # Country codes are prefix-free: at most one of the first one, two or three digits is a code.
        size = next((n for n in (1, 2, 3) if body[:n] in _CODES), 0)
        if not size:
            return None
        code, national = int(body[:size]), body[size:]
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(_REGIONS_OF_CODE[code][0])
    else:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if metadata is None or metadata.national_prefix_transform_rule:
            return None
        prefix = metadata.national_prefix
        if not prefix or metadata.national_prefix_for_parsing not in (None, prefix) or not digits.startswith(prefix):
            return None
        if metadata.country_code is None:
            return None
        code, national = metadata.country_code, digits[len(prefix) :]
    if metadata is None or not national.isdigit() or national[0] == "0":
        return None
    if metadata.national_prefix and national.startswith(metadata.national_prefix):
        return None  # "+98 0912…": the parser's rules for a prefix after the code decide
    regions = _REGIONS_OF_CODE[code]
    if len(regions) == 1:
        valid = _valid_national(regions[0], national)
    else:  # a code several regions share (+1, +7, +44): the library picks the region first
        valid = phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=code, national_number=int(national)))
    return f"+{code}{national}" if valid else None


_REGIONS_OF_CODE = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
_CODES = frozenset(str(code) for code in _REGIONS_OF_CODE)
# The kinds of number phonenumbers tells apart; a number is valid when it fits the region's general description
# and at least one of these (``phonenumberutil._number_type_helper``).
_NUMBER_KINDS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


@cache
def _validity_patterns(region: str) -> dict[int, tuple[re.Pattern[str], re.Pattern[str] | None]]:
    """For each length a national number of ``region`` may have: its general pattern and one pattern that is the
    union of the patterns of every kind of number of that length (None when no kind has it)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc if metadata is not None else None
    if general is None or not general.national_number_pattern or not general.possible_length:
        return {}  # nothing to go by: every number of the region is left to the library
    patterns = {}
    for length in general.possible_length or ():
        kinds = []
        for name in _NUMBER_KINDS:
            desc = getattr(metadata, name)
            if desc is None or not desc.national_number_pattern:
                continue
            if desc.possible_length and length not in desc.possible_length:
                continue
            kinds.append(f"(?:{desc.national_number_pattern})")
        union = re.compile("|".join(kinds)) if kinds else None
        patterns[length] = (re.compile(general.national_number_pattern), union)
    return patterns


def _valid_national(region: str, national: str) -> bool:
    """What ``phonenumbers.is_valid_number`` answers for this national number of a single-region country code,
    with the region's patterns compiled once per length (tests compare the two on every region)."""
    found = _validity_patterns(region).get(len(national))
    if found is None:
        return False
    general, union = found
    return union is not None and general.fullmatch(national) is not None and union.fullmatch(national) is not None


# The everyday shape of an address, in ASCII, that email-validator accepts as it is (tests compare the two);
# anything else goes to the library.
_PLAIN_EMAIL = re.compile(
    r"^([A-Za-z0-9_%+'\-]{1,64}(?:\.[A-Za-z0-9_%+'\-]+)*)@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
_SPECIAL_USE = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)
_SPECIAL_USE_DOTTED = tuple(name for name in _SPECIAL_USE if "." in name)  # none today; checked in full if added


def _common_email(address: str) -> str | None:
    match = _PLAIN_EMAIL.match(address)
    if match is None or len(address) > 254 or len(match.group(1)) > 64:
        return None
    domain = match.group(2).lower()
    if "--" in domain and any(label[2:4] == "--" for label in domain.split(".")):
        return None  # "xn--…" and the like: IDNA rules decide
    if domain[domain.rfind(".") + 1 :] in _SPECIAL_USE:
        return None  # "localhost", "test"… or a name under one
    if any(domain == name or domain.endswith("." + name) for name in _SPECIAL_USE_DOTTED):
        return None
    return f"{match.group(1)}@{domain}"


def normalise_email(text: str) -> str:
    """``text`` as a checked, normalised e-mail address; "" for empty text. Raises :class:`InvalidEmail`.

    Persian and Arabic-Indic digits become ASCII ones and direction marks are dropped first. No network look-up
    is made: whether the domain receives mail is learnt when a message is sent.
    """
    address = text.strip() if text.isascii() else to_ascii_digits(text.translate(_DROP_DIRECTION_MARKS)).strip()
    if not address:
        return ""
    common = _common_email(address)
    if common is not None:
        return common
    try:
        result = validate_email(
            address,
            check_deliverability=False,
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            globally_deliverable=True,
        )
    except EmailNotValidError as error:
        raise InvalidEmail(address) from error
    return str(result.normalized)


def validate_phone(value: str) -> None:
    """A model or form field validator: the value must be a valid phone number (read in the default country)."""
    try:
        normalise_phone(value)
    except InvalidPhone as error:
        raise ValidationError(str(error), code="invalid_phone") from error


def validate_email_address(value: str) -> None:
    """A model or form field validator: the value must be an address :func:`normalise_email` accepts."""
    try:
        normalise_email(value)
    except InvalidEmail as error:
        raise ValidationError(str(error), code="invalid_email") from error


class PhoneField(forms.CharField):
    """A phone number typed in any of the accepted ways; cleaned to E.164 (read in ``country`` if given)."""

    def __init__(self, *, country: str | None = None, **kwargs: Any) -> None:
        self.country = country
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        try:
            return normalise_phone(text, country=self.country)
        except InvalidPhone as error:
            raise ValidationError(str(error), code="invalid_phone") from error


class EmailAddressField(forms.CharField):
    """An e-mail address, internationalised ones included; cleaned by :func:`normalise_email`.

    A text input rather than ``type="email"``: browsers refuse a non-ASCII local part there.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email", "dir": "ltr"})
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        try:
            return normalise_email(text)
        except InvalidEmail as error:
            raise ValidationError(str(error), code="invalid_email") from error
