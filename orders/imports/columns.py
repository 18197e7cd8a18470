"""The fields of an order history file (one row per order line), their labels and the spellings people use."""

from django.utils.translation import gettext_lazy as _

from emarketing.tables import header_key

# Fields that belong to the order: read from the first row of the order that has them.
ORDER_FIELDS = [
    "order_number",
    "customer_external_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "full_name",
    "placed_at",
    "channel",
    "agent",
    "currency",
    "status",
    "fulfillment_status",
    "paid_at",
    "delivered_at",
    "cancelled_at",
]
# Fields of the line each row is.
LINE_FIELDS = ["sku", "product_name", "quantity", "unit_price", "line_total"]
FIELDS = [*ORDER_FIELDS, *LINE_FIELDS]
# The product's own template writes these columns, in this order.
TEMPLATE_COLUMNS = [
    "order_number",
    "customer_external_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "placed_at",
    "channel",
    "agent",
    "currency",
    "status",
    "delivered_at",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
]
DATE_FIELDS = {"placed_at": False, "paid_at": False, "delivered_at": False, "cancelled_at": False}

LABELS = {
    "order_number": _("order number"),
    "customer_external_id": _("customer's id in the previous tool"),
    "email": _("customer's e-mail"),
    "phone": _("customer's phone"),
    "first_name": _("customer's first name"),
    "last_name": _("customer's last name"),
    "full_name": _("customer's full name (split into first and last)"),
    "placed_at": _("date placed"),
    "channel": _("sales channel"),
    "agent": _("agent (by name)"),
    "currency": _("currency"),
    "status": _("order status (or payment status)"),
    "fulfillment_status": _("fulfilment status"),
    "paid_at": _("date paid"),
    "delivered_at": _("date delivered"),
    "cancelled_at": _("date cancelled"),
    "sku": _("product SKU"),
    "product_name": _("product name"),
    "quantity": _("quantity"),
    "unit_price": _("unit price"),
    "line_total": _("line total (divided by the quantity)"),
}

ALIASES = {
    "number": "order_number",
    "order": "order_number",
    "order_no": "order_number",
    "شماره_سفارش": "order_number",
    "رقم_الطلب": "order_number",
    "customer_id": "customer_external_id",
    "external_id": "customer_external_id",
    "e_mail": "email",
    "email_address": "email",
    "customer_email": "email",
    "ایمیل": "email",
    "البريد_الإلكتروني": "email",
    "mobile": "phone",
    "phone_number": "phone",
    "customer_phone": "phone",
    "تلفن": "phone",
    "موبایل": "phone",
    "الهاتف": "phone",
    "الجوال": "phone",
    "firstname": "first_name",
    "lastname": "last_name",
    "name_surname": "full_name",
    "customer_name": "full_name",
    "نام_و_نام_خانوادگی": "full_name",
    "الاسم_الكامل": "full_name",
    "date": "placed_at",
    "order_date": "placed_at",
    "created_at": "placed_at",
    "placed": "placed_at",
    "تاریخ_سفارش": "placed_at",
    "تاريخ_الطلب": "placed_at",
    "delivered": "delivered_at",
    "delivery_date": "delivered_at",
    "تاریخ_تحویل": "delivered_at",
    "تاريخ_التسليم": "delivered_at",
    "وضعیت": "status",
    "الحالة": "status",
    "order_status": "status",
    "product_sku": "sku",
    "item_sku": "sku",
    "کد_کالا": "sku",
    "product": "product_name",
    "item_name": "product_name",
    "نام_کالا": "product_name",
    "المنتج": "product_name",
    "qty": "quantity",
    "item_quantity": "quantity",
    "تعداد": "quantity",
    "الكمية": "quantity",
    "price": "unit_price",
    "item_price": "unit_price",
    "قیمت": "unit_price",
    "السعر": "unit_price",
    "item_total": "line_total",
    "ارز": "currency",
    "العملة": "currency",
    "کانال": "channel",
    "نماینده": "agent",
    "الوكيل": "agent",
}

# Columns the vendors' exports write that an import reads but does not need: totals are the sum of the lines,
# as for every order, and the rest is not kept by the product.
KNOWN_NOT_IMPORTED = {header_key(h) for h in ("Subtotal", "Total", "order_total", "total")}


def normalise_header(name: object) -> str:
    key = header_key(name)
    return ALIASES.get(key, key)
