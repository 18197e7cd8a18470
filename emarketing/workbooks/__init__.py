"""Excel workbooks (.xlsx, .xlsm) read within stated limits, whatever the file holds.

A workbook is a zip archive of XML parts. Before anything is unpacked, the archive is judged by its end record and
its central directory: how many parts, how each is compressed (stored or deflated, what Excel writes; the other
methods inflate without a bound per read), what each part and all of them together unpack to, and how many
times their packed size that is (a zip bomb unpacks to a thousand times its size, a real sheet to ten or twenty).
The directory may lie, so every part is then read through :class:`~.archive.Part`, which counts what actually
comes out and stops at the size declared and at ``IMPORT_XLSX_MAX_UNPACKED_BYTES`` for all the reads together.

The XML is read by expat in chunks of :data:`~.xml_stream.CHUNK`, and no tree is built. A document type or an entity
declaration refuses the part (an entity can expand to gigabytes, or pull in a file of the server: the billion
laughs, XXE), so does a tag or a comment longer than :data:`~.xml_stream.XML_TOKEN_MAX`; text is counted as it
streams, so a cell is refused at its limit before it is held. What is kept: the shared strings, packed as UTF-8
with a 4-byte offset each (at most 0.8 times ``IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES``, for a table of empty
strings; far less for real text), the styles that make a number a date, and one row at a time. openpyxl gives the
number formats and the date arithmetic; its parser is not used (and where anything else in the process uses it,
it parses with defusedxml, which is installed).
"""

from .sheets import cell_text as cell_text
from .sheets import excel_rows as excel_rows
from .sheets import workbook_row_estimate as workbook_row_estimate
