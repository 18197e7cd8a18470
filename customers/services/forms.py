"""Capture forms: a submission becomes a lead (or waits for an existing customer's confirmation), the e-mailed link
confirms it, the unconfirmed are deleted, and each form's views, submissions and confirmations are counted.

The rule of the contact form holds here too: a submission never attaches data to a customer's record until the
address proves it reads that mailbox. For an address nobody has, the submission creates a lead (lifecycle
"acquisition", acquisition source "capture form") with the name and fields given but no consent; for an address
a customer already has, nothing of theirs changes: the answers wait in the submission and are applied only when
the link is followed. Consent is given on confirmation only, per channel, with the source "capture form" and the
version of the exact wording the visitor read; forms without double opt-in give it at once to a new address only.
"""

import datetime as dt
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from customers.capture import BadToken, read_confirmation_token
from customers.events import customer_saved, form_submitted
from customers.models import (
    AcquisitionSource,
    CaptureForm,
    Consent,
    ConsentSource,
    Customer,
    FormDaily,
    FormSubmission,
    LifecycleStage,
    Occasion,
)
from customers.models.forms import OCCASION_FIELDS, PROFILE_FIELDS
from customers.registry import capture_form_hooks
from customers.selectors import suppressed_among

from .consent import consent_set
from .profiles_create import customer_update

logger = logging.getLogger(__name__)

COUNTERS = ("views", "submissions", "confirmations")


class AlreadyConfirmed(Exception):
    """The link was followed before: the submission is confirmed, nothing happens twice."""


def form_count(*, form_id: int, counter: str, day: dt.date | None = None) -> None:
    """Add one to a form's counter of the day: an ``UPDATE … SET n = n + 1`` (the first of the day inserts the
    row), exact under any number of concurrent requests."""
    assert counter in COUNTERS
    day = day or timezone.localdate()
    if FormDaily.objects.filter(form_id=form_id, day=day).update(**{counter: F(counter) + 1}):
        return
    try:
        with transaction.atomic():
            FormDaily.objects.create(form_id=form_id, day=day, **{counter: 1})
    except IntegrityError:  # another request inserted the day's row first
        FormDaily.objects.filter(form_id=form_id, day=day).update(**{counter: F(counter) + 1})


def _new_lead(*, form: CaptureForm, email: str, answers: dict[str, Any], language: str) -> Customer | None:
    """A lead with the answers' profile fields, validated like the admin's form; None when the address was taken
    by a concurrent submission meanwhile."""
    customer = Customer(
        email=email,
        preferred_language=language,
        acquisition_source=AcquisitionSource.FORM,
        lifecycle_stage=LifecycleStage.ACQUISITION,
        **{name: answers[name] for name in PROFILE_FIELDS if answers.get(name)},
    )
    customer.full_clean()
    customer.suppressed = bool(suppressed_among([customer.email]))
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        return None
    customer_saved(customer=customer, created=True)
    return customer


@transaction.atomic
def form_submit(
    *,
    form: CaptureForm,
    email: str,
    answers: dict[str, Any],
    channels: list[str],
    wordings: dict[str, dict[str, str]],
    language: str,
    ip: str | None = None,
) -> FormSubmission:
    """Record a submission (the address normalised by the form); see the module's docstring for what changes.

    A confirmation e-mail is queued unless the submission was applied at once (no double opt-in, new address)."""
    customer = Customer.objects.filter(email__iexact=email).first()
    created = None
    if customer is None:
        created = _new_lead(form=form, email=email.lower(), answers=answers, language=language)
        customer = created or Customer.objects.get(email__iexact=email)
    submission = FormSubmission.objects.create(
        form=form,
        customer=customer,
        lead_created=created is not None,
        email=customer.email,  # the customer's own address, as they have it: the mail goes there
        language=language,
        data=answers,
        channels=[c for c in channels if c in form.channels],
        wordings=wordings,
        nonce=secrets.token_hex(16),
        ip=ip or None,
    )
    form_count(form_id=form.pk, counter="submissions")
    if created is not None and not form.double_opt_in:
        _apply(submission=submission, customer=created, ip=ip)
    else:
        capture_form_hooks.send_confirmation(submission.pk)
    return submission


