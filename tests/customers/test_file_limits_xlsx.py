"""Excel workbooks people bring in are read within stated limits, whatever the file: zip bombs, archives whose
directory lies, XML entities (billion laughs, XXE), huge shared strings, rows, columns and cells over the limits.
Every refusal names its limit, and nothing of the file is imported."""

import io
import tracemalloc
import zipfile

import openpyxl
import pytest
from defusedxml import DefusedXmlException

from customers.models import Customer
from customers.services.imports import customers_import
from emarketing.tables import TableProblem, estimate_rows, read_table
from tests.customers.hostile_files import (
    BILLION_LAUGHS,
    WORKBOOK,
    XXE,
    Member,
    bomb,
    customers_sheet,
    deflated,
    inline_row,
    shared_strings,
    sheet,
    workbook,
)

pytestmark = pytest.mark.django_db


def rows_of(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    table = read_table(io.BytesIO(data), "customers.xlsx")
    return table.header, list(table.rows)


def refused(data: bytes, match: str) -> str:
    """Import ``data``: refused whole with a message matching ``match``; nothing imported."""
    result = customers_import(stream=io.BytesIO(data), name="customers.xlsx")
    assert not result.applied and result.file_problem, result.errors
    assert match in result.file_problem, result.file_problem
    assert not Customer.objects.exists()
    return result.file_problem


def imported(data: bytes) -> int:
    result = customers_import(stream=io.BytesIO(data), name="customers.xlsx")
    assert result.applied, [str(e) for e in result.errors]
    return result.created


def peak_while(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_shared_strings_rich_text_dates_numbers_and_prefixed_tags_are_read_as_excel_writes_them():
    strings = shared_strings("first_name", "email", "birthday", "زهرا", "z@example.ir", "score", "vip")
    strings = strings.replace(
        "<si><t>زهرا</t></si>", "<si><r><t>زه</t></r><r><rPr/><t>را</t></r><rPh><t>x</t></rPh></si>"
    )
    cells = (
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
        '<x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>5</x:v></x:c><x:c r="E1" t="s"><x:v>6</x:v></x:c>'
        '</x:row><x:row r="3"><x:c r="A3" t="s"><x:v>3</x:v></x:c><x:c r="B3" t="s"><x:v>4</x:v></x:c>'
        '<x:c r="C3" s="1"><x:v>32997</x:v></x:c><x:c r="D3"><x:v>12.0</x:v></x:c><x:c r="E3" t="b"><x:v>1</x:v></x:c>'
        '<x:c r="G3" s="2"><x:v>43832.5</x:v></x:c></x:row>'
    )
    header, rows = rows_of(workbook(sheet(cells, prefix="x"), strings=strings))
    assert header == ["first_name", "email", "birthday", "score", "vip"]
    assert rows == [(3, ["زهرا", "z@example.ir", "1990-05-04", "12", "True", "", "2020-01-02 12:00:00"])]


def test_a_workbook_saved_by_openpyxl_is_read_and_its_rows_estimated():
    book = openpyxl.Workbook()
    book.active.append(["First Name", "Email"])
    for n in range(3):
        book.active.append([f"Ali{n}", f"a{n}@example.com"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert rows_of(buffer.getvalue())[1][-1] == (4, ["Ali2", "a2@example.com"])
    assert estimate_rows(io.BytesIO(buffer.getvalue()), "a.xlsx") == 3


# --- the archive, judged before it is unpacked -------------------------------------------------------------------


def test_a_one_gib_zip_bomb_is_refused_by_its_ratio_before_anything_is_inflated():
    data = workbook(bomb("xl/worksheets/sheet1.xml", 1 << 30))
    assert len(data) < 2 << 20
    message = []
    peak = peak_while(lambda: message.append(refused(data, "times its packed size")))
    assert "a zip bomb" in message[0] and "100 times" in message[0]
    assert peak < 8 << 20  # the file itself is about 1 MiB: nothing was inflated


def test_the_compression_ratio_of_a_part_is_refused_one_over_the_limit(settings):
    settings.IMPORT_XLSX_MAX_RATIO = 50
    packed, size = 50_000, 2_500_000  # parts under 1 MiB are not judged by their ratio
    # The directory's sizes alone decide: the picture is never unpacked.
    at_limit = Member("xl/media/image1.png", b"\0" * packed, size, method=zipfile.ZIP_STORED)
    over = Member("xl/media/image1.png", b"\0" * packed, size + 1, method=zipfile.ZIP_STORED)
    assert imported(workbook(customers_sheet(1), extra=(at_limit,))) == 1
    Customer.objects.all().delete()
    refused(workbook(customers_sheet(1), extra=(over,)), "more than the 50 times")


def test_the_unpacked_total_is_refused_one_byte_over_the_limit(settings):
    base = workbook(customers_sheet(1), extra=(deflated("docProps/app.xml", ""),))
    with zipfile.ZipFile(io.BytesIO(base)) as parts:
        total = sum(info.file_size for info in parts.infolist())
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = total + 10
    assert imported(workbook(customers_sheet(1), extra=(deflated("docProps/app.xml", "x" * 10),))) == 1
    Customer.objects.all().delete()
    message = refused(workbook(customers_sheet(1), extra=(deflated("docProps/app.xml", "x" * 11),)), "unpacks to")
    assert "more than the" in message


def test_a_part_is_refused_one_byte_over_the_part_limit(settings):
    settings.IMPORT_XLSX_MAX_MEMBER_BYTES = 1000
    assert imported(workbook(customers_sheet(1), extra=(deflated("docProps/app.xml", "x" * 1000),))) == 1
    Customer.objects.all().delete()
    message = refused(workbook(customers_sheet(1), extra=(deflated("docProps/app.xml", "x" * 1001),)), "app.xml")
    assert "of one part" in message


def test_the_number_of_parts_is_refused_one_over_the_limit(settings):
    settings.IMPORT_XLSX_MAX_MEMBERS = 8
    five = workbook(customers_sheet(1))  # five package parts
    assert imported(workbook(customers_sheet(1), extra=tuple(deflated(f"x/{i}.xml", "") for i in range(3)))) == 1
    Customer.objects.all().delete()
    refused(workbook(customers_sheet(1), extra=tuple(deflated(f"x/{i}.xml", "") for i in range(4))), "9 parts")
    # An end record that lies about the count does not get a bigger directory read.
    assert zipfile.ZipFile(io.BytesIO(five)).testzip() is None
    refused(
        workbook(customers_sheet(1), extra=tuple(deflated(f"x/{i}.xml", "") for i in range(4)), declared_count=1),
        "parts",
    )


def test_a_part_compressed_in_a_way_excel_never_writes_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook(customers_sheet(1)))) as source, zipfile.ZipFile(buffer, "w") as copy:
        for info in source.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename.endswith("sheet1.xml") else zipfile.ZIP_DEFLATED
            copy.writestr(info.filename, source.read(info), compress_type=method)
    refused(buffer.getvalue(), "compressed in a way Excel never writes")


def test_a_directory_that_lies_about_a_parts_size_gets_no_more_than_it_declares():
    # The directory declares 4 KiB; the part inflates to 1 GiB. Nothing past the declared size is unpacked.
    before = sheet("", before="").split("<sheetData>")[0].encode() + b"<sheetData><row><c t='inlineStr'><is><t>"
    liar = bomb("xl/worksheets/sheet1.xml", 1 << 30, before=before, declared=4096)
    data = workbook(liar)
    message = []
    peak = peak_while(lambda: message.append(refused(data, "does not unpack to what its archive declares")))
    assert "sheet1.xml" in message[0]
    assert peak < 8 << 20


def test_a_directory_that_declares_less_than_the_limits_is_held_to_what_really_unpacks(settings):
    # Declared 100 bytes, really 10 KiB of XML whose CRC matches the whole: the read stops at the declared size.
    real = customers_sheet(200).encode()
    part = deflated("xl/worksheets/sheet1.xml", real)
    part.declared = 100
    refused(workbook(part), "does not unpack to what its archive declares")


# --- XML entities and tokens -----------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["sheet", "strings", "workbook"])
@pytest.mark.parametrize("declarations", [BILLION_LAUGHS, XXE], ids=["billion laughs", "xxe"])
def test_xml_entities_are_refused_wherever_they_are_and_read_nothing(where, declarations):
    reference = "&lol9;" if declarations == BILLION_LAUGHS else "&secret;"
    strings = shared_strings("first_name", "email", reference if where == "strings" else "Ali", "a@example.com")
    rows = sheet(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
    )
    book = WORKBOOK
    if where == "sheet":
        rows = declarations + rows.replace(
            '<v>2</v></c><c r="B2"', f'<v>2</v></c><c r="C2" t="inlineStr"><is><t>{reference}</t></is></c><c r="B2"'
        )
    elif where == "strings":
        strings = declarations + strings
    else:
        book = declarations + book.replace('name="Customers"', f'name="{reference}"')
    message = []
    peak = peak_while(lambda: message.append(refused(workbook(rows, strings=strings, workbook_xml=book), "declares")))
    assert "document type or XML entities" in message[0]
    assert "root:" not in message[0]
    assert peak < 8 << 20


def test_openpyxl_itself_parses_with_defusedxml():
    """Any other use of openpyxl in the process refuses entities too: defusedxml is installed and picked up."""
    assert openpyxl.DEFUSEDXML is True
    data = workbook(customers_sheet(1), workbook_xml=XXE + WORKBOOK.replace('name="Customers"', 'name="&secret;"'))
    with pytest.raises(ValueError, match="Unable to read workbook") as raised:
        openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert isinstance(raised.value.__cause__, DefusedXmlException)


def test_a_tag_or_comment_longer_than_256_kib_is_refused_while_streaming(settings):
    settings.IMPORT_XLSX_MAX_RATIO = 10_000  # past the zip-bomb check, to the XML
    comment = bomb("xl/worksheets/sheet1.xml", 8 << 20, fill=b"a", before=b"<worksheet><!--")
    refused(workbook(comment), "XML tag or comment longer than 256.0\xa0KB")


def test_xml_that_is_not_well_formed_is_a_damaged_workbook_not_an_error_page():
    refused(workbook("<worksheet><sheetData><row></sheetData>"), "not well-formed XML (line 1)")


# --- shared strings, rows, columns, cells ----------------------------------------------------------------------


def test_shared_strings_are_refused_one_byte_over_their_limit_before_they_are_read(settings):
    strings = shared_strings("first_name", "email", "Ali", "a@example.com")
    rows = sheet(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
    )
    settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = len(strings.encode())
    assert imported(workbook(rows, strings=strings)) == 1
    Customer.objects.all().delete()
    settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = len(strings.encode()) - 1
    refused(workbook(rows, strings=strings), "shared strings unpack to")


def test_a_tiny_sheet_over_a_huge_shared_strings_table_is_refused_before_the_table_is_read(settings):
    settings.IMPORT_XLSX_MAX_RATIO = 10_000  # past the zip-bomb check, to the shared strings' own limit
    huge = bomb("xl/sharedStrings.xml", 200 << 20, before=b"<sst><si><t>")
    peak = peak_while(lambda: refused(workbook(customers_sheet(1), strings=huge), "shared strings unpack to 200.0"))
    assert peak < 8 << 20


def test_a_reference_to_a_shared_string_that_does_not_exist_is_a_clear_refusal():
    rows = sheet('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>7</v></c></row>')
    refused(workbook(rows, strings=shared_strings("first_name")), "refers to a shared string")


def test_rows_are_refused_one_over_the_limit_even_when_the_sheet_skips_to_them(settings):
    settings.IMPORT_MAX_ROWS = 3
    assert imported(workbook(customers_sheet(3))) == 3
    Customer.objects.all().delete()
    refused(workbook(customers_sheet(4)), "more than 3 rows")
    # Two rows on disk, the second numbered as a spreadsheet's last: as many rows as it claims.
    claims = sheet(inline_row(1, "first_name", "email") + inline_row(1048576, "Ali", "a@example.com"))
    refused(workbook(claims), "more than 3 rows")


def test_columns_are_refused_one_over_the_limit(settings):
    settings.IMPORT_MAX_COLUMNS = 4
    assert (
        imported(workbook(sheet(inline_row(1, "first_name", "email", "x", "y") + inline_row(2, "A", "a@example.com"))))
        == 1
    )
    Customer.objects.all().delete()
    refused(workbook(sheet(inline_row(1, "first_name", "email", "x", "y", "z"))), "more than 4 columns")
    # One cell far to the right is as many columns as its place says.
    far = sheet('<row r="1"><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>')
    refused(workbook(far), "Row 1 has more than 4 columns")


def test_a_cell_is_refused_one_character_over_the_limit(settings):
    settings.IMPORT_MAX_CELL_CHARS = 20
    header = inline_row(1, "first_name", "email")
    assert imported(workbook(sheet(header + inline_row(2, "A" * 20, "a@example.com")))) == 1
    Customer.objects.all().delete()
    message = refused(workbook(sheet(header + inline_row(2, "A" * 21, "a@example.com"))), "more than 20 characters")
    assert "Row 2, column 1" in message
    refused(workbook(sheet(header), strings=shared_strings("B" * 21)), "more than 20 characters")


def test_a_row_is_refused_one_character_over_the_line_limit(settings):
    settings.IMPORT_MAX_LINE_CHARS = 30
    header = inline_row(1, "first_name", "email")
    assert imported(workbook(sheet(header + inline_row(2, "A" * 17, "a@example.com")))) == 1  # 17 + 13
    Customer.objects.all().delete()
    refused(workbook(sheet(header + inline_row(2, "A" * 18, "a@example.com"))), "Row 2 is longer than 30 characters")


def test_a_limit_reached_after_rows_were_written_leaves_nothing_behind(settings):
    settings.CUSTOMER_IMPORT_BATCH_SIZE = 2
    settings.IMPORT_MAX_ROWS = 5
    refused(workbook(customers_sheet(6)), "more than 5 rows")


def test_the_file_size_is_checked_before_a_byte_is_read(settings):
    data = workbook(customers_sheet(2))
    settings.IMPORT_MAX_UPLOAD_BYTES = len(data) - 1

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            chunk = super().read(size)
            Counting.read_bytes += len(chunk)
            return chunk

    with pytest.raises(TableProblem, match="larger than"):
        read_table(Counting(data), "customers.xlsx")
    assert Counting.read_bytes == 0
    settings.IMPORT_MAX_UPLOAD_BYTES = len(data)
    assert len(rows_of(data)[1]) == 2


def test_shared_strings_repeated_past_what_the_workbook_may_unpack_to_are_refused(settings):
    strings = shared_strings("first_name", "email", "x" * 1000)
    rows = [inline_row(1, "first_name", "email")]
    rows += [f'<row r="{n}"><c r="A{n}" t="s"><v>2</v></c><c r="B{n}" t="s"><v>1</v></c></row>' for n in range(2, 8)]
    data = workbook(sheet("".join(rows)), strings=strings)
    text = len("first_name") + len("email") + 6 * (1000 + len("email"))  # what the cells hold: 6,045 characters
    with zipfile.ZipFile(io.BytesIO(data)) as parts:
        assert sum(info.file_size for info in parts.infolist()) < text  # more than the workbook unpacks to
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = text
    assert len(rows_of(data)[1]) == 6
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = text - 1
    refused(data, "hold more than 6,044 characters in all")


def test_rows_wait_as_the_xml_says_and_are_spread_into_their_columns_one_at_a_time(settings):
    # Twenty bytes of XML put a cell in column 1,000: twenty thousand such rows never wait as 1,000 columns each.
    settings.IMPORT_XLSX_MAX_RATIO = 10_000
    rows = [inline_row(1, "first_name", "email")]
    rows += [f'<row r="{n}"><c r="ALL{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(2, 20_002)]
    data = workbook(sheet("".join(rows)))
    widths = set()

    def read():
        for _number, cells in read_table(io.BytesIO(data), "customers.xlsx").rows:
            widths.add(len(cells))

    assert peak_while(read) < 4 << 20  # one spread row is 8 KB; a chunk's worth of them would be 20 MB
    assert widths == {1000}
