"""The public side of capture forms: the form a visitor fills in, and the signed tokens that guard it.

- The render token (hidden in the form) is signed with the secret key and says which form was shown, when, and
  the challenge of the proof of work. It replaces the CSRF cookie, which a browser does not send from a page framed
  by another site (``SameSite``): a post without a genuine, unused token of this form, made at least
  ``FORMS_MIN_SECONDS`` and at most ``FORMS_RENDER_MAX_AGE`` seconds after the form was shown, changes nothing.
  Each token is accepted once (remembered in the shared cache), so a solved puzzle cannot be replayed.
- The proof of work: the browser finds a number ``n`` such that SHA-256 of ``"<challenge>:<n>"`` starts with
  ``FORMS_POW_BITS`` zero bits (``static/js/emk-form-page.js``); checking it costs the server one hash.
- The confirmation token (the e-mailed link) names the submission and its random nonce, signed with a time
  stamp; it is good for ``FORMS_UNCONFIRMED_DAYS`` days and once.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from customers.models import CaptureForm, CaptureFormText, FormConsentWording, FormField
from customers.registry import capture_form_hooks
from emarketing.contacts import EmailAddressField, PhoneField
from emarketing.countries import country_code
from emarketing.dates import JalaliDateField

RENDER_SALT = "customers.forms.render"
CONFIRM_SALT = "customers.forms.confirm"
HONEYPOT = "website"  # a field people never see; robots fill in every field


class BadToken(Exception):
    """A render or confirmation token that was altered, made up, used before or is past its time."""


class ExpiredToken(BadToken):
    pass


# -- Render tokens and the proof of work ---------------------------------------------------------------------


def render_token(form: CaptureForm, *, now: float | None = None) -> tuple[str, str]:
    """The signed token of one showing of ``form`` and its proof-of-work challenge."""
    challenge = secrets.token_hex(8)
    payload = {"f": form.pk, "t": int(now if now is not None else time.time()), "c": challenge}
    return signing.dumps(payload, salt=RENDER_SALT, compress=False), challenge


@dataclass(frozen=True)
class Shown:
    form_id: int
    age: float
    challenge: str


def read_render_token(token: str, *, now: float | None = None) -> Shown:
    try:
        payload = signing.loads(token[:400], salt=RENDER_SALT)
        shown = Shown(int(payload["f"]), (now if now is not None else time.time()) - int(payload["t"]), payload["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise BadToken from error
    if shown.age > settings.FORMS_RENDER_MAX_AGE:
        raise ExpiredToken
    return shown


def render_token_use(token: str) -> bool:
    """Mark a render token used; False when it was used before (in any process: the cache is shared)."""
    key = "form-rt:" + hashlib.sha256(token.encode()).hexdigest()[:40]
    return bool(cache.add(key, 1, timeout=settings.FORMS_RENDER_MAX_AGE + 60))


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def proof_of_work_valid(challenge: str, answer: str, *, bits: int | None = None) -> bool:
    if not answer or len(answer) > 20 or not answer.isascii() or not answer.isdigit():
        return False
    wanted = settings.FORMS_POW_BITS if bits is None else bits
    return leading_zero_bits(hashlib.sha256(f"{challenge}:{answer}".encode()).digest()) >= wanted


# -- Confirmation tokens ---------------------------------------------------------------------------------------


def confirmation_token(*, submission_id: int, nonce: str) -> str:
    return signing.dumps({"s": submission_id, "n": nonce}, salt=CONFIRM_SALT, compress=False)


def read_confirmation_token(token: str) -> tuple[int, str]:
    """``(submission id, nonce)`` of a genuine link younger than ``FORMS_UNCONFIRMED_DAYS`` days."""
    try:
        payload = signing.loads(token[:400], salt=CONFIRM_SALT, max_age=settings.FORMS_UNCONFIRMED_DAYS * 86400)
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except signing.BadSignature as error:
        raise BadToken from error
    try:
        return int(payload["s"]), str(payload["n"])
    except (KeyError, TypeError, ValueError) as error:
        raise BadToken from error


# -- The form a visitor fills in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A form as one language shows it: its texts (the language's own, else the first written) and wordings."""

    form: CaptureForm
    language: str
    text: CaptureFormText | None
    wordings: dict[str, FormConsentWording]

    @classmethod
    def of(cls, form: CaptureForm, language: str) -> "Page":
        """From ``form`` with ``texts`` and ``wordings`` prefetched: no query."""
        texts = list(form.texts.all())
        text = next((t for t in texts if t.language == language), texts[0] if texts else None)
        shown_in = text.language if text is not None else language
        wordings: dict[str, FormConsentWording] = {}
        for wording in form.wordings.all():
            if wording.channel in form.channels and (
                wording.language == language or (wording.language == shown_in and wording.channel not in wordings)
            ):
                wordings[wording.channel] = wording
        ordered = {c: wordings[c] for c in form.channels if c in wordings}
        return cls(form, language, text, ordered)

    @property
    def title(self) -> str:
        return self.text.title if self.text is not None else self.form.name


