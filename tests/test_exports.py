"""Spreadsheet cells a CSV export hands out: every way a formula can start is defused, and only those."""

import csv
import io

import pytest
from django.urls import reverse

from emarketing.exports import FORMULA_PREFIXES, escape_cell, unescape_cell
from tests.customers.factories import CustomerFactory

LOOK_ALIKES = ["\uff1d", "\uff0b", "\uff0d", "\uff20", "\uff5c", "|", "\ufe66", "\ufe62", "\ufe63", "\ufe6b", "\u2212"]
LEADS = [" ", "   ", "\u00a0", "\u3000", "\u2009", "\t", "\r", "\n", "\u200f", "\u200e", "\u200c", "\ufeff", " \u200f "]
INNOCENT = [
    "",
    "Reza",
    "علی رضایی",
    "a=b",
    "1-2",
    "ali@example.com",
    "a\uff5cb",
    "  Reza",
    "\u00a0Reza",
    "\u200fعلی",
    "'quoted",
    "'",
]


@pytest.mark.parametrize("sign", LOOK_ALIKES)
def test_full_width_and_look_alike_signs_are_defused(sign):
    cell = f'{sign}HYPERLINK("http://evil.example","x")'
    assert escape_cell(cell) == "'" + cell
    assert escape_cell(sign) == "'" + sign


@pytest.mark.parametrize("lead", LEADS)
@pytest.mark.parametrize("sign", ["=", "+", "-", "@", "\uff1d", "\uff5c", "|"])
def test_spaces_and_invisible_marks_before_a_sign_do_not_hide_it(lead, sign):
    cell = f"{lead}{sign}1+1"
    assert escape_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", INNOCENT)
def test_ordinary_text_is_left_as_written(cell):
    assert escape_cell(cell) == cell
    assert unescape_cell(cell) == cell


@pytest.mark.parametrize(
    "cell",
    [p + "x" for p in FORMULA_PREFIXES] + [lead + sign + "x" for lead in LEADS for sign in LOOK_ALIKES] + INNOCENT,
)
def test_an_exported_cell_reads_back_as_it_was(cell):
    assert unescape_cell(escape_cell(cell)) == cell


@pytest.mark.django_db
def test_the_customer_export_defuses_a_full_width_formula(admin_client):
    CustomerFactory(first_name='\uff1dHYPERLINK("http://evil.example")', last_name=" \uff5ccalc", email="f@example.com")
    response = admin_client.get(reverse("admin:customers_customer_export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(body)) if r["email"] == "f@example.com")
    assert row["first_name"] == '\'\uff1dHYPERLINK("http://evil.example")'
    assert row["last_name"].startswith("'")
