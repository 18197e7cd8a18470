"""Right of access: one customer's data from every stage, as JSON and as a zip of CSV files, and nobody else's."""

import csv
import io
import json
import zipfile

import pytest
from django.utils import translation

from customers.access import CSV, JSON, personal_data_file
from tests.customers.access_data import SECTIONS, customer_with_everything
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

MINE, THEIRS = "tag-aaa", "tag-bbb"
# Sections whose rows carry no free text of the customer's (only choices, numbers and dates).
UNTAGGED = {"value", "consent", "suppression"}


@pytest.fixture
def mine():
    return customer_with_everything(MINE, persian=True, first_name="زهرا")


@pytest.fixture
def theirs():
    return customer_with_everything(THEIRS)


def _json(customer):
    exported = personal_data_file(customer=customer, fmt=JSON)
    with exported.file:
        return exported, exported.file.read()


def _zip(customer):
    exported = personal_data_file(customer=customer, fmt=CSV)
    with exported.file:
        return exported, exported.file.read()


def _csv_files(data):
    """{section key: (raw bytes, rows)} of a zip of CSV files."""
    files = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            key = name.removesuffix(".csv").split("-", 1)[1]
            files[key] = (raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))))
    return files


def test_the_json_export_holds_every_section_of_the_customer_and_nothing_of_another(mine, theirs):
    exported, data = _json(mine)
    document = json.loads(data)

    assert exported.content_type.startswith("application/json")
    assert list(document["sections"]) == SECTIONS
    for key, section in document["sections"].items():
        assert section["rows"], f"{key} is empty"
        assert section["title"] and all(section["columns"].values())
        if key not in UNTAGGED:
            assert MINE in json.dumps(section["rows"], ensure_ascii=False), key
    text = data.decode("utf-8")
    assert THEIRS not in text
    assert theirs.email not in text and theirs.phone not in text
    profile = document["sections"]["profile"]["rows"]
    assert profile[0]["email"] == mine.email and profile[0]["notes"] == f"{MINE} note"


def test_json_values_are_plain_dates_in_iso_and_decimals_as_strings(mine):
    document = json.loads(_json(mine)[1])
    sections = document["sections"]

    assert sections["value"]["rows"][0]["spend"] == "123.45"
    line = sections["order_lines"]["rows"][0]
    assert (line["unit_price"], line["quantity"], line["amount"]) == ("25.00", 2, "50.00")
    order = sections["orders"]["rows"][0]
    assert order["placed_at"] == mine.orders.get().placed_at.isoformat()
    assert sections["shipments"]["rows"][0]["promised_on"].count("-") == 2  # a date: YYYY-MM-DD
    assert sections["consent"]["rows"] == [
        {"channel": "E-mail", "granted": True, "updated_at": sections["consent"]["rows"][0]["updated_at"]}
    ]


def test_the_zip_has_one_csv_per_section_each_opening_with_the_byte_order_mark(mine, theirs):
    exported, data = _zip(mine)

    assert exported.content_type == "application/zip" and exported.filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert names == [f"{i:02d}-{key}.csv" for i, key in enumerate(SECTIONS, start=1)]
    files = _csv_files(data)
    for key, (raw, rows) in files.items():
        assert raw.startswith(b"\xef\xbb\xbf"), key
        assert len(rows) >= 2, f"{key} has no rows"
        assert all(len(row) == len(rows[0]) for row in rows), key
        assert THEIRS not in raw.decode("utf-8-sig")
    header, *_rows = files["touches"][1]
    assert header[0] == "When"  # translated labels, not codes


def test_a_cell_that_looks_like_a_formula_is_shown_not_run(mine):
    ticket = mine.tickets.get()
    ticket.messages.create(body='=HYPERLINK("https://evil.example","click")')

    rows = _csv_files(_zip(mine)[1])["ticket_messages"][1]
    bodies = [row[rows[0].index("Message")] for row in rows[1:]]
    assert '\'=HYPERLINK("https://evil.example","click")' in bodies
    document = json.loads(_json(mine)[1])
    assert '=HYPERLINK("https://evil.example","click")' in [
        r["body"] for r in document["sections"]["ticket_messages"]["rows"]
    ]


def test_persian_text_comes_back_as_it_was_written(mine):
    touch = mine.touches.get()
    touch.detail = "چای سبز ۱۲ عدد، لطفاً"
    touch.save()

    document = json.loads(_json(mine)[1])
    assert document["sections"]["profile"]["rows"][0]["first_name"] == "زهرا"
    assert document["sections"]["touches"]["rows"][0]["detail"] == "چای سبز ۱۲ عدد، لطفاً"
    assert "چای سبز".encode() in _json(mine)[1]  # written as text, not \\u escapes
    files = _csv_files(_zip(mine)[1])
    header, row = files["touches"][1]
    assert row[header.index("Detail")] == "چای سبز ۱۲ عدد، لطفاً"
    assert files["profile"][1][1][0] == "زهرا"


def test_labels_and_choices_in_the_language_asked_for(mine):
    with translation.override("fa"):
        document = json.loads(_json(mine)[1])
        files = _csv_files(_zip(mine)[1])
    touches = document["sections"]["touches"]
    assert touches["columns"]["occurred_at"] == "زمان"
    assert touches["rows"][0]["kind"] == "پرسش ارسال شد"
    assert files["touches"][1][0][0] == "زمان"
    assert files["consent"][1][1][:2] == ["ایمیل", "بله"]


def test_a_customer_with_nothing_but_a_profile_gets_every_section_empty_but_the_profile():
    lone = CustomerFactory(email="lone@example.com")
    document = json.loads(_json(lone)[1])
    assert list(document["sections"]) == SECTIONS
    assert [k for k, s in document["sections"].items() if s["rows"]] == ["profile"]


def test_many_touches_are_read_a_page_at_a_time(mine, django_assert_max_num_queries):
    from campaigns.models import Touch

    Touch.objects.bulk_create(
        [Touch(customer=mine, step="attention", kind="email_open", source="email") for _ in range(4500)]
    )
    # A page of 2,000 rows per query: three pages and the empty one that ends them, plus the other sections.
    with django_assert_max_num_queries(60):
        document = json.loads(_json(mine)[1])
    assert len(document["sections"]["touches"]["rows"]) == 4501
