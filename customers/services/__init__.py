"""Every write of the preparation stage. Other stages (and the loop) write here only through these."""

from .consent import consent_set  # noqa: F401
from .feedback import customers_refresh_satisfaction, needs_record_mentions  # noqa: F401
from .imports import customers_import, customers_import_files_delete_old, customers_import_stored_file  # noqa: F401
from .needs import need_link_objective, need_set_status  # noqa: F401
from .profiles import customers_refresh_lifecycle, customers_refresh_value_tiers  # noqa: F401
from .profiles_create import customer_get_or_create  # noqa: F401
from .recommendations import customers_set_recommendations  # noqa: F401
from .segments import segment_refresh, segment_save_rules, segments_refresh_all  # noqa: F401
