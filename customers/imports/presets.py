"""The customer exports of the tools a team leaves, and the product's own template, as import presets.

Each preset names the headers that identify the layout (all must be present: detection is by header, never by
the file's name), which field each of its columns fills, and the date formats the tool writes. Columns a
preset does not name are matched by the product's own names and aliases (``columns.ALIASES``), and whatever
is left is listed as ignored in the preview, never silently dropped.
"""

from django.utils.translation import gettext_lazy as _

from customers.imports.columns import COLUMNS
from emarketing.tables import Preset, header_key


def _keys(columns: dict[str, str]) -> dict[str, str]:
    return {header_key(name): target for name, target in columns.items()}


def _signature(*names: str) -> tuple[str, ...]:
    return tuple(header_key(name) for name in names)


TEMPLATE = Preset(
    key="template",
    name=_("E-marketing cycle (this product's template and export)"),
    signature=_signature("first_name", "consent_email"),
    columns={name: name for name in COLUMNS},
    formats={"birthday": "ymd", "customer_since": "ymd"},
)

# Mailchimp: Audience → Export audience (subscribed_members_export_*.csv). Birthdays are month/day ("12/24"),
# OPTIN_TIME is "2023-05-01 10:00:00"; the file holds subscribed contacts, but consent is not a column.
MAILCHIMP = Preset(
    key="mailchimp",
    name=_("Mailchimp audience export"),
    signature=_signature("Email Address", "MEMBER_RATING", "OPTIN_TIME"),
    columns=_keys(
        {
            "Email Address": "email",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Phone Number": "phone",
            "Birthday": "birthday",
            "OPTIN_TIME": "customer_since",
            "CC": "country",
            "REGION": "region",
            "TIMEZONE": "time_zone",
            "NOTES": "notes",
            "LEID": "external_id",
        }
    ),
    formats={"birthday": "md", "customer_since": "ymd"},
)

# Mautic: Contacts → Export (CSV or Excel). Headers are the field aliases; countries are names ("Iran"),
# preferred_locale is "fa_IR", dates are "2024-01-15 10:22:00".
MAUTIC = Preset(
    key="mautic",
    name=_("Mautic contacts export"),
    signature=_signature("firstname", "lastname", "preferred_locale"),
    columns=_keys(
        {
            "id": "external_id",
            "firstname": "first_name",
            "lastname": "last_name",
            "email": "email",
            "mobile": "phone",
            "phone": "other_phone",
            "city": "city",
            "state": "region",
            "country": "country",
            "preferred_locale": "preferred_language",
            "timezone": "time_zone",
            "date_added": "customer_since",
        }
    ),
    formats={"customer_since": "ymd"},
)

# HubSpot: Contacts → Export (CSV or XLSX), with the default properties.
HUBSPOT = Preset(
    key="hubspot",
    name=_("HubSpot contacts export"),
    signature=_signature("Record ID", "First Name", "Create Date"),
    columns=_keys(
        {
            "Record ID": "external_id",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Mobile Phone Number": "phone",
            "Phone Number": "other_phone",
            "Country/Region": "country",
            "State/Region": "region",
            "City": "city",
            "Preferred language": "preferred_language",
            "Create Date": "customer_since",
            "Date of birth": "birthday",
        }
    ),
    formats={"customer_since": "ymd", "birthday": "ymd"},
)

# Shopify: Customers → Export (customers_export.csv). Ids and phones are written with a leading apostrophe
# ("'+989121234567") so that spreadsheets keep them as text; consent is "Accepts Email Marketing" (yes/no).
SHOPIFY = Preset(
    key="shopify",
    name=_("Shopify customers export"),
    signature=_signature("First Name", "Last Name", "Email", "Total Spent", "Total Orders"),
    columns=_keys(
        {
            "Customer ID": "external_id",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Accepts Email Marketing": "consent_email",
            "Accepts Marketing": "consent_email",
            "Accepts SMS Marketing": "consent_sms",
            "Phone": "phone",
            "Default Address Phone": "other_phone",
            "Default Address City": "city",
            "City": "city",
            "Default Address Province Code": "region",
            "Province Code": "region",
            "Default Address Country Code": "country",
            "Country Code": "country",
            "Note": "notes",
        }
    ),
)

# WooCommerce: Analytics → Customers → Download (customers.csv): one "Name" column, "Country / Region" names.
WOOCOMMERCE = Preset(
    key="woocommerce",
    name=_("WooCommerce customers export"),
    signature=_signature("Name", "Username", "Date registered", "Email"),
    columns=_keys(
        {
            "Name": "full_name",
            "Username": "external_id",
            "Email": "email",
            "Date registered": "customer_since",
            "Country / Region": "country",
            "Region": "region",
            "City": "city",
        }
    ),
    formats={"customer_since": "ymd"},
)

PRESETS = (TEMPLATE, MAILCHIMP, MAUTIC, HUBSPOT, SHOPIFY, WOOCOMMERCE)
