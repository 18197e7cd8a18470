"""What a customer's survey answers say: the at-risk and referral flags, from the bands in ``aftersales.models``.

A detractor (NPS up to ``NPS_DETRACTOR_MAX``) or a very unhappy customer (CSAT average up to
``CSAT_UNHAPPY_MAX``) is at risk, for retention work. A promoter (NPS from ``NPS_PROMOTER_MIN``) whose CSAT
average, when known, is at least ``CSAT_HAPPY_MIN`` is a word-of-mouth and referral candidate.
"""

from decimal import Decimal

from aftersales.models import CSAT_HAPPY_MIN, CSAT_UNHAPPY_MAX, NpsGroup, nps_group_of


def is_at_risk(*, last_nps: int | None, satisfaction: Decimal | None) -> bool:
    if nps_group_of(last_nps) == NpsGroup.DETRACTOR:
        return True
    return satisfaction is not None and satisfaction <= CSAT_UNHAPPY_MAX


def is_referral_candidate(*, last_nps: int | None, satisfaction: Decimal | None) -> bool:
    if satisfaction is not None and satisfaction < CSAT_HAPPY_MIN:
        return False
    return nps_group_of(last_nps) == NpsGroup.PROMOTER
