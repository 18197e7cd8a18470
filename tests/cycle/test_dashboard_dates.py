"""The dashboards' period in Persian: typed and shown in the Solar Hijri calendar, kept by every link of the page."""

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation

from cycle.selectors.dashboards import Filters
from cycle.views import DashboardFilterForm

pytestmark = pytest.mark.django_db


def _page(client, name, params, language):
    response = client.get(reverse(f"dashboards:{name}"), params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response, response.content.decode()


def _input(body, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', body)
    assert match, f"no {name} input"
    return match.group(0)


def _attr(tag, attr):
    match = re.search(rf'\s{attr}="([^"]*)"', tag)
    return html.unescape(match.group(1)) if match else None


def test_in_persian_the_period_is_shown_in_the_solar_hijri_calendar_only(manager_client):
    _response, body = _page(manager_client, "transfer", {"start": "2026-10-24", "end": "2026-11-22"}, "fa")
    end = _input(body, "end")
    assert _attr(end, "value") == "۱۴۰۵/۰۹/۰۱"
    assert _attr(end, "type") == "text"
    assert _attr(end, "dir") == "ltr"
    assert _attr(end, "placeholder") == "سال\u200e/\u200eماه\u200e/\u200eروز"
    assert _attr(_input(body, "start"), "value") == "۱۴۰۵/۰۸/۰۲"
    # The hint says which calendar, and the input points to it for screen readers.
    assert _attr(end, "aria-describedby") == "id_end_helptext"
    assert re.search(r'id="id_end_helptext"[^>]*>\s*تقویم هجری شمسی', body)
    # English and Arabic keep the browser's date picker, which takes and gives ISO dates.
    for language in ("en", "ar"):
        _response, body = _page(manager_client, "transfer", {"start": "2026-10-24", "end": "2026-11-22"}, language)
        end = _input(body, "end")
        assert (_attr(end, "type"), _attr(end, "value"), _attr(end, "placeholder")) == ("date", "2026-11-22", None)
        assert "id_end_helptext" not in body


def test_the_default_period_is_shown_in_the_solar_hijri_calendar_too():
    with translation.override("fa"):
        form = DashboardFilterForm(None, dashboard="transfer", choices={}, initial={"end": dt.date(2026, 11, 22)})
        assert 'value="۱۴۰۵/۰۹/۰۱"' in str(form["end"])


@pytest.mark.parametrize("language", ["fa", "en", "ar"])
@pytest.mark.parametrize(
    "start",
    ["۱۴۰۵/۰۸/۰۲", "1405/08/02", "١٤٠٥-٠٨-٠٢", "1405.8.2", "2026-10-24", "۲۰۲۶/۱۰/۲۴", "\u200e۱۴۰۵/۰۸/۰۲\u200f"],
)
def test_a_start_typed_in_either_calendar_and_any_digits_filters_from_that_day(manager_client, language, start):
    response, _body = _page(manager_client, "transfer", {"start": start, "end": "۱۴۰۵/۰۹/۰۱"}, language)
    assert response.context["form"].errors == {}
    assert response.context["filters"].start == dt.date(2026, 10, 24)
    assert response.context["filters"].end == dt.date(2026, 11, 22)


def test_a_gregorian_date_typed_in_persian_is_shown_back_in_the_solar_hijri_calendar(manager_client):
    _response, body = _page(manager_client, "transfer", {"start": "2026-10-24", "end": "۲۰۲۶-۱۱-۲۲"}, "fa")
    assert _attr(_input(body, "end"), "value") == "۱۴۰۵/۰۹/۰۱"


def test_a_solar_hijri_date_in_the_link_of_an_english_page_shows_in_its_date_picker(manager_client):
    _response, body = _page(manager_client, "transfer", {"start": "۱۴۰۵/۰۸/۰۲", "end": "۱۴۰۵/۰۹/۰۱"}, "en")
    assert _attr(_input(body, "start"), "value") == "2026-10-24"


@pytest.mark.parametrize(
    ("language", "start", "message"),
    [
        ("fa", "۱۴۰۵/۱۳/۰۱", "۱۴۰۵/۱۳/۰۱ روزی از تقویم هجری شمسی نیست (سال/ماه/روز)."),
        ("fa", "1404/12/30", "1404/12/30 روزی از تقویم هجری شمسی نیست (سال/ماه/روز)."),
        ("en", "1404/12/30", "1404/12/30 is not a day of the Solar Hijri calendar (year/month/day)."),
        ("ar", "١٤٠٥/١٣/٠١", "١٤٠٥/١٣/٠١ ليس يومًا في التقويم الهجري الشمسي (سنة/شهر/يوم)."),
        ("en", "2026-02-30", "2026-02-30 is not a day of the Gregorian calendar (year-month-day)."),
    ],
)
def test_a_date_that_does_not_exist_is_refused_with_a_message_and_the_default_period(
    manager_client, language, start, message
):
    response, body = _page(manager_client, "transfer", {"start": start}, language)
    assert response.context["form"].errors["start"] == [message]
    assert html.escape(message, quote=False) in body or message in html.unescape(body)
    shown, default = response.context["filters"], Filters.default()
    assert (shown.start, shown.end) == (default.start, default.end)
    assert _attr(_input(body, "start"), "value") == start  # left as typed, next to its message


def test_the_last_day_of_a_leap_year_is_read():
    with translation.override("fa"):
        form = DashboardFilterForm({"start": "۱۴۰۳/۱۲/۳۰"}, dashboard="transfer", choices={})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["start"] == dt.date(2025, 3, 20)


def test_the_csv_links_and_the_tabs_keep_a_solar_hijri_period(manager_client):
    params = {"start": "۱۴۰۵/۰۸/۰۲", "end": "۱۴۰۵/۰۹/۰۱"}
    _response, body = _page(manager_client, "funnel", params, "fa")

    csv_links = [html.unescape(href) for href in re.findall(r'class="[^"]*csv-link[^"]*" href="([^"]+)"', body)]
    assert csv_links
    for href in csv_links:
        download = manager_client.get(reverse("dashboards:funnel") + href, HTTP_ACCEPT_LANGUAGE="fa")
        assert download.status_code == 200
        assert download["Content-Type"].startswith("text/csv")
        assert "-20261024-20261122.csv" in download["Content-Disposition"]
        assert list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))

    tabs = re.search(r'<ul class="nav nav-tabs[^"]*" id="dashboard-nav">(.*?)</ul>', body, re.S).group(1)
    for href in [html.unescape(h) for h in re.findall(r'href="([^"]+\?[^"]+)"', tabs)]:
        response = manager_client.get(href, HTTP_ACCEPT_LANGUAGE="fa")
        assert response.status_code == 200
        assert (response.context["filters"].start, response.context["filters"].end) == (
            dt.date(2026, 10, 24),
            dt.date(2026, 11, 22),
        )
        assert _attr(_input(response.content.decode(), "end"), "value") == "۱۴۰۵/۰۹/۰۱"
