"""Customer files in the exact column layouts other tools export, with English, Persian and Arabic people."""

import csv
import io

PEOPLE = [
    # first, last, e-mail, phone as a national number, country as the tool writes it, city
    ("Sara", "Miller", "sara.miller@example.com", "+1 415 555 0142", "US", "San Francisco"),
    ("زهرا", "احمدی", "zahra.ahmadi@example.ir", "0912 345 6789", "IR", "تهران"),
    ("فاطمة", "الزهراني", "fatima@example.sa", "050 123 4567", "SA", "الرياض"),
    ("Reza", "Karimi", "reza.karimi@example.com", "09351234567", "IR", "Shiraz"),
]
COUNTRY_NAMES = {"US": "United States", "IR": "Iran", "SA": "Saudi Arabia"}
COUNTRY_NAMES_FA = {"US": "آمریکا", "IR": "ایران", "SA": "عربستان سعودی"}
COUNTRY_NAMES_AR = {"US": "الولايات المتحدة", "IR": "إيران", "SA": "السعودية"}


def csv_bytes(header, rows, *, delimiter=",", encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


MAILCHIMP_HEADER = [
    "Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday", "MEMBER_RATING",
    "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF",
    "TIMEZONE", "CC", "REGION", "LAST_CHANGED", "LEID", "EUID", "NOTES", "TAGS",
]  # fmt: skip


def mailchimp(people=PEOPLE, birthdays=("12/24", "03/04", "11/30", "02/29")):
    rows = [
        [
            email, first, last, "", phone, birthday, "2", "2023-05-01 10:00:00", "", "2023-05-01 10:05:00", "",
            "", "", "", "", {"US": "America/Los_Angeles", "IR": "Asia/Tehran", "SA": "Asia/Riyadh"}[cc], cc, "",
            "2024-01-01 08:00:00", f"10{i}", f"eu{i}", "", '"VIP"',
        ]
        for i, ((first, last, email, phone, cc, _city), birthday) in enumerate(zip(people, birthdays, strict=False))
    ]  # fmt: skip
    return csv_bytes(MAILCHIMP_HEADER, rows)


MAUTIC_HEADER = [
    "id", "title", "firstname", "lastname", "company", "position", "email", "mobile", "phone", "points", "fax",
    "address1", "address2", "city", "state", "zipcode", "country", "preferred_locale", "timezone", "last_active",
    "attribution_date", "attribution", "website", "facebook", "instagram", "linkedin", "twitter", "date_added",
]  # fmt: skip


def mautic(people=PEOPLE, names=COUNTRY_NAMES):
    locales = {"US": "en_US", "IR": "fa_IR", "SA": "ar_SA"}
    rows = [
        [
            str(40 + i), "", first, last, "", "", email, phone, "+98 21 8888 7777" if cc == "IR" else "", "0", "",
            "", "", city, "", "", names[cc], locales[cc], "", "", "", "", "", "", "", "", "", "2024-01-15 10:22:00",
        ]
        for i, (first, last, email, phone, cc, city) in enumerate(people)
    ]  # fmt: skip
    return csv_bytes(MAUTIC_HEADER, rows)


HUBSPOT_HEADER = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Country/Region",
    "State/Region", "City", "Create Date", "Lifecycle Stage", "Contact owner", "Marketing contact status",
    "Preferred language",
]  # fmt: skip


def hubspot(people=PEOPLE, names=COUNTRY_NAMES):
    languages = {"US": "English", "IR": "Persian", "SA": "Arabic"}
    rows = [
        [
            str(5100 + i), first, last, email, "", phone, names[cc], "Fars" if city == "Shiraz" else "", city,
            "2024-02-01 09:30", "customer", "Owner", "Marketing contact", languages[cc],
        ]
        for i, (first, last, email, phone, cc, city) in enumerate(people)
    ]  # fmt: skip
    return csv_bytes(HUBSPOT_HEADER, rows, delimiter=";")


SHOPIFY_HEADER = [
    "Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing", "Default Address Company",
    "Default Address Address1", "Default Address Address2", "Default Address City", "Default Address Province Code",
    "Default Address Country Code", "Default Address Zip", "Default Address Phone", "Phone", "Accepts SMS Marketing",
    "Total Spent", "Total Orders", "Note", "Tax Exempt", "Tags",
]  # fmt: skip


def shopify(people=PEOPLE):
    rows = [
        [
            f"'72345678901{i}", first, last, email, "yes" if i % 2 == 0 else "no", "", "Street 1", "", city, "",
            cc, "", "", f"'{phone.replace(' ', '')}", "no", "120.00", "3", "", "no", "",
        ]
        for i, (first, last, email, phone, cc, city) in enumerate(people)
    ]  # fmt: skip
    # Shopify writes no quotes where none are needed: the apostrophes stand bare in the cells.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(SHOPIFY_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


WOOCOMMERCE_HEADER = [
    "Name", "Username", "Last active", "Date registered", "Email", "Orders", "Total spend", "AOV",
    "Country / Region", "City", "Region", "Postal code",
]  # fmt: skip


def woocommerce(people=PEOPLE, names=COUNTRY_NAMES):
    rows = [
        [
            f"{first} {last}", f"user{i}", "2024-05-01", "2023-11-20 14:02:11", email, "2", "80.00", "40.00",
            names[cc], city, "", "",
        ]
        for i, (first, last, email, _phone, cc, city) in enumerate(people)
    ]  # fmt: skip
    return csv_bytes(WOOCOMMERCE_HEADER, rows)
