"""Hostile files built in the test, small in memory and on disk: zip bombs, archives whose directory lies, XML with
entities, workbooks that claim a million rows.

The zip archives are written by hand (local headers, central directory, end record) so that a test can declare
sizes that are not the real ones. A run of one byte is deflated once per MiB with a full flush, which makes a
byte-aligned block that does not refer to what came before: the same block repeated inflates to as many MiB, so
a 1 GiB bomb costs about 1 MiB and a millisecond to build.
"""

import struct
import zipfile
import zlib
from dataclasses import dataclass

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><workbookPr/>'
    '<sheets><sheet name="Customers" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Cell style 1 is a date (built-in format 14), style 2 a date and time written as a custom format.
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '</numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>'
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


@dataclass
class Member:
    """One part of an archive: the bytes stored, what they unpack to, and what the directory declares."""

    name: str
    packed: bytes
    size: int
    crc: int = 0
    method: int = zipfile.ZIP_DEFLATED
    declared: int | None = None  # the size the central directory gives, when it lies

    @property
    def declared_size(self) -> int:
        return self.size if self.declared is None else self.declared


def deflated(name: str, data: str | bytes, *, method: int = zipfile.ZIP_DEFLATED) -> Member:
    raw = data.encode() if isinstance(data, str) else data
    if method == zipfile.ZIP_STORED:
        return Member(name, raw, len(raw), zlib.crc32(raw), method)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Member(name, packer.compress(raw) + packer.flush(), len(raw), zlib.crc32(raw))


def bomb(name: str, size: int, *, fill: bytes = b"\0", before: bytes = b"", declared: int | None = None) -> Member:
    """``before``, then ``fill`` (one byte) up to ``size`` bytes: deflated without ever being written out (its CRC
    is not computed: a part this big is refused before its end)."""
    mib = 1 << 20
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(before) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(fill * mib) + packer.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(size - len(before), mib)
    tail = packer.compress(fill * rest) + packer.flush()
    return Member(name, head + block * count + tail, size, 0, declared=declared)


def archive(members: list[Member], *, declared_count: int | None = None) -> bytes:
    """A zip archive of ``members``, its directory declaring what each says it declares."""
    out, directory = bytearray(), bytearray()
    for m in members:
        offset, name = len(out), m.name.encode()
        sizes = (m.crc, len(m.packed), m.declared_size)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, m.method, 0, 33, *sizes, len(name), 0) + name + m.packed
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, m.method, 0, 33, *sizes, len(name), 0, 0, 0, 0, 0, offset
        )
        directory += name
    count = len(members) if declared_count is None else declared_count
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(out), 0)
    return bytes(out + directory + end)


def sheet(rows: str, *, before: str = "", prefix: str = "") -> str:
    """A worksheet's XML around ``rows`` (``<row>`` elements), tags written with ``prefix`` when given."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    return f"{before}<{p}worksheet {xmlns}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>"


def inline_row(number: int, *texts: str) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{text}</t></is></c>' for i, text in enumerate(texts)
    )
    return f'<row r="{number}">{cells}</row>'


def shared_strings(*texts: str, before: str = "") -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return f'{before}<sst xmlns="{MAIN}" count="{len(texts)}" uniqueCount="{len(texts)}">{items}</sst>'


def workbook(
    sheet_xml: str | Member,
    *,
    strings: str | Member | None = None,
    workbook_xml: str = WORKBOOK,
    extra: tuple[Member, ...] = (),
    declared_count: int | None = None,
) -> bytes:
    """An .xlsx archive: its first sheet, optional shared strings, the usual package parts, and ``extra`` ones."""
    members = [
        deflated("[Content_Types].xml", CONTENT_TYPES),
        deflated("xl/workbook.xml", workbook_xml),
        deflated("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        deflated("xl/styles.xml", STYLES),
        sheet_xml if isinstance(sheet_xml, Member) else deflated("xl/worksheets/sheet1.xml", sheet_xml),
    ]
    if strings is not None:
        members.append(strings if isinstance(strings, Member) else deflated("xl/sharedStrings.xml", strings))
    return archive([*members, *extra], declared_count=declared_count)


def customers_sheet(count: int, *, start: int = 2) -> str:
    """A header and ``count`` customers, as inline strings."""
    rows = [inline_row(1, "first_name", "email")]
    rows += [inline_row(n, f"C{n}", f"c{n}@example.com") for n in range(start, start + count)]
    return sheet("".join(rows))
