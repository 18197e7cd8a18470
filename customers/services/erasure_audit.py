"""The audit log's copies of an erased customer: registered right after preparation's own eraser, so that the last
changes it logged (the values it blanked) are blanked too. The entries stay (who changed which fields, when)."""

from django.utils.translation import gettext_lazy as _

from customers.erasure import Counts, ErasureSubject
from customers.models import Consent, Customer, SuppressedAddress, address_hash
from emarketing.audit import audit_forget

LABELS = {"customers.audit_log": _("entries of the audit log (who changed what is kept, the values go)")}


def erase_audit_log(subject: ErasureSubject) -> Counts:
    hashes = [address_hash(address) for address in subject.emails]
    suppressed = SuppressedAddress.objects.filter(address_hash__in=hashes).values_list("pk", flat=True)
    consents = Consent.objects.filter(customer_id=subject.customer_id).values_list("pk", flat=True)
    blanked = (
        audit_forget(model=Customer, pks=[subject.customer_id])
        + audit_forget(model=SuppressedAddress, pks=list(suppressed))
        + audit_forget(model=Consent, pks=list(consents))
    )
    return {"customers.audit_log": blanked} if blanked else {}
