"""Every write of the preparation stage. Other stages (and the loop) write here only through these."""

from .consent import consent_set
from .departments import need_hand_over, need_handover_done
from .forms import form_confirm, form_submit, forms_delete_unconfirmed
from .imports import customers_import, customers_import_files_delete_old
from .needs import need_link_objective, need_set_status
from .needs_heard import Mention, MentionResult, needs_record_mentions
from .profiles import customers_refresh_lifecycle, customers_refresh_tiers_and_stages, customers_refresh_value_tiers
from .profiles_create import NewBuyer, customer_get_or_create, customer_update, customers_create_buyers
from .recommendations import customers_set_recommendations
from .satisfaction import SatisfactionScores, customers_set_satisfaction
from .segments import segment_refresh, segment_save_rules, segments_rebuild_next, segments_refresh_all
from .valuation import customers_refresh_profiles, customers_refresh_values

__all__ = [
    "Mention",
    "MentionResult",
    "NewBuyer",
    "SatisfactionScores",
    "consent_set",
    "customer_get_or_create",
    "customer_update",
    "customers_create_buyers",
    "customers_import",
    "customers_import_files_delete_old",
    "customers_refresh_lifecycle",
    "customers_refresh_profiles",
    "customers_refresh_tiers_and_stages",
    "customers_refresh_value_tiers",
    "customers_refresh_values",
    "customers_set_recommendations",
    "customers_set_satisfaction",
    "form_confirm",
    "form_submit",
    "forms_delete_unconfirmed",
    "need_hand_over",
    "need_handover_done",
    "need_link_objective",
    "need_set_status",
    "needs_record_mentions",
    "segment_refresh",
    "segment_save_rules",
    "segments_rebuild_next",
    "segments_refresh_all",
]
