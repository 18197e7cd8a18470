"""What preparation itself holds of a customer, erased: the profile, consent notes, occasions, what was heard of
their needs, capture form submissions, segments, recommendations, import files and logs, and the suppression list's
copy of the address.

Kept, and why: the value tier, lifecycle stage, CSAT and NPS averages and the at-risk and referral flags (the
dashboards count customers by them); the acquisition source and the creation date (acquisition figures); the
language, country and time zone (coarse, shared by many, and what the figures per market are cut by); the
tier and stage history (codes and dates, nothing of the person). The value scores (RFM, spend) follow from the
orders, which the books keep.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _

from customers.erasure import Counts, ErasureSubject, admin_history_forget
from customers.models import (
    Consent,
    ConsentEvent,
    ConsentSource,
    Customer,
    FormSubmission,
    ImportJob,
    ImportJobStatus,
    NeedMention,
    Occasion,
    ProductRecommendation,
    Segment,
    SegmentDeparture,
    SegmentMembership,
    SuppressedAddress,
    SuppressionReason,
    address_hash,
)

from .consent import consent_set
from .imports.stored_files import import_files_naming
from .suppression import suppression_add, suppression_forget_address

LABELS = {
    "customers.profile": _("customer profile (name, e-mail, phones, place, notes, id in the previous tool)"),
    "customers.consents": _("consents withdrawn"),
    "customers.consent_notes": _("notes in the consent history"),
    "customers.occasions": _("occasions (birthdays, anniversaries)"),
    "customers.form_submissions": _("what they sent through capture forms (address, answers, network addresses)"),
    "customers.need_mentions": _("what they said of their needs"),
    "customers.segment_memberships": _("segment memberships"),
    "customers.segment_departures": _("when they left segments"),
    "customers.recommendations": _("product recommendations"),
    "customers.import_files": _("stored import files naming them"),
    "customers.import_logs": _("import logs naming them"),
    "customers.suppression": _("addresses kept on the suppression list as a hash only"),
    "customers.admin_history": _("entries of the administration's history"),
}


def _suppress(subject: ErasureSubject) -> tuple[int, list[int]]:
    """Every address on the suppression list, by its hash alone: never written to again, even when imported anew."""
    for address in subject.emails:
        suppression_add(address=address, reason=SuppressionReason.ERASURE)
        suppression_forget_address(address=address)
    ids = list(
        SuppressedAddress.objects.filter(address_hash__in=[address_hash(a) for a in subject.emails]).values_list(
            "pk", flat=True
        )
    )
    return len(ids), ids


def _withdraw_consent(customer: Customer) -> int:
    withdrawn = 0
    for channel in Consent.objects.filter(customer=customer, granted=True).values_list("channel", flat=True):
        withdrawn += consent_set(customer=customer, channel=channel, granted=False, source=ConsentSource.ERASURE)
    return withdrawn


def _leave_segments(customer: Customer) -> int:
    segment_ids = list(SegmentMembership.objects.filter(customer=customer).values_list("segment_id", flat=True))
    if not segment_ids:
        return 0
    SegmentMembership.objects.filter(customer=customer).delete()
    # A refresh counts on ``member_count`` being the number of members (it adds what joined and left).
    Segment.objects.filter(pk__in=segment_ids).update(member_count=Greatest(F("member_count") - 1, Value(0)))
    return len(segment_ids)


def _import_logs(subject: ErasureSubject) -> int:
    """The errors and summaries of background imports that quote the customer (a row's bad value, say): those
    lines go. Import jobs are few (one per big file), so they are read here rather than searched."""
    changed = 0
    for job in ImportJob.objects.only("errors", "summary", "file_name").iterator():
        errors = [e for e in (job.errors or []) if not subject.mentions(e)]
        updates: dict[str, object] = {}
        if len(errors) != len(job.errors or []):
            updates["errors"] = errors
        if subject.mentions(job.summary):
            updates["summary"] = ""
        if subject.mentions(job.file_name):
            updates["file_name"] = "—"
        if updates:
            ImportJob.objects.filter(pk=job.pk).update(**updates)
            changed += 1
    return changed


def _import_files(subject: ErasureSubject) -> int:
    """Stored import files naming the customer are deleted once the erasure commits; imports still queued on
    them fail, with nothing changed."""
    names = import_files_naming(subject.mentions)
    if not names:
        return 0
    ImportJob.objects.filter(path__in=names, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.FAILED,
        summary=str(_("The file named a customer whose data was erased, and was deleted; nothing was changed.")),
    )

    def delete() -> None:
        from django.core.files.storage import default_storage

        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)
    return len(names)


def need_mentions_forget(*, source: str, source_ids: list[int]) -> int:
    """Blank what was heard in these feedback items (the later stages' erasers call it for a customer's tickets,
    answers and reviews, whether or not the mention was tied to the customer); the mentions stay counted."""
    if not source_ids:
        return 0
    mentions = NeedMention.objects.filter(source=source, source_id__in=source_ids).exclude(excerpt="")
    return mentions.update(excerpt="")


def erase_preparation(subject: ErasureSubject, *, now: dt.datetime | None = None) -> Counts:
    """Preparation's own part of an erasure (registered with the others; see ``customers.erasure``)."""
    from django.utils import timezone

    now = now or timezone.now()
    customer = Customer.objects.select_for_update().get(pk=subject.customer_id)
    counts: Counts = {}
    counts["customers.suppression"], suppressed_ids = _suppress(subject)
    counts["customers.consents"] = _withdraw_consent(customer)
    counts["customers.consent_notes"] = ConsentEvent.objects.filter(customer=customer).exclude(note="").update(note="")
    occasions = list(Occasion.objects.filter(customer=customer).values_list("pk", flat=True))
    history = admin_history_forget(Occasion, occasions) + admin_history_forget(SuppressedAddress, suppressed_ids)
    counts["customers.occasions"] = Occasion.objects.filter(pk__in=occasions).delete()[1].get(Occasion._meta.label, 0)
    counts["customers.need_mentions"] = (
        NeedMention.objects.filter(customer=customer).exclude(excerpt="").update(excerpt="")
    )
    # The submissions stay (each form's figures count them), with nothing of the person left on them.
    counts["customers.form_submissions"] = FormSubmission.objects.filter(customer=customer).update(
        email="", data={}, ip=None, confirmed_ip=None
    )
    counts["customers.segment_memberships"] = _leave_segments(customer)
    # When they left which segment: a history of the person, and a journey trigger that must not fire for them.
    counts["customers.segment_departures"] = SegmentDeparture.objects.filter(customer=customer).delete()[0]
    counts["customers.recommendations"] = ProductRecommendation.objects.filter(customer=customer).delete()[0]
    counts["customers.import_logs"] = _import_logs(subject)
    counts["customers.import_files"] = _import_files(subject)
    counts["customers.admin_history"] = history + admin_history_forget(Customer, [customer.pk])
    counts["customers.profile"] = Customer.objects.filter(pk=customer.pk).update(
        first_name="",
        last_name="",
        email="",
        phone="",
        other_phone="",
        external_id="",
        region="",
        city="",
        notes="",
        suppressed=True,
        erased_at=now,
        updated_at=now,
    )
    return counts
