"""Reading the files people bring in: delimiters, encodings, apostrophes, workbooks and zip bombs."""

import io
import tracemalloc

import pytest

from emarketing.cells import guess_date_format, parse_datetime, parse_partial_date, parse_yes_no
from emarketing.countries import country_code
from emarketing.tables import TableProblem, detect_preset, read_table, sniff_delimiter
from tests.customers.hostile_files import bomb as zeros_bomb
from tests.customers.hostile_files import workbook


def rows_of(data: bytes, name="file.csv"):
    table = read_table(io.BytesIO(data), name)
    return table.header, [cells for _number, cells in table.rows]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_found(delimiter):
    data = delimiter.join(["First Name", "Email", "City"]) + "\r\n" + delimiter.join(["Ali", "a@example.com", "Qom"])
    assert rows_of(data.encode()) == (["First Name", "Email", "City"], [["Ali", "a@example.com", "Qom"]])


def test_apostrophes_before_ids_and_phones_are_text_not_quotes():
    data = b"Customer ID,First Name,Phone,Note\n'7234,Ali,'+989121234567,it's fine\n'7235,Sara,'+14155550142,\n"
    header, rows = rows_of(data)
    assert len(header) == 4
    assert rows == [["'7234", "Ali", "'+989121234567", "it's fine"], ["'7235", "Sara", "'+14155550142", ""]]


def test_quoted_cells_with_the_delimiter_inside_do_not_mislead_the_detection():
    assert sniff_delimiter(['"Tehran, Iran";"a@example.com"\n', '"Qom, Iran";"b@example.com"\n']) == ";"


def test_a_bom_and_windows_1256_are_read():
    assert rows_of("\ufeffنام,ایمیل\nعلی,ali@example.com\n".encode())[0] == ["نام", "ایمیل"]
    assert rows_of("الاسم;البريد\nعلي;ali@example.com\n".encode("cp1256")) == (
        ["الاسم", "البريد"],
        [["علي", "ali@example.com"]],
    )


def test_an_empty_file_and_a_file_that_is_not_a_workbook_get_one_message():
    with pytest.raises(TableProblem, match="empty"):
        read_table(io.BytesIO(b""), "a.csv")
    with pytest.raises(TableProblem, match="not a readable Excel workbook"):
        read_table(io.BytesIO(b"PK\x03\x04 broken"), "a.xlsx")


def test_a_zip_bomb_posing_as_a_workbook_is_refused_before_it_is_inflated():
    bomb = workbook(zeros_bomb("xl/worksheets/sheet1.xml", 1 << 30))
    assert len(bomb) < 2 << 20
    tracemalloc.start()
    try:
        with pytest.raises(TableProblem, match=r"unpacks to 1,0\d\d times its packed size"):
            read_table(io.BytesIO(bomb), "customers.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # the file itself is 1 MiB; nothing was inflated


def test_a_workbook_within_the_limits_is_read(settings):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["First Name", "Email"])
    book.active.append(["Ali", "a@example.com"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert rows_of(buffer.getvalue(), "a.xlsx") == (["First Name", "Email"], [["Ali", "a@example.com"]])
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = 1000
    with pytest.raises(TableProblem):
        read_table(io.BytesIO(buffer.getvalue()), "a.xlsx")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Iran", "IR"),
        ("ایران", "IR"),
        ("إيران", "IR"),
        ("Iran, Islamic Republic of", "IR"),
        ("IRN", "IR"),
        ("ir", "IR"),
        ("Saudi Arabia", "SA"),
        ("عربستان", "SA"),
        ("عربستان سعودی", "SA"),
        ("السعودية", "SA"),
        ("المملكة العربية السعودية", "SA"),
        ("United Arab Emirates", "AE"),
        ("الإمارات", "AE"),
        ("Iraq", "IQ"),
        ("عراق", "IQ"),
        ("Germany", "DE"),
        ("آلمان", "DE"),
        ("Türkiye", "TR"),
        ("ترکیه", "TR"),
    ],
)
def test_countries_are_read_from_codes_and_names_in_three_languages(text, code):
    assert country_code(text) == code


@pytest.mark.parametrize("text", ["", "Atlantis", "XX", "ع", "United"])
def test_what_is_not_one_country_is_no_country(text):
    assert country_code(text) is None


def test_month_day_birthdays_and_the_boundaries_of_a_date():
    assert parse_partial_date("12/24", "md") == (None, 12, 24)
    assert parse_partial_date("24/12", "dm") == (None, 12, 24)
    assert parse_partial_date("02/29", "md") == (None, 2, 29)
    with pytest.raises(ValueError):
        parse_partial_date("02/30", "md")
    with pytest.raises(ValueError):
        parse_partial_date("13/01", "md")
    assert parse_partial_date("۱۴۰۲/۰۱/۰۱", "ymd") == (2023, 3, 21)  # Solar Hijri


def test_a_columns_format_is_chosen_for_the_whole_column():
    assert guess_date_format(["03/04/2024", "13/04/2024"]).format == "dmy"  # one value decides for all
    assert guess_date_format(["03/04/2024", "04/13/2024"]).format == "mdy"
    ambiguous = guess_date_format(["03/04/2024", "05/06/2024"])
    assert ambiguous.format is None and ambiguous.candidates == ("dmy", "mdy")
    assert guess_date_format(["12/24", "01/31"], allow_no_year=True).format == "md"
    bad = guess_date_format(["13/45", "12/24", "01/31"], allow_no_year=True)
    assert bad.format is None and bad.best == "md"  # one bad cell does not change the column's format


def test_moments_keep_their_offset():
    moment = parse_datetime("2024-03-05 14:22:10 +0330")
    assert moment.isoformat() == "2024-03-05T14:22:10+03:30"
    assert parse_datetime("3/5/2024 2:22 pm", "mdy").hour == 14
    assert parse_datetime("2024-01-15T10:22:00Z").utcoffset().total_seconds() == 0


@pytest.mark.parametrize("text", ["yes", "TRUE", "subscribed", "opted_in", "Opted In", "بله", "نعم", "1", "✓"])
def test_yes_as_people_and_vendors_write_it(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", ["no", "FALSE", "unsubscribed", "opted_out", "cleaned", "خیر", "لا", "0"])
def test_no_as_people_and_vendors_write_it(text):
    assert parse_yes_no(text) is False


def test_a_preset_is_detected_only_when_all_its_signature_headers_are_there():
    from customers.imports.presets import PRESETS

    assert detect_preset(["Email Address", "MEMBER_RATING", "OPTIN_TIME"], PRESETS).key == "mailchimp"
    assert detect_preset(["Email Address", "MEMBER_RATING"], PRESETS) is None


def test_a_file_that_is_not_a_table_gets_one_clear_message():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(TableProblem, match="not a table"):
        read_table(io.BytesIO(png), "customers.csv")
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512  # an .xls renamed .csv
    with pytest.raises(TableProblem, match="not a table"):
        read_table(io.BytesIO(old_excel), "customers.csv")


def test_excels_unicode_text_export_is_read():
    data = "First Name\tEmail\r\nزهرا\tz@example.com\r\n".encode("utf-16")
    assert rows_of(data) == (["First Name", "Email"], [["زهرا", "z@example.com"]])
