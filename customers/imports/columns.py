"""The columns of a customer file: the product's names, the spellings marketers use for them, and those an
export writes that an import does not change."""

import re

from customers.models import ConsentChannel
from emarketing.digits import to_ascii_digits

# The product's column names, in the order an export writes them.
COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "preferred_language",
    "country",
    "region",
    "city",
    "time_zone",
    "acquisition_source",
    "birthday",
    "customer_since",
    "notes",
    "consent_email",
    "consent_sms",
    "consent_phone",
    "consent_post",
]
CONSENT_COLUMNS = {
    "consent_email": ConsentChannel.EMAIL,
    "consent_sms": ConsentChannel.SMS,
    "consent_phone": ConsentChannel.PHONE,
    "consent_post": ConsentChannel.POST,
}

# Other spellings marketers' spreadsheets use for the same columns (English, Persian, Arabic).
ALIASES = {
    "firstname": "first_name",
    "first": "first_name",
    "given_name": "first_name",
    "name": "first_name",
    "نام": "first_name",
    "الاسم": "first_name",
    "الاسم_الأول": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "نام_خانوادگی": "last_name",
    "اسم_العائلة": "last_name",
    "e_mail": "email",
    "email_address": "email",
    "mail": "email",
    "ایمیل": "email",
    "پست_الکترونیک": "email",
    "البريد_الإلكتروني": "email",
    "البريد": "email",
    "mobile": "phone",
    "telephone": "phone",
    "phone_number": "phone",
    "تلفن": "phone",
    "موبایل": "phone",
    "شماره_تلفن": "phone",
    "الهاتف": "phone",
    "الجوال": "phone",
    "language": "preferred_language",
    "lang": "preferred_language",
    "زبان": "preferred_language",
    "اللغة": "preferred_language",
    "کشور": "country",
    "الدولة": "country",
    "province": "region",
    "state": "region",
    "استان": "region",
    "المنطقة": "region",
    "شهر": "city",
    "المدينة": "city",
    "timezone": "time_zone",
    "tz": "time_zone",
    "source": "acquisition_source",
    "date_of_birth": "birthday",
    "birth_date": "birthday",
    "dob": "birthday",
    "تاریخ_تولد": "birthday",
    "تاريخ_الميلاد": "birthday",
    "created": "customer_since",
    "created_at": "customer_since",
    "joined": "customer_since",
    "note": "notes",
    "email_consent": "consent_email",
    "sms_consent": "consent_sms",
    "phone_consent": "consent_phone",
    "post_consent": "consent_post",
    "mail_consent": "consent_post",
}

# Columns an export writes that an import reads but does not change (computed by the product).
KNOWN_READ_ONLY = {"id", "value_tier", "lifecycle_stage", "satisfaction", "created", "updated_at"}


def normalise_header(name) -> str:
    text = to_ascii_digits(str(name or "")).strip().lstrip("\ufeff").strip().lower()
    text = re.sub(r"[\s\-./]+", "_", text)
    return ALIASES.get(text, text)
