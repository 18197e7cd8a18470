"""The columns of a customer file: the product's names, the spellings marketers use for them, and those an
export writes that an import does not change."""

from django.utils.translation import gettext_lazy as _

from customers.models import ConsentChannel
from emarketing.tables import header_key

# The product's column names, in the order an export writes them.
COLUMNS = [
    "external_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "other_phone",
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

# Fields a column can fill besides those an export writes: a full name split into first and last.
EXTRA_FIELDS = ["full_name"]
FIELDS = [*COLUMNS, *EXTRA_FIELDS]
DATE_FIELDS = {"birthday": True, "customer_since": False}  # field -> may be written without a year

LABELS = {
    "external_id": _("id in the previous tool"),
    "first_name": _("first name"),
    "last_name": _("last name"),
    "full_name": _("full name (split into first and last)"),
    "email": _("e-mail"),
    "phone": _("phone"),
    "other_phone": _("other phone"),
    "preferred_language": _("preferred language"),
    "country": _("country"),
    "region": _("region / province"),
    "city": _("city"),
    "time_zone": _("time zone"),
    "acquisition_source": _("acquisition source"),
    "birthday": _("birthday"),
    "customer_since": _("customer since"),
    "notes": _("notes"),
    "consent_email": _("consent to e-mail"),
    "consent_sms": _("consent to SMS"),
    "consent_phone": _("consent to phone calls"),
    "consent_post": _("consent to post"),
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
    "mobile_phone": "phone",
    "mobile_number": "phone",
    "cell": "phone",
    "cellphone": "phone",
    "second_phone": "other_phone",
    "phone_2": "other_phone",
    "work_phone": "other_phone",
    "full_name": "full_name",
    "name_surname": "full_name",
    "نام_و_نام_خانوادگی": "full_name",
    "الاسم_الكامل": "full_name",
    "external_id": "external_id",
    "customer_id": "external_id",
    "contact_id": "external_id",
    "record_id": "external_id",
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


def normalise_header(name: object) -> str:
    key = header_key(name)
    return ALIASES.get(key, key)
