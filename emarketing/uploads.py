"""Uploaded files no larger than ``IMPORT_MAX_UPLOAD_BYTES``, refused before they are kept.

:class:`UploadSizeLimitHandler` is the first of ``FILE_UPLOAD_HANDLERS``, so it sees every uploaded file before
the handlers that keep it (in memory, or in a temporary file). A request that declares a body larger than the
limit, with room for the form's other fields, has its files refused before a byte of them is read; otherwise the
bytes are counted as they arrive and a file is refused at the first byte over. Either way nothing more of it
reaches the other handlers, the rest of the body is read and dropped, and the form receives a
:class:`RefusedUpload`: empty, its ``size`` over the limit, so that :func:`check_upload_size` (every upload form
calls it) answers with a message that names the limit.
"""

import io
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest

from emarketing.table_limits import file_too_large

if TYPE_CHECKING:
    _Uploaded = UploadedFile[bytes]
else:
    _Uploaded = UploadedFile

FIELDS_ALLOWANCE = 1 << 20  # multipart headers and small fields besides the file, on top of the other fields' bound


class RefusedUpload(_Uploaded):
    """A file refused for its size: nothing of it is kept."""

    refused = True

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class UploadSizeLimitHandler(FileUploadHandler):
    """Refuses, before they are kept, uploaded files over ``IMPORT_MAX_UPLOAD_BYTES``."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit: int = settings.IMPORT_MAX_UPLOAD_BYTES
        self.declared = 0
        self.received = 0
        self.refused = False

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 (Django's name)
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.declared = content_length

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        fields = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) + FIELDS_ALLOWANCE
        self.refused = settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None and self.declared > self.limit + fields
        if self.refused:
            raise StopFutureHandlers  # the others never hear of this file

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.refused:
            return None
        self.received += len(raw_data)
        if self.received > self.limit:
            self.refused = True
            return None
        return raw_data

    def file_complete(self, file_size: int) -> _Uploaded | None:
        if not self.refused:
            return None  # the next handler completes the file
        size = max(self.received, self.declared, self.limit + 1)
        return RefusedUpload(self.file_name or "", self.content_type or "", size, self.charset)


def check_upload_size(upload: _Uploaded) -> None:
    """The form's check of an uploaded file's size: a clear message naming the limit."""
    limit: int = settings.IMPORT_MAX_UPLOAD_BYTES
    if getattr(upload, "refused", False) or (upload.size or 0) > limit:
        raise ValidationError(file_too_large(limit), code="too_large")
