"""Memory of reading a file people bring in, whatever the file: normal and hostile files against a process that only
imports Django and the readers.

    .venv/bin/python bench/file_limits.py            # a 100,000-row workbook and the hostile files
    .venv/bin/python bench/file_limits.py --rows 20000

Each file is validated and read to its end (or to its refusal) by ``emarketing.tables.read_table``, the reader
every import uses, in a process of its own, so its peak RSS (``VmHWM``) is its own. The baseline is the same
process reading nothing: Django set up, openpyxl and the readers imported. The files, built under var/bench:

- a normal workbook of ``--rows`` customers as Excel writes one (every text a shared string, dates as numbers
  with a date style); openpyxl's read-only mode, the reader before this one, reads it too, for its time;
- the same rows as CSV;
- a zip bomb: 1 MiB that inflates to 1 GiB (refused by its ratio before anything is unpacked);
- the same bomb with its directory lying, declaring 1 MiB: unpacked up to what it declares, then refused;
- billion laughs in the sheet's XML (refused at the document type);
- shared strings just under ``IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES``, about 9 million of them, nearly all empty
  (the most memory a table within the limits can take) behind a one-row sheet: read;
- twenty CSV rows of 992,000 Persian letters, just under ``IMPORT_MAX_LINE_CHARS`` (the most one row holds);
- a workbook of 20,000 such rows, each made of references to 31 long shared strings (less than a kilobyte of
  XML for a row of almost a million characters): read one row at a time until its cells add up to more
  characters than the workbook may unpack to, then refused;
- a CSV whose second line is 100 MiB (refused at ``IMPORT_MAX_LINE_CHARS``).

Last line: ``file_limits: +N MB at most over the baseline (details)``.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "file_limits"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="Customers" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'
    ),
}
FIRST = ["Ali", "Sara", "Reza", "Maryam", "Omar", "Laila", "John", "Emma", "علی", "مریم", "محمد", "فاطمة", "خالد"]
LAST = ["Rezaei", "Karimi", "Smith", "Haddad", "رضایی", "کریمی", "العتيبي", "الحربي", "Brown"]
HEADER = ["first_name", "last_name", "email", "phone", "country", "city", "preferred_language", "birthday"]


# ---------------------------------------------------------------------------------------------------------------
# The files


def _column(index: int) -> str:
    return chr(65 + index)


def _customers(rows: int):
    rng = random.Random(rows)
    for i in range(rows):
        yield (
            [rng.choice(FIRST), rng.choice(LAST), f"customer{i}@example.com", f"0912{i:07d}", "IR", "Tehran", "fa"],
            (dt.date(1970, 1, 1) + dt.timedelta(days=i % 15000) - dt.date(1899, 12, 30)).days,
        )


def normal_workbook(path: Path, rows: int) -> None:
    """Every text a shared string, as Excel saves them; the birthday a date-styled number."""
    strings: dict[str, int] = {}

    def index(text: str) -> int:
        return strings.setdefault(text, len(strings))

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}"><dimension ref="A1:H{rows + 1}"/><sheetData>'.encode())
            cells = "".join(f'<c r="{_column(i)}1" t="s"><v>{index(h)}</v></c>' for i, h in enumerate(HEADER))
            sheet.write(f'<row r="1">{cells}</row>'.encode())
            for n, (texts, serial) in enumerate(_customers(rows), start=2):
                cells = "".join(f'<c r="{_column(i)}{n}" t="s"><v>{index(t)}</v></c>' for i, t in enumerate(texts))
                sheet.write(f'<row r="{n}">{cells}<c r="H{n}" s="1"><v>{serial}</v></c></row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w") as table:
            table.write(f'<sst xmlns="{MAIN}" uniqueCount="{len(strings)}">'.encode())
            for text in strings:
                table.write(f"<si><t>{text}</t></si>".encode())
            table.write(b"</sst>")


def normal_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for texts, serial in _customers(rows):
            writer.writerow([*texts, (dt.date(1899, 12, 30) + dt.timedelta(days=serial)).isoformat()])


def _raw_archive(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive written by hand: (name, deflated bytes, size declared, CRC) per part."""
    out, directory = bytearray(), bytearray()
    for name, packed, size, crc in members:
        offset, encoded = len(out), name.encode()
        fields = (8, 0, 33, crc, len(packed), size, len(encoded))
        out += struct.pack("<4s2H2HH3L2H", b"PK\x03\x04", 20, 0, *fields, 0) + encoded + packed
        directory += struct.pack("<4s3H2HH3L5H2L", b"PK\x01\x02", 20, 20, 0, *fields, 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(out), 0)
    return bytes(out + directory + end)


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _package(sheet: tuple[str, bytes, int, int], strings: tuple[str, bytes, int, int] | None = None) -> bytes:
    members = [
        (name, _deflate(text.encode()), len(text.encode()), zlib.crc32(text.encode())) for name, text in PARTS.items()
    ]
    return _raw_archive([*members, sheet, *([strings] if strings else [])])


