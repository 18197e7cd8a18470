"""A customer's time zone is checked against the tz database read once per process, not walked on disk for every
customer saved (it cost tens of milliseconds a save: an API write, an import row, an admin form)."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from customers.models.customers import _known_time_zones, validate_timezone


def test_the_tz_database_is_read_once_for_many_customers():
    _known_time_zones.cache_clear()
    with mock.patch("zoneinfo.available_timezones", wraps=__import__("zoneinfo").available_timezones) as read:
        for _ in range(3):
            validate_timezone("Asia/Tehran")
    assert read.call_count == 1


def test_an_unknown_time_zone_is_still_refused():
    with pytest.raises(ValidationError):
        validate_timezone("Mars/Olympus_Mons")
