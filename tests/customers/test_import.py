import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from customers.models import Consent, ConsentEvent, ConsentSource, Customer, Occasion
from customers.services import customers_import
from emarketing.cells import parse_date
from emarketing.contacts import normalise_phone
from emarketing.exports import escape_cell
from tests.customers.factories import ConsentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def csv_file(text, encoding="utf-8"):
    return io.BytesIO(text.encode(encoding))


def run(text, encoding="utf-8", **kwargs):
    return customers_import(stream=csv_file(text, encoding), name="customers.csv", **kwargs)


def test_a_clean_file_creates_customers_with_normalised_digits():
    result = run(
        "first_name,last_name,email,phone,birthday,country\n"
        "علی,رضایی,ali@example.com,۰۹۱۲ ۱۲۳-۴۵۶۷,۱۳۷۰/۰۵/۱۲,ir\n"
        "سارة,العتيبي,SARA@example.com,٠٥٠١٢٣٤٥٦٧,١٩٩٠-٠٢-٠٣,SA\n"
    )
    assert result.applied, [str(e) for e in result.errors]
    assert (result.created, result.updated) == (2, 0)
    ali = Customer.objects.get(email="ali@example.com")
    assert (ali.first_name, ali.phone, ali.country, ali.acquisition_source) == ("علی", "+989121234567", "IR", "import")
    sara = Customer.objects.get(email="sara@example.com")
    assert sara.phone == "+966501234567"  # a national number read in the row's own country
    assert Occasion.objects.get(customer=ali).year == 1991  # 1370/05/12 in the Persian calendar is 1991-08-03
    assert (Occasion.objects.get(customer=sara).month, Occasion.objects.get(customer=sara).day) == (2, 3)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1256"])
def test_utf8_with_or_without_bom_and_windows_1256_are_read(encoding):
    result = run("first_name,email\nمحمد,m@example.com\n", encoding=encoding)
    assert result.applied
    assert Customer.objects.get().first_name == "محمد"


def test_faulty_rows_are_named_by_row_and_column_and_nothing_changes():
    result = run(
        "first_name,email,phone,preferred_language,birthday,consent_email\n"
        "Ok,ok@example.com,,,,\n"
        ",no-name@example.com,,,,\n"
        "Bad,not-an-email,,,,\n"
        "Lang,lang@example.com,,klingon,,\n"
        "Date,date@example.com,,,31/31/2020,\n"
        "Consent,c@example.com,,,,maybe\n"
        "Nobody,,,,,\n"
    )
    assert not result.applied
    assert Customer.objects.count() == 0
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (3, "first_name"),
        (4, "email"),
        (5, "preferred_language"),
        (6, "birthday"),
        (7, "consent_email"),
        (8, "email"),
    }
    assert "Row 4, column “email”" in str(result.errors[1])


def test_notes_longer_than_the_limit_are_refused_and_at_the_limit_kept():
    result = run(f"first_name,email,notes\nLong,long@example.com,{'ن' * 5001}\nEdge,edge@example.com,{'ن' * 5000}\n")
    assert not result.applied and Customer.objects.count() == 0
    assert [(e.row, e.column) for e in result.errors] == [(2, "notes")]
    assert "At most 5000 characters" in str(result.errors[0])


def test_an_error_late_in_the_file_rolls_back_batches_already_written():
    rows = "".join(f"C{i},c{i}@example.com\n" for i in range(25))
    result = run("first_name,email\n" + rows + "Broken,broken@\n", batch_size=10)
    assert not result.applied
    assert [(e.row, e.column) for e in result.errors] == [(27, "email")]
    assert Customer.objects.count() == 0


def test_duplicates_by_email_are_updated_when_asked():
    existing = CustomerFactory(email="known@example.com", first_name="Old", city="Shiraz", phone="0912")
    result = run("first_name,email,city\nNew,KNOWN@example.com,\nOther,other@example.com,Tabriz\n")
    assert result.applied
    assert (result.created, result.updated) == (1, 1)
    existing.refresh_from_db()
    assert existing.first_name == "New"
    assert existing.city == "Shiraz"  # an empty cell keeps what is stored


