"""The order history import in the admin: upload, preview, mapping changed, new products ticked, apply; a big
file applied in the background."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from customers.models import ImportJob, ImportKind, ImportPreset
from orders.models import Order, Product
from tests.customers.factories import CustomerFactory
from tests.orders.history_files import csv_bytes

pytestmark = pytest.mark.django_db

IMPORT = "admin:orders_order_history_import"
CHECK = "admin:orders_order_history_import_check"
APPLY = "admin:orders_order_history_import_apply"
# A spreadsheet of the marketer's own, with headers no preset knows: "Ref" must be mapped by hand.
HEADER = ["Ref", "Customer mail", "When", "Item code", "Item", "Qty", "Price", "Gift wrap"]
ROWS = [
    ["S-1", "maryam@example.com", "2024-05-02", "SAF-1", "زعفران", "2", "12.50", "no"],
    ["S-1", "maryam@example.com", "2024-05-02", "HON-1", "عسل", "1", "8", "no"],
    ["S-2", "maryam@example.com", "2024-06-10", "SAF-1", "زعفران", "1", "12.50", "yes"],
]


def upload(data, name="sales.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_order_list_offers_the_history_import(admin_client):
    page = admin_client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert reverse(IMPORT) in page


def test_upload_preview_change_the_mapping_then_apply_with_the_new_products(admin_client):
    CustomerFactory(email="maryam@example.com", first_name="مریم")
    response = admin_client.post(reverse(IMPORT), {"file": upload(csv_bytes(HEADER, ROWS))})
    page = response.content.decode()
    assert response.context["token"] is None  # no column is the order number yet
    assert "No column is read as the order number" in page

    form = response.context["mapping_form"]
    posted = {"upload": response.context["upload"], "applied_preset": "", "preset": "", "save_as": "My shop"}
    posted.update({f"col_{i}": form[f"col_{i}"].initial or "" for i in range(len(HEADER))})
    posted.update(
        {
            "col_0": "order_number",
            "col_1": "email",
            "col_2": "placed_at",
            "col_3": "sku",
            "col_4": "product_name",
            "col_5": "quantity",
            "col_6": "unit_price",
            "fmt_placed_at": "ymd",
        }
    )
    response = admin_client.post(reverse(CHECK), posted)
    page = response.content.decode()
    result = response.context["result"]
    assert result.ok, result.errors
    assert "2 past orders with 3 lines" in page
    assert "SAF-1" in page and "HON-1" in page and 'name="create_products"' in page
    assert "Gift wrap" in page  # listed as not imported
    assert ImportPreset.objects.get(kind=ImportKind.ORDERS).name == "My shop"
    assert not Order.objects.exists() and not Product.objects.exists()

    token = response.context["token"]
    response = admin_client.post(reverse(APPLY), {"token": token, "create_products": "1"}, follow=True)
    assert "2 past orders with 3 lines" in response.content.decode()
    assert Order.objects.count() == 2 and Product.objects.count() == 2
    assert Order.objects.get(number="S-1").customer.first_name == "مریم"

    # the next file with the same headers is mapped by the saved preset
    response = admin_client.post(reverse(IMPORT), {"file": upload(csv_bytes(HEADER, [["S-3", *ROWS[0][1:]]]))})
    assert response.context["result"].preset.name == "My shop"
    assert response.context["result"].ok


def test_applying_without_ticking_the_new_products_refuses_the_file(admin_client):
    CustomerFactory(email="maryam@example.com")
    header = ["order_number", "email", "placed_at", "sku", "product_name", "quantity", "unit_price"]
    data = csv_bytes(header, [[r[0], r[1], r[2], r[3], r[4], r[5], r[6]] for r in ROWS])
    response = admin_client.post(reverse(IMPORT), {"file": upload(data)})
    assert response.context["result"].new_product_count == 2
    response = admin_client.post(reverse(APPLY), {"token": response.context["token"]})
    page = response.content.decode()
    assert "<td>2</td><td>sku</td>" in page and "SAF-1" in page
    assert not Order.objects.exists() and not Product.objects.exists()


@override_settings(IMPORT_BACKGROUND_ROWS=2, CUSTOMER_IMPORT_PREVIEW_ROWS=2)
def test_a_big_file_is_applied_by_a_background_job(admin_client, admin_user, django_capture_on_commit_callbacks):
    admin_user.email = "marketer@example.com"
    admin_user.save()
    header = ["order_number", "email", "first_name", "placed_at", "sku", "product_name", "unit_price"]
    rows = [[f"B-{i}", f"b{i}@example.com", "Omar", "2024-01-05", "SKU-B", "Dates", "4"] for i in range(6)]
    response = admin_client.post(reverse(IMPORT), {"file": upload(csv_bytes(header, rows))})
    assert response.context["result"].truncated and response.context["background"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse(APPLY), {"token": response.context["token"], "create_products": "1"})
    page = admin_client.get(response.url).content.decode()  # the job's page
    assert "in the background" in page and "6 rows: 6 past orders with 6 lines" in page
    job = ImportJob.objects.get()
    assert (job.kind, job.status, job.created_count) == ("orders", "applied", 6)
    assert Order.objects.count() == 6
    # Profiles refreshed after it: six alike buyers, every one rated (all in the top fifth, as they tie).
    assert Order.objects.exclude(customer__value_tier="unrated").count() == 6
    assert mail.outbox[-1].to == ["marketer@example.com"] and "Applied" in mail.outbox[-1].subject


def test_a_tampered_token_is_refused(admin_client):
    response = admin_client.post(reverse(APPLY), {"token": "forged"}, follow=True)
    assert "not valid" in response.content.decode()
    assert not Order.objects.exists()
