"""A workbook's zip archive: judged by its end record and central directory before anything is unpacked, then read
one part at a time through :class:`Part`, which counts what each part really unpacks to."""

import io
import struct
import zipfile
import zlib
from typing import IO

from django.utils.translation import gettext as _

from emarketing.table_limits import LimitExceeded, Limits, TableProblem, count_text, size_text

RATIO_FLOOR = 1 << 20  # parts smaller than this are not judged by their ratio (small XML packs 20 to 1)
DIRECTORY_BYTES_PER_PART = 1024  # central directory allowed per part: a name, sizes, a timestamp
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


# --- messages -----------------------------------------------------------------------------------------------


def unreadable() -> TableProblem:
    return TableProblem(_("The file is not a readable Excel workbook."))


def damaged(part: str) -> TableProblem:
    return TableProblem(
        _("The workbook is damaged: its part %(part)s does not unpack to what its archive declares.") % {"part": part}
    )


def _too_many_parts(count: int, limits: Limits) -> LimitExceeded:
    message = _("The workbook has %(count)s parts, more than the %(limit)s an import opens.")
    return LimitExceeded(message % {"count": count_text(count), "limit": count_text(limits.members)})


def _unpacks_to(size: int, limit: int) -> LimitExceeded:
    message = _(
        "The workbook unpacks to %(size)s, more than the %(limit)s an import reads. Save it as CSV and import that."
    )
    return LimitExceeded(message % {"size": size_text(size), "limit": size_text(limit)})


def _bomb(part: str, ratio: int, limits: Limits) -> LimitExceeded:
    message = _(
        "The workbook part %(part)s unpacks to %(ratio)s times its packed size, more than the %(limit)s times an "
        "import accepts: a real workbook does not pack so tightly (a zip bomb)."
    )
    return LimitExceeded(message % {"part": part, "ratio": count_text(ratio), "limit": count_text(limits.ratio)})


# --- the archive ----------------------------------------------------------------------------------------------


def _end_record(stream: IO[bytes], size: int) -> tuple[int, int]:
    """(parts, bytes) of the central directory as the archive's end record declares them (zip64 too)."""
    tail_size = min(size, 22 + 0xFFFF)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise unreadable()
    parts, directory = struct.unpack("<10xHL6x", tail[at : at + 22])
    if parts == 0xFFFF or directory == 0xFFFFFFFF:
        locator = at - 20
        if locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
            raise unreadable()
        (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        stream.seek(offset)
        record = stream.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise unreadable()
        parts, directory = struct.unpack("<QQ", record[32:48])
    return parts, directory


def check_directory(infos: list[zipfile.ZipInfo], packed: int, limits: Limits) -> None:
    """Refuse the archive on what its central directory declares, before a part is unpacked."""
    if len(infos) > limits.members:
        raise _too_many_parts(len(infos), limits)
    unpacked = 0
    for info in infos:
        part = info.filename
        if info.compress_type not in METHODS:
            message = _(
                "The workbook part %(part)s is compressed in a way Excel never writes; an import does not unpack it."
            )
            raise LimitExceeded(message % {"part": part})
        if info.flag_bits & 0x1:
            raise LimitExceeded(
                _("The workbook part %(part)s is encrypted; an import does not unpack it.") % {"part": part}
            )
        size = info.file_size
        if size > RATIO_FLOOR and size > limits.ratio * max(info.compress_size, 1):
            raise _bomb(part, -(-size // max(info.compress_size, 1)), limits)
        if part.endswith("sharedStrings.xml") and size > limits.shared_strings_bytes:
            raise strings_too_large(size, limits)
        if "worksheets/" not in part and not part.endswith("sharedStrings.xml") and size > limits.member_bytes:
            message = _(
                "The workbook part %(part)s unpacks to %(size)s, more than the %(limit)s an import reads of one part."
            )
            raise LimitExceeded(
                message % {"part": part, "size": size_text(size), "limit": size_text(limits.member_bytes)}
            )
        unpacked += size
    if unpacked > limits.unpacked_bytes:
        raise _unpacks_to(unpacked, limits.unpacked_bytes)
    if unpacked > 16 * RATIO_FLOOR and unpacked > packed * limits.ratio:
        raise _bomb(_("(all parts)"), -(-unpacked // max(packed, 1)), limits)


def strings_too_large(size: int, limits: Limits) -> LimitExceeded:
    message = _(
        "The workbook's shared strings unpack to %(size)s, more than the %(limit)s an import holds. Save it as CSV "
        "and import that."
    )
    return LimitExceeded(message % {"size": size_text(size), "limit": size_text(limits.shared_strings_bytes)})


class Archive:
    """A workbook's zip archive, judged by its end record and central directory, its parts read capped."""

    def __init__(self, stream: IO[bytes], limits: Limits) -> None:
        self.limits = limits
        self.unpacked = 0  # bytes actually inflated so far, every read of every part together
        stream.seek(0, io.SEEK_END)
        packed = stream.tell()
        try:
            parts, directory = _end_record(stream, packed)
            if parts > limits.members or directory > limits.members * DIRECTORY_BYTES_PER_PART:
                # (a directory too big for the parts it counts has more than it says)
                raise _too_many_parts(max(parts, directory // DIRECTORY_BYTES_PER_PART), limits)
            stream.seek(0)
            self.zip = zipfile.ZipFile(stream)
            infos = self.zip.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            EOFError,
            ValueError,
            NotImplementedError,
            struct.error,
        ) as error:
            if isinstance(error, TableProblem):
                raise
            raise unreadable() from error
        finally:
            stream.seek(0)
        check_directory(infos, packed, limits)
        self.sizes = {info.filename: info.file_size for info in infos}

    def open(self, name: str) -> "Part":
        try:
            raw = self.zip.open(name)
        except KeyError:
            raise unreadable() from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as error:
            raise damaged(name) from error
        return Part(raw, name, self.sizes[name], self)

    def spend(self, size: int) -> None:
        self.unpacked += size
        if self.unpacked > self.limits.unpacked_bytes:
            raise _unpacks_to(self.unpacked, self.limits.unpacked_bytes)


class Part:
    """One part of the archive, read in chunks: what it unpacks to is counted, never past what was declared."""

    def __init__(self, raw: IO[bytes], name: str, declared: int, archive: Archive) -> None:
        self.raw, self.name, self.declared, self.archive = raw, name, declared, archive
        self.count = 0

    def read(self, size: int) -> bytes:
        try:
            data = self.raw.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
            raise damaged(self.name) from error
        self.count += len(data)
        if self.count > self.declared:
            raise damaged(self.name)
        self.archive.spend(len(data))
        return data

    def close(self) -> None:
        self.raw.close()