def confirmation_submission(*, token: str) -> FormSubmission:
    """The submission a genuine link names (``BadToken``/``ExpiredToken`` otherwise, or when the customer was
    erased or their address changed since); ``AlreadyConfirmed`` when it was confirmed before."""
    submission_id, nonce = read_confirmation_token(token)
    submission = FormSubmission.objects.select_related("form", "customer").filter(pk=submission_id).first()
    if submission is None or not secrets.compare_digest(submission.nonce, nonce):
        raise BadToken
    customer = submission.customer
    if customer.erased_at is not None or customer.email.lower() != submission.email.lower():
        raise BadToken
    if submission.confirmed_at is not None:
        raise AlreadyConfirmed
    return submission


@transaction.atomic
def form_confirm(*, token: str, ip: str | None = None) -> FormSubmission:
    """Confirm the submission a link names (raises like :func:`confirmation_submission`): its answers are applied
    to the customer, consent given for the channels ticked, and the confirmation recorded (time, address, form)."""
    found = confirmation_submission(token=token)
    submission = FormSubmission.objects.select_for_update().get(pk=found.pk)
    if submission.confirmed_at is not None:  # confirmed by a concurrent request since
        raise AlreadyConfirmed
    submission.form = found.form
    _apply(submission=submission, customer=found.customer, ip=ip)
    return submission


def _apply(*, submission: FormSubmission, customer: Customer, ip: str | None) -> None:
    """What a confirmed submission changes: the profile (fields given), occasions, topics and consent."""
    answers = submission.data
    changes = {name: answers[name] for name in PROFILE_FIELDS if answers.get(name)}
    changes["preferred_language"] = submission.language
    try:
        customer = customer_update(customer=customer, changes=changes)
    except ValidationError:  # valid when sent, refused now (e.g. a phone read in another country): keep the rest
        logger.warning("Form submission %s: profile answers no longer valid, not applied", submission.pk)
    for field, kind in OCCASION_FIELDS.items():
        if answers.get(field):
            day = dt.date.fromisoformat(answers[field])
            Occasion.objects.update_or_create(
                customer=customer, kind=kind, label="", defaults={"month": day.month, "day": day.day, "year": day.year}
            )
    capture_form_hooks.choose_topics(customer, set(answers.get("topics", [])))
    for channel in submission.channels:
        version = submission.wordings.get(channel, {}).get("version", "")
        consent_set(
            customer=customer,
            channel=channel,
            granted=True,
            source=ConsentSource.CAPTURE_FORM,
            note=f"{submission.form.slug} #{submission.pk}, wording {version}"[:255],
        )
    submission.confirmed_at = timezone.now()
    submission.confirmed_ip = ip or None
    submission.save(update_fields=["confirmed_at", "confirmed_ip"])
    form_count(form_id=submission.form_id, counter="confirmations")
    form_submitted(
        customer_id=customer.pk, form_id=submission.form_id, form_slug=submission.form.slug, submission_id=submission.pk
    )


def forms_delete_unconfirmed(*, now: dt.datetime | None = None, batch: int = 1000) -> int:
    """Delete the leads no one confirmed within ``FORMS_UNCONFIRMED_DAYS`` days (never a customer with a confirmed
    submission, a consent given or a record another stage keeps), and the old unconfirmed submissions of
    customers who had the address before; the number of leads deleted. Batches of ``batch`` ids."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.FORMS_UNCONFIRMED_DAYS)
    stale = FormSubmission.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
    leads = (
        Customer.objects.filter(
            Exists(stale.filter(customer=OuterRef("pk"), lead_created=True)),
            lifecycle_stage=LifecycleStage.ACQUISITION,
            erased_at__isnull=True,
        )
        .exclude(Exists(FormSubmission.objects.filter(customer=OuterRef("pk"), confirmed_at__isnull=False)))
        .exclude(Exists(Consent.objects.filter(customer=OuterRef("pk"), granted=True)))
    )
    deleted, after = 0, 0
    while ids := list(leads.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch]):
        after = ids[-1]
        try:
            with transaction.atomic():
                Customer.objects.filter(pk__in=ids).delete()
            deleted += len(ids)
        except ProtectedError:  # one of them is kept by another stage (an order): delete the others one by one
            for pk in ids:
                try:
                    with transaction.atomic():
                        Customer.objects.filter(pk=pk).delete()
                    deleted += 1
                except ProtectedError:
                    continue
    stale.delete()
    return deleted
