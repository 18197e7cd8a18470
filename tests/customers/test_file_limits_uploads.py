"""Uploads over ``IMPORT_MAX_UPLOAD_BYTES`` are refused on the form with the limit named, before the file is read:
nothing stored, nothing imported, on every upload form of the product."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from customers.models import Customer, SuppressedAddress
from emarketing.uploads import RefusedUpload, UploadSizeLimitHandler
from orders.models import Order

pytestmark = pytest.mark.django_db

LIMIT = 2048
MESSAGE = "The file is larger than 2.0\xa0KB, the largest file an import accepts. Nothing was imported."
CUSTOMERS = "admin:customers_customer_import"


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = LIMIT


def csv_of_exactly(size: int) -> bytes:
    head = b"first_name,email,notes\nAli,ali@example.com,"
    return head + b"n" * (size - len(head) - 1) + b"\n"


def stored_files() -> list[str]:
    try:
        return default_storage.listdir("imports/customers")[1]
    except FileNotFoundError:
        return []


def post(client, url, data: bytes, **fields):
    return client.post(reverse(url), {"file": SimpleUploadedFile("customers.csv", data, "text/csv"), **fields})


def test_a_file_at_the_limit_is_previewed_and_one_byte_over_is_refused_on_the_form(admin_client):
    response = post(admin_client, CUSTOMERS, csv_of_exactly(LIMIT), on_duplicate="update")
    assert response.context["token"]  # the preview of a file exactly at the limit
    kept = stored_files()
    response = post(admin_client, CUSTOMERS, csv_of_exactly(LIMIT + 1), on_duplicate="update")
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [MESSAGE]
    assert stored_files() == kept  # nothing of the refused file was stored
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("admin:orders_order_history_import", {}),
        ("admin:customers_suppressedaddress_import", {"note": ""}),
    ],
)
def test_every_upload_form_refuses_a_file_over_the_limit(admin_client, url, fields):
    data = b"email\n" + b"".join(f"a{i}@example.com\n".encode() for i in range(200))
    assert len(data) > LIMIT
    response = post(admin_client, url, data, **fields)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode().replace("&nbsp;", "\xa0")
    assert not SuppressedAddress.objects.exists() and not Order.objects.exists()


class Recorder(FileUploadHandler):
    """Stands for the handlers that keep a file: remembers what reached it."""

    def __init__(self, request=None):
        super().__init__(request)
        self.files, self.received = [], 0

    def new_file(self, field_name, file_name, *args, **kwargs):
        self.files.append(file_name)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


def parse(body: bytes, handlers, *, declared: int | None = None):
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body) if declared is None else declared)}
    return MultiPartParser(meta, io.BytesIO(body), handlers).parse()


def test_a_request_that_declares_more_than_the_limit_has_its_file_refused_before_a_byte_is_kept(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = encode_multipart(BOUNDARY, {"note": "x", "file": SimpleUploadedFile("big.csv", b"n" * (3 << 20))})
    limiter, keeper = UploadSizeLimitHandler(), Recorder()
    post_data, files = parse(body, [limiter, keeper])
    assert keeper.files == [] and keeper.received == 0  # the handlers that keep files never saw it
    assert isinstance(files["file"], RefusedUpload) and files["file"].size > LIMIT
    assert post_data["note"] == "x"


def test_a_file_over_the_limit_in_a_request_that_did_not_say_so_is_cut_at_the_limit():
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("big.csv", b"n" * (LIMIT * 4))})
    limiter, keeper = UploadSizeLimitHandler(), Recorder()
    limiter.chunk_size = keeper.chunk_size = 512
    _post, files = parse(body, [limiter, keeper])
    assert isinstance(files["file"], RefusedUpload)
    assert keeper.received <= LIMIT  # not a byte past the limit reached the handler that keeps files


def test_a_file_within_the_limit_passes_through_untouched():
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("ok.csv", b"n" * LIMIT)})
    _post, files = parse(body, [UploadSizeLimitHandler(), MemoryFileUploadHandler()])
    assert not isinstance(files["file"], RefusedUpload) and files["file"].read() == b"n" * LIMIT
