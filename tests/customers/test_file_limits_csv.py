"""CSV files people bring in are read within stated limits: rows, columns, characters per cell and per row (a
line, or a record whose quoted cells span lines), whatever ``csv.field_size_limit`` the process has. A refused
file names its limit, imports nothing, and fails its background job."""

import csv
import io
import sys
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from customers.models import Customer, ImportJob, ImportJobStatus, SuppressedAddress
from customers.services.imports import customers_import, import_job_create, import_job_run
from customers.services.suppression import suppression_import
from emarketing.tables import TableProblem, read_table
from orders.services.history import order_history_import

pytestmark = pytest.mark.django_db


def customers(n: int, *, notes: str = "") -> str:
    header = "first_name,email" + (",notes" if notes else "")
    rows = "".join(f"C{i},c{i}@example.com" + (f",{notes}" if notes else "") + "\n" for i in range(n))
    return f"{header}\n{rows}"


def result_of(text: str):
    return customers_import(stream=io.BytesIO(text.encode()), name="customers.csv")


def refused(text: str, match: str) -> str:
    result = result_of(text)
    assert not result.applied and result.file_problem, [str(e) for e in result.errors]
    assert match in result.file_problem, result.file_problem
    assert not Customer.objects.exists()
    return result.file_problem


def imported(text: str) -> int:
    result = result_of(text)
    assert result.applied, [str(e) for e in result.errors]
    Customer.objects.all().delete()
    return result.created


def test_rows_are_refused_one_over_the_limit_and_nothing_of_the_file_is_kept(settings):
    settings.IMPORT_MAX_ROWS = 5
    settings.CUSTOMER_IMPORT_BATCH_SIZE = 2  # batches were written before the limit is reached: all rolled back
    assert imported(customers(5)) == 5
    message = refused(customers(6), "more than 5 rows, the most one import reads")
    assert "Split it into smaller files" in message


def test_columns_are_refused_one_over_the_limit(settings):
    settings.IMPORT_MAX_COLUMNS = 4
    assert imported("first_name,email,a,b\nAli,a@example.com,1,2\n") == 1
    refused("first_name,email,a,b\nAli,a@example.com,1,2,3\n", "Row 2 has more than 4 columns")


def test_a_cell_is_refused_one_character_over_the_limit_with_its_row_and_column(settings):
    settings.IMPORT_MAX_CELL_CHARS = 20
    assert imported(customers(1, notes="n" * 20)) == 1
    refused(customers(1, notes="n" * 21), "Row 2, column 3 holds more than 20 characters")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_row_is_refused_one_character_over_the_line_limit(settings, newline):
    settings.IMPORT_MAX_LINE_CHARS = 17
    assert imported(f"first_name,email{newline}Ali,a@example.com{newline}") == 1  # 17 characters
    refused(f"first_name,email{newline}Alia,a@example.com{newline}", "Row 2 is longer than 17 characters")


def test_a_record_whose_quoted_cell_spans_lines_counts_them_all(settings):
    record = 'Ali,a@example.com,"one\ntwo"'
    settings.IMPORT_MAX_LINE_CHARS = len(record)
    assert imported(f"first_name,email,notes\n{record}\n") == 1
    settings.IMPORT_MAX_LINE_CHARS = len(record) - 1
    refused(f"first_name,email,notes\n{record}\n", "Row 2 is longer than")


def test_the_limits_hold_whatever_csv_field_size_limit_the_process_has(settings):
    before = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)  # another part of the process raised Python's own limit
    try:
        refused(customers(1, notes="n" * 40_000), "holds more than 32,767 characters")
        settings.IMPORT_MAX_LINE_CHARS = 30_000
        refused(customers(1, notes='"' + "n\n" * 20_000 + '"'), "Row 2 is longer than 30,000 characters")
    finally:
        csv.field_size_limit(before)
    assert csv.field_size_limit() == before  # reading never sets it
    settings.IMPORT_MAX_LINE_CHARS = 1_000_000
    refused(customers(1, notes="n" * 200_000), "holds a cell of more than 32,767 characters")


def test_a_huge_line_is_refused_without_being_held():
    data = b"first_name,email,notes\nAli,a@example.com," + b"n" * (24 << 20) + b"\n"
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        with pytest.raises(TableProblem, match="Row 2 is longer than 1,000,000 characters"):
            list(read_table(stream, "customers.csv").rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # about one row at its limit (3 MB), not the 24 MiB line


def test_a_background_job_over_a_limit_fails_with_the_message_and_imports_nothing(settings):
    settings.IMPORT_MAX_ROWS = 2
    path = default_storage.save("imports/customers/big.csv", ContentFile(customers(3).encode()))
    job = import_job_create(kind="customers", path=path, file_name="big.csv", options={"mode": "update"}, rows_total=3)
    assert import_job_run(job_id=job.pk) == ImportJobStatus.FAILED
    job = ImportJob.objects.get(pk=job.pk)
    assert "more than 2 rows" in job.summary and job.summary.endswith("Nothing was changed.")
    assert any("more than 2 rows" in error for error in job.errors)
    assert job.created_count == 0 and not Customer.objects.exists()


def test_the_order_history_import_obeys_the_same_limits(settings):
    settings.IMPORT_MAX_COLUMNS = 3
    text = "order_number,email,sku,quantity\nA-1,a@example.com,SKU-1,1\n"
    result = order_history_import(stream=io.BytesIO(text.encode()), name="orders.csv")
    assert not result.applied and "Row 1 has more than 3 columns" in result.file_problem
    assert result.summary().endswith("Nothing was changed.")


def test_the_suppression_list_import_obeys_the_same_limits(settings):
    settings.IMPORT_MAX_ROWS = 2
    assert suppression_import(file=io.BytesIO(b"email\na@example.com\nb@example.com\n"), name="l.csv").added == 2
    with pytest.raises(ValidationError, match="more than 2 rows"):
        suppression_import(file=io.BytesIO(b"email\nc@example.com\nd@example.com\ne@example.com\n"), name="l.csv")
    assert SuppressedAddress.objects.count() == 2


def test_long_cells_within_the_limits_do_not_pile_up_in_the_date_guess_or_the_errors():
    # 1,000 birthdays of 20,000 characters each: every one an error, none kept whole.
    data = (
        "first_name,email,birthday\n" + "".join(f"C{i},c{i}@example.com,{'9' * 20_000}\n" for i in range(1000))
    ).encode()
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        result = customers_import(stream=stream, name="customers.csv", dry_run=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.error_count == 1000 and len(result.errors) == 500
    assert all(len(error.message) <= 300 for error in result.errors)
    assert result.errors[0].message.endswith("…")
    assert peak < 8 << 20  # the file is 20 MB: neither the date guess nor the kept errors hold its cells


def test_a_date_column_left_empty_everywhere_reads_each_row_once():
    # No format fits a column with no dates: the rows are still read once, from the top (they were read twice,
    # the header among them, and the file refused for addresses "already in row 2").
    result = result_of("first_name,email,birthday\nAli,a@example.com,\nSara,s@example.com,\n")
    assert result.applied, [str(e) for e in result.errors]
    assert (result.rows_read, result.created) == (2, 2)
