"""The touch rollup's watermark on PostgreSQL: a touch whose transaction drew a lower id but commits after a higher
id was read is still counted (it used to be skipped until a full rebuild)."""

import psycopg2
import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from campaigns.models import Touch, TouchKind, TouchSource
from campaigns.services.tracking import touch_record
from cycle.models import TouchDaily
from cycle.services.rollups import rollups_refresh
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.postgres


def _counted(campaign):
    return TouchDaily.objects.filter(campaign_id=campaign.pk).aggregate(n=Sum("touches"))["n"] or 0


def test_a_touch_committed_after_a_higher_one_was_read_is_counted(transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (DATABASE_URL)")
    settings.DASHBOARD_ROLLUP_SETTLE_SECONDS = 0.3
    campaign = CampaignFactory()
    db = connection.settings_dict
    slow = psycopg2.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    )
    try:
        with slow.cursor() as cursor:  # a writer that draws its id now and commits later
            cursor.execute(
                f"INSERT INTO {Touch._meta.db_table} (campaign_id, step, kind, source, occurred_at, is_automated,"  # noqa: S608
                " agent, user_agent, referrer, detail)"
                " VALUES (%s, 'attention', %s, %s, %s, false, 'person', '', '', '')",
                [campaign.pk, TouchKind.EMAIL_OPEN, TouchSource.EMAIL, timezone.now()],
            )
        touch_record(kind=TouchKind.EMAIL_OPEN, source=TouchSource.EMAIL, campaign=campaign)  # a higher id, committed

        rollups_refresh()
        assert _counted(campaign) == 0  # the lower id is still being written: nothing past it is read yet

        slow.commit()
        rollups_refresh()
        assert _counted(campaign) == 2
    finally:
        slow.close()
