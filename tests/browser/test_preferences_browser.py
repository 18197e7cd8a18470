"""A Persian customer in a real browser: "Download my data" in the preference centre, laid out right to left."""

import json

import pytest
from django.urls import reverse

from campaigns import tokens
from tests.customers.access_data import SECTIONS, customer_with_everything

pytestmark = pytest.mark.browser


def test_a_persian_customer_downloads_their_data_from_the_preference_centre(
    page, live_server, transactional_db, screenshot
):
    customer = customer_with_everything("tag-aaa", persian=True, first_name="زهرا")
    url = reverse("campaigns:preferences", args=[tokens.preferences_token(customer_id=customer.pk)])
    page.goto(f"{live_server.url}{url}")

    assert page.get_attribute("html", "dir") == "rtl"
    json_button = page.locator('#my-data button[value="json"]')
    csv_button = page.locator('#my-data button[value="csv"]')
    # Right to left: the first button stands to the right of the second.
    assert json_button.bounding_box()["x"] > csv_button.bounding_box()["x"]
    screenshot("preferences-my-data-fa")

    with page.expect_download() as download:
        json_button.click()
    saved = download.value
    assert saved.suggested_filename.startswith("personal-data-") and saved.suggested_filename.endswith(".json")
    with open(saved.path(), encoding="utf-8") as file:
        document = json.load(file)
    assert list(document["sections"]) == SECTIONS
    assert document["sections"]["profile"]["rows"][0]["first_name"] == "زهرا"