def test_duplicates_by_email_are_refused_when_asked():
    CustomerFactory(email="known@example.com")
    result = run("first_name,email\nNew,known@example.com\nOther,other@example.com\n", on_duplicate="refuse")
    assert not result.applied
    assert [(e.row, e.column) for e in result.errors] == [(2, "email")]
    assert "already exists" in result.errors[0].message
    assert not Customer.objects.filter(email="other@example.com").exists()


def test_the_same_email_twice_in_the_file_is_an_error_even_across_batches():
    result = run("first_name,email\nA,a@example.com\nB,b@example.com\nA2,a@example.com\n", batch_size=2)
    assert not result.applied
    assert [(e.row, e.column) for e in result.errors] == [(4, "email")]


def test_consent_comes_only_from_an_explicit_column_and_is_recorded_as_import():
    run("first_name,email\nNo,column@example.com\n")
    assert not Consent.objects.exists()
    result = run(
        "first_name,email,consent_email,consent_sms\n"
        "Yes,yes@example.com,بله,\n"
        "No,no@example.com,لا,نعم\n"
        "Blank,blank@example.com,,\n"
    )
    assert result.applied
    states = set(Consent.objects.values_list("customer__email", "channel", "granted"))
    assert states == {
        ("yes@example.com", "email", True),
        ("no@example.com", "email", False),
        ("no@example.com", "sms", True),
    }
    assert set(ConsentEvent.objects.values_list("source", flat=True)) == {ConsentSource.IMPORT}


def test_consent_of_existing_customers_records_only_changes():
    customer = CustomerFactory(email="known@example.com")
    ConsentFactory(customer=customer, channel="email", granted=True)
    run("first_name,email,consent_email,consent_sms\nK,known@example.com,yes,no\n")
    assert set(customer.consents.values_list("channel", "granted")) == {("email", True), ("sms", False)}
    assert list(customer.consent_events.values_list("channel", flat=True)) == ["sms"]


def test_a_dry_run_checks_everything_and_changes_nothing():
    result = run("first_name,email\nA,a@example.com\n", dry_run=True)
    assert result.ok and not result.applied
    assert result.created == 1
    assert Customer.objects.count() == 0


def test_excel_files_are_read_with_digits_and_dates_normalised():
    book = Workbook()
    sheet = book.active
    sheet.append(["First name", "E-mail", "Phone", "Birthday", "Customer since"])
    sheet.append(["Reza", "reza@example.com", 9121234567, dt.datetime(1985, 4, 1), "۱۴۰۲/۰۱/۰۱"])  # noqa: DTZ001 (Excel cells are naive)
    sheet.append(["Laila", "laila@example.com", "+971 50 123 4567", "1990-12-24", None])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = customers_import(stream=buffer, name="customers.xlsx")
    assert result.applied, [str(e) for e in result.errors]
    reza = Customer.objects.get(email="reza@example.com")
    assert reza.phone == "+989121234567"  # no country on the row: PHONE_DEFAULT_REGION
    assert reza.created_at.date() == dt.date(2023, 3, 21)  # 1 Farvardin 1402
    assert Occasion.objects.get(customer=reza).year == 1985
    assert Customer.objects.get(email="laila@example.com").phone == "+971501234567"


def test_a_file_without_the_needed_columns_is_refused_as_a_whole():
    result = run("name_of_pet,colour\nRex,brown\n")
    assert not result.applied
    assert result.errors[0].row == 1


