from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Preparation")

    def ready(self) -> None:
        # The REST API's resources here, each a read and a write scope of the API keys.
        from emarketing.api.scopes import resources

        resources.register("customers", _("Customers"))
        resources.register("segments", _("Segments"))
        resources.register("needs", _("Needs and wants"))
        # Persian and Arabic-Indic digits in every form's number and date fields (see the function's docstring).
        from customers.segments import register_own_fields
        from emarketing.digits import accept_local_digits_in_forms

        accept_local_digits_in_forms()
        # `check --deploy` warns when several hosts would keep uploads on one host's disk.
        from emarketing.media import register_checks

        register_checks()
        # The segment fields of preparation's own models; later stages register theirs in their ready().
        register_own_fields()
        # Background imports: the customer import here; later stages register theirs (order history).
        from customers.models import ImportKind
        from customers.registry import import_runners
        from customers.services.imports.jobs import customers_import_runner

        import_runners.register(ImportKind.CUSTOMERS, customers_import_runner)
        # Right of access: what preparation holds about a customer; later stages register theirs in their ready().
        from customers.access import access_exporters
        from customers.access.own import preparation_sections

        access_exporters.register("customers", preparation_sections)
        # The audit log: who changed a customer, their consent, a segment and its conditions, the suppression list.
        # The consent history (ConsentEvent) is itself such a record, appended and never edited: not logged twice.
        # A customer's updated_at moves with every save; a segment's count and refresh time with every refresh.
        from customers.models import Consent, Customer, Segment, SegmentCondition, SuppressedAddress
        from emarketing.audit import audit_register

        audit_register(Customer, exclude=("updated_at",))
        audit_register(Consent)
        audit_register(Segment, exclude=("member_count", "refreshed_at"))
        audit_register(SegmentCondition)
        audit_register(SuppressedAddress)
        # Capture forms and what they say: a consent is traced to the wording shown (kept in each submission too).
        from customers.models import CaptureForm, CaptureFormText, FormConsentWording

        audit_register(CaptureForm)
        audit_register(CaptureFormText)
        audit_register(FormConsentWording)
        # The right to be forgotten: preparation's own part of an erasure, first; later stages add theirs.
        from customers.erasure import erasers
        from customers.services.erasure_own import LABELS, erase_preparation

        erasers.register("customers", erase_preparation, labels=LABELS)
        from customers.services import erasure_audit

        erasers.register("audit", erasure_audit.erase_audit_log, labels=erasure_audit.LABELS)
        # The 360° profile: the needs a customer was heard expressing; later stages add their timelines and cards.
        from customers import timeline_own

        timeline_own.register()
        # What preparation publishes (customers created, changed, erased; consent; needs) for whoever listens.
        from customers import events

        events.register()
