"""Preparation: who the customers are, what they consented to and what they need.

One module per subject: customers and their occasions (``customers``), consent (``consent``), the suppression list
(``suppression``), erasures (``privacy``), capture forms (``forms``), segments and their rules (``segments``,
``segment_rules``), needs and wants (``needs``), what the jobs compute about customers (``profiles``) and imports
(``imports``). Every name is imported here, so the rest of the code imports from ``customers.models`` alone, and the
dotted path the migrations name (``customers.models.validate_timezone``) still resolves."""

from customers.models.consent import (
    Consent,
    ConsentChannel,
    ConsentEvent,
    ConsentSource,
)
from customers.models.customers import (
    AcquisitionSource,
    Customer,
    Language,
    LifecycleStage,
    Occasion,
    OccasionKind,
    ValueTier,
    validate_timezone,
)
from customers.models.departments import Department, HandoverBase, NeedHandover, overdue_q
from customers.models.forms import (
    CaptureForm,
    CaptureFormText,
    FormConsentWording,
    FormDaily,
    FormField,
    FormSubmission,
    wording_version,
)
from customers.models.imports import (
    ImportJob,
    ImportJobStatus,
    ImportKind,
    ImportPreset,
)
from customers.models.needs import (
    Need,
    NeedCategory,
    NeedKind,
    NeedMention,
    NeedSource,
    NeedStatus,
)
from customers.models.privacy import Erasure, ErasureSource
from customers.models.profiles import (
    CustomerHistory,
    CustomerValue,
    ProductRecommendation,
    ProfileAttribute,
    RatedBy,
    RecommendationKind,
    TierPolicy,
    ValueModelFit,
    _probability,
)
from customers.models.segment_rules import (
    RELATIVE_DATE_LOOKUPS,
    SegmentCondition,
    SegmentField,
    SegmentLookup,
)
from customers.models.segments import (
    Segment,
    SegmentDeparture,
    SegmentMembership,
)
from customers.models.suppression import (
    SuppressedAddress,
    SuppressionReason,
    address_hash,
    suppression_form,
)

__all__ = [
    "RELATIVE_DATE_LOOKUPS",
    "AcquisitionSource",
    "CaptureForm",
    "CaptureFormText",
    "Consent",
    "ConsentChannel",
    "ConsentEvent",
    "ConsentSource",
    "Customer",
    "CustomerHistory",
    "CustomerValue",
    "Department",
    "Erasure",
    "ErasureSource",
    "FormConsentWording",
    "FormDaily",
    "FormField",
    "FormSubmission",
    "HandoverBase",
    "ImportJob",
    "ImportJobStatus",
    "ImportKind",
    "ImportPreset",
    "Language",
    "LifecycleStage",
    "Need",
    "NeedCategory",
    "NeedHandover",
    "NeedKind",
    "NeedMention",
    "NeedSource",
    "NeedStatus",
    "Occasion",
    "OccasionKind",
    "ProductRecommendation",
    "ProfileAttribute",
    "RatedBy",
    "RecommendationKind",
    "Segment",
    "SegmentCondition",
    "SegmentDeparture",
    "SegmentField",
    "SegmentLookup",
    "SegmentMembership",
    "SuppressedAddress",
    "SuppressionReason",
    "TierPolicy",
    "ValueModelFit",
    "ValueTier",
    "_probability",
    "address_hash",
    "overdue_q",
    "suppression_form",
    "validate_timezone",
    "wording_version",
]