def bomb(path: Path, *, declared: int | None = None) -> None:
    """1 GiB of spaces in the sheet, about 1 MiB packed: one full-flushed MiB block repeated. With ``declared``, the
    directory says the sheet is that size."""
    size = 1 << 30
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(b" " * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    packed = head + block * 1024 + packer.flush()
    path.write_bytes(_package(("xl/worksheets/sheet1.xml", packed, size if declared is None else declared, 0)))


def billion_laughs(path: Path) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><worksheet xmlns="{MAIN}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    path.write_bytes(_package(("xl/worksheets/sheet1.xml", _deflate(sheet), len(sheet), zlib.crc32(sheet))))


def huge_shared_strings(path: Path, limit: int) -> None:
    """Shared strings just under the limit, as many as fit: 97% empty (``<si/>``, 5 bytes of XML for 4 bytes held),
    the others one random letter, so that the part still packs like text (about 50 to 1) and is read. A one-row sheet
    refers to the first and the last."""
    rng = random.Random(2)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    opening, closing = f'<sst xmlns="{MAIN}">', "</sst>"
    items, size, count = [], len(opening) + len(closing), 0
    while True:
        item = "<si/>" if rng.random() < 0.97 else f"<si><t>{rng.choice(letters)}</t></si>"
        if size + len(item) > limit:
            break
        items.append(item)
        size += len(item)
        count += 1
    table = (opening + "".join(items) + closing).encode()
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        f'<row r="2"><c r="A2" t="s"><v>{count - 1}</v></c></row></sheetData></worksheet>'
    ).encode()
    path.write_bytes(
        _package(
            ("xl/worksheets/sheet1.xml", _deflate(sheet), len(sheet), zlib.crc32(sheet)),
            ("xl/sharedStrings.xml", _deflate(table), len(table), zlib.crc32(table)),
        )
    )


def long_rows(path: Path) -> None:
    """Twenty rows just under the row limit: 31 cells of 32,000 Persian letters each (992,000 characters)."""
    cell = "ب" * 32_000
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(f"c{i}" for i in range(31)) + "\n")
        for _ in range(20):
            f.write(",".join([cell] * 31) + "\n")


def long_shared_rows(path: Path) -> None:
    """Twenty thousand rows that each refer to 31 shared strings of 32,000 Persian letters (992,000 characters a
    row, just under the row limit): less than a kilobyte of XML makes each row."""
    rng, order = random.Random(3), list(range(31))
    letters = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
    texts = ["".join(rng.choice(letters) for _ in range(32_000)) for _ in range(31)]
    table = (f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{text}</t></si>" for text in texts) + "</sst>").encode()

    def cells() -> str:  # in a new order each row, so that the sheet packs like real data does
        rng.shuffle(order)
        return "".join(f'<c t="s"><v>{i}</v></c>' for i in order)

    rows = [f'<row r="{n}">{cells()}</row>' for n in range(1, 20_002)]
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData>' + "".join(rows) + "</sheetData></worksheet>").encode()
    path.write_bytes(
        _package(
            ("xl/worksheets/sheet1.xml", _deflate(sheet), len(sheet), zlib.crc32(sheet)),
            ("xl/sharedStrings.xml", _deflate(table), len(table), zlib.crc32(table)),
        )
    )


def huge_line(path: Path) -> None:
    with path.open("wb") as f:
        f.write(b"first_name,email,notes\nAli,a@example.com,")
        chunk = b"n" * (1 << 20)
        for _ in range(100):
            f.write(chunk)
        f.write(b"\n")


# ---------------------------------------------------------------------------------------------------------------
# A child process: one measured read


def child(kind: str, file: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
    import django

    django.setup()
    import openpyxl  # part of the baseline: every process that imports a file has it loaded

    from emarketing.tables import TableProblem, read_table

    start = time.perf_counter()
    rows, outcome = 0, "nothing read"
    if kind == "openpyxl":
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        rows = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True)) - 1
        workbook.close()
        outcome = "read"
    elif kind == "reader":
        try:
            with open(file, "rb") as stream:
                table = read_table(stream, os.path.basename(file))
                rows = sum(1 for _row in table.rows)
            outcome = "read"
        except TableProblem as problem:
            outcome = f"refused: {problem}"
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb(), "rows": rows, "outcome": outcome}))