def test_helpers():
    assert normalise_phone("۰۰۹۸ ۹۱۲ (۱۲۳) ۴۵۶۷") == "+989121234567"
    assert parse_date("٢٠٢٤/٠٣/٠٥") == dt.date(2024, 3, 5)
    assert parse_date("05/03/2024") == dt.date(2024, 3, 5)
    for dangerous in ('=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert escape_cell(dangerous).startswith("'")
    assert escape_cell("Reza") == "Reza"


def test_a_file_that_breaks_off_in_the_middle_changes_nothing():
    previous = csv.field_size_limit(50)
    try:
        result = run("first_name,email\nA,a@example.com\nB,b@example.com\nC," + "x" * 100 + "\n", batch_size=1)
    finally:
        csv.field_size_limit(previous)
    assert not result.applied
    assert [e.row for e in result.errors] == [4]
    assert Customer.objects.count() == 0


def test_text_with_tabs_newlines_and_backslashes_is_stored_as_written():
    result = run('first_name,email,notes\nA,a@example.com,"line one\n\tC:\\path\\N, ok"\n')
    assert result.applied
    assert Customer.objects.get().notes == "line one\n\tC:\\path\\N, ok"


def test_phones_are_stored_in_e164_read_in_the_rows_country():
    result = run(
        "first_name,email,phone,country\n"
        "Ali,ali@example.com,۰۹۱۲ ۱۲۳ ۴۵۶۷,IR\n"
        "Sara,sara@example.com,050 123 4567,sa\n"  # a lower-case code: still Saudi Arabia
        "Huda,huda@example.com,+966 50 123 4568,\n"  # international form: no country needed
    )
    assert result.applied, [str(e) for e in result.errors]
    assert dict(Customer.objects.values_list("first_name", "phone")) == {
        "Ali": "+989121234567",
        "Sara": "+966501234567",
        "Huda": "+966501234568",
    }


def test_a_national_number_of_another_country_needs_the_rows_country():
    result = run("first_name,email,phone,country\nNoor,noor@example.com,0501234568,\n")
    assert not result.applied  # read in the default country (IR), where it is no number
    assert [e.column for e in result.errors] == ["phone"]
    assert str(result.errors[0]).startswith("Row 2, column “phone”: “0501234568” is not a valid phone number")
    result = run("first_name,email,phone,country\nNoor,noor@example.com,0501234568,Saudi\n")
    assert result.applied, [str(e) for e in result.errors]  # the row's country, written as a name
    assert Customer.objects.get().phone == "+966501234568"


def test_a_file_with_an_invalid_phone_names_that_row_and_column_and_changes_nothing():
    result = run(
        "first_name,email,phone\n"
        "Ali,ali@example.com,+98 912 123 4567\n"
        "Reza,,0912 ۱۲۳\n"  # too short: the only contact given
        "Omid,omid@example.com,0912-ABC-4567\n"
    )
    assert not result.applied
    assert Customer.objects.count() == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, "phone"), (4, "phone")]
    assert "“0912 ۱۲۳” is not a valid phone number" in str(result.errors[0])
    assert "“0912-ABC-4567” is not a valid phone number" in str(result.errors[1])


def test_addresses_are_checked_and_internationalised_ones_kept():
    result = run(
        "first_name,email\n"
        "Zahra,زهرا@مثال.ایران\n"
        "José,JOSÉ@Example.com\n"
        'Quoted,"""ali rezaei""@example.com"\n'
        "Local,ali@localhost\n"
        "Literal,ali@[127.0.0.1]\n"
    )
    assert [(e.row, e.column) for e in result.errors] == [(4, "email"), (5, "email"), (6, "email")]
    assert str(result.errors[1]) == "Row 5, column “email”: “ali@localhost” is not a valid e-mail address."

    result = run("first_name,email\nZahra,زهرا@مثال.ایران\nJosé,JOSÉ@Example.com\n")
    assert result.applied, [str(e) for e in result.errors]
    assert set(Customer.objects.values_list("email", flat=True)) == {"زهرا@مثال.ایران", "josé@example.com"}
