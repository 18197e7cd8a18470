"""Quiet hours and local clock times in the customer's own time zone (campaigns.send_time)."""

import datetime as dt

import pytest

from campaigns.send_time import allowed_moment, local_moment, parse_clock, quiet_until

UTC = dt.UTC


@pytest.fixture(autouse=True)
def _quiet_hours(settings):
    settings.CAMPAIGNS_QUIET_HOURS_START = "21:00"
    settings.CAMPAIGNS_QUIET_HOURS_END = "08:00"


def test_ten_in_the_morning_in_tehran_is_half_past_six_utc():
    after = dt.datetime(2026, 12, 6, 0, 0, tzinfo=UTC)
    assert local_moment("Asia/Tehran", dt.time(10), after=after) == dt.datetime(2026, 12, 6, 6, 30, tzinfo=UTC)


def test_a_clock_time_already_past_today_is_tomorrows():
    after = dt.datetime(2026, 12, 6, 7, 0, tzinfo=UTC)  # 10:30 in Tehran
    assert local_moment("Asia/Tehran", dt.time(10), after=after) == dt.datetime(2026, 12, 7, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("utc_clock", "quiet"),
    [
        (dt.time(17, 29), False),  # 20:59 in Tehran
        (dt.time(17, 30), True),  # 21:00: quiet hours begin
        (dt.time(4, 29), True),  # 07:59
        (dt.time(4, 30), False),  # 08:00: they end
    ],
)
def test_quiet_hours_have_their_start_inside_and_their_end_outside(utc_clock, quiet):
    moment = dt.datetime.combine(dt.date(2026, 12, 6), utc_clock, tzinfo=UTC)
    assert (quiet_until("Asia/Tehran", moment) is not None) is quiet


def test_a_message_in_the_quiet_hours_waits_for_the_local_morning():
    moment = dt.datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # 23:30 in Tehran, 00:00 in Dubai
    assert allowed_moment("Asia/Tehran", moment) == dt.datetime(2026, 12, 7, 4, 30, tzinfo=UTC)
    assert allowed_moment("Asia/Dubai", moment) == dt.datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    assert allowed_moment("America/New_York", moment) == moment  # 15:00 there


def test_the_same_start_and_end_switch_quiet_hours_off(settings):
    settings.CAMPAIGNS_QUIET_HOURS_END = "21:00"
    moment = dt.datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    assert allowed_moment("Asia/Tehran", moment) == moment


def test_an_unknown_time_zone_reads_as_the_projects_own(settings):
    settings.TIME_ZONE = "UTC"
    moment = dt.datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
    assert allowed_moment("Mars/Olympus", moment) == dt.datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_a_badly_written_clock_time_says_so():
    with pytest.raises(ValueError, match="HH:MM"):
        parse_clock("9am")