def peak_rss_mb() -> float:
    """This process's peak resident memory. ``VmHWM`` where Linux gives it: ``ru_maxrss`` carries a parent's peak
    over fork and exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, file: Path | None) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--file", str(file or "")]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each case; the highest peak counts")
    parser.add_argument("--child")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.file)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
    import django

    django.setup()
    from django.conf import settings

    WORK.mkdir(parents=True, exist_ok=True)
    files = {
        f"workbook, {args.rows:,} rows": (
            WORK / f"customers-{args.rows}.xlsx",
            lambda p: normal_workbook(p, args.rows),
        ),
        f"CSV, {args.rows:,} rows": (WORK / f"customers-{args.rows}.csv", lambda p: normal_csv(p, args.rows)),
        "zip bomb, 1 GiB": (WORK / "bomb.xlsx", bomb),
        "zip bomb, directory lying": (WORK / "liar.xlsx", lambda p: bomb(p, declared=1 << 20)),
        "billion laughs": (WORK / "laughs.xlsx", billion_laughs),
        "shared strings at the limit": (
            WORK / "strings.xlsx",
            lambda p: huge_shared_strings(p, settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES),
        ),
        "CSV rows at the row limit (Persian)": (WORK / "long-rows.csv", long_rows),
        "workbook rows at the row limit, shared": (WORK / "long-rows.xlsx", long_shared_rows),
        "CSV line of 100 MiB": (WORK / "line.csv", huge_line),
    }
    for path, build in files.values():
        if not path.exists():
            build(path)
    print(f"File limits bench: peak RSS of reading each file vs a process that reads nothing ({args.repeat} runs)")
    baseline = max(measure("baseline", None)["rss_mb"] for _ in range(args.repeat))
    print(f"  {'baseline (Django, openpyxl, the readers)':<44} {'':>9} peak RSS {baseline:6.1f} MB")
    over: dict[str, float] = {}
    cases = [("reader", label, path) for label, (path, _build) in files.items()]
    cases.insert(1, ("openpyxl", f"workbook, {args.rows:,} rows, openpyxl read-only", cases[0][2]))
    for kind, label, path in cases:
        runs = [measure(kind, path) for _ in range(args.repeat)]
        rss = max(r["rss_mb"] for r in runs)
        seconds = min(r["seconds"] for r in runs)
        if kind == "reader":
            over[label] = max(0.0, rss - baseline)
        size = path.stat().st_size / 2**20
        print(
            f"  {label:<44} {size:7.1f} MB {seconds:6.2f} s  peak RSS {rss:6.1f} MB ({rss - baseline:+6.1f}, "
            f"{rss / baseline:.2f}x)  {runs[0]['outcome'][:90]}",
            flush=True,
        )
    worst = max(over, key=over.__getitem__)
    print(
        f"file_limits: +{over[worst]:.0f} MB at most over the baseline ({baseline:.0f} MB; the most for {worst}; "
        + "; ".join(f"{label} +{mb:.0f}" for label, mb in over.items())
        + ")"
    )


if __name__ == "__main__":
    main()