class CaptureFormForm(forms.Form):
    """The fields a form asks, in its order: the name and address, the fields chosen, topics, one consent box per
    channel labelled with its exact wording, the honeypot and the hidden token and proof of work."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    email = EmailAddressField(label=_("E-mail"))

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        asked = set(page.form.fields)
        optional: dict[str, forms.Field] = {
            FormField.LAST_NAME: forms.CharField(label=_("Last name"), max_length=100, required=False),
            FormField.PHONE: PhoneField(label=_("Phone"), max_length=32, required=False),
            FormField.COUNTRY: forms.CharField(label=_("Country"), max_length=60, required=False),
            FormField.CITY: forms.CharField(label=_("City"), max_length=100, required=False),
            FormField.BIRTHDAY: JalaliDateField(label=_("Birthday"), required=False),
            FormField.WEDDING_ANNIVERSARY: JalaliDateField(label=_("Wedding anniversary"), required=False),
        }
        for name, field in optional.items():
            if name in asked:
                self.fields[str(name)] = field
        if FormField.TOPICS in asked:
            self.fields["topics"] = forms.MultipleChoiceField(
                label=_("Topics of interest"),
                choices=capture_form_hooks.topics(page.language),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        for channel, wording in page.wordings.items():
            self.fields[f"consent_{channel}"] = forms.BooleanField(label=wording.text, required=False)
        self.fields[HONEYPOT] = forms.CharField(
            label=_("Leave this empty"),
            required=False,
            max_length=200,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )
        self.fields["token"] = forms.CharField(widget=forms.HiddenInput, max_length=400)
        self.fields["pow"] = forms.CharField(widget=forms.HiddenInput, max_length=20, required=False)
        for field in self.fields.values():  # Bootstrap's classes, rendered by the page's own template (no crispy)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")

    def clean_country(self) -> str:
        text = self.cleaned_data.get("country", "")
        if not text:
            return ""
        code = country_code(text)
        if code is None:
            raise forms.ValidationError(_("Not a country we know; write its name or its two-letter code."))
        return code

    def answers(self) -> dict[str, Any]:
        """The profile answers, as JSON keeps them (dates as ISO strings), empty ones left out."""
        data: dict[str, Any] = {}
        for name in ("first_name", *(str(f) for f in FormField.values if f != FormField.TOPICS)):
            value = self.cleaned_data.get(name)
            if value:
                data[name] = value.isoformat() if hasattr(value, "isoformat") else value
        if self.cleaned_data.get("topics"):
            data["topics"] = sorted(self.cleaned_data["topics"])
        return data

    def channels_given(self) -> list[str]:
        return [c for c in self.page.wordings if self.cleaned_data.get(f"consent_{c}")]

    def wordings_shown(self) -> dict[str, dict[str, str]]:
        return {
            c: {"text": w.text, "version": w.version, "language": w.language} for c, w in self.page.wordings.items()
        }
