"""The XLSX export, written with XlsxWriter.

Each sheet is one table: a bold, frozen header row with an autofilter, then
the rows; columns are as wide as their longest value (8 to 60 characters).
Text is stored as text (never read as a formula or a number), numbers as
numbers, ``None`` and ``""`` as empty cells. The file is the same bytes for the
same tables and build moment: XlsxWriter dates the parts inside the zip
1980-01-01, and the document's creation date is the build's moment
(:mod:`anchor_sop.clock`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

Rows = Sequence[Sequence[object]]

MIN_WIDTH, MAX_WIDTH = 8, 60
#: Characters XML 1.0 cannot hold: dropped from a text rather than failing the export.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


#: Excel opens at most this many links on one sheet; cells past it stay plain text.
MAX_LINKS = 65_530


def workbook(
    sheets: Mapping[str, Rows],
    created: datetime,
    properties: Mapping[str, str] | None = None,
    links: Mapping[str, str] | None = None,
) -> bytes:
    """An XLSX of ``sheets`` (name -> rows, the first row the header), with the
    document ``properties`` (title, subject, comments, ...) and each cell whose text
    is a key of ``links`` a link to its address."""
    import xlsxwriter  # here: only a build that writes the XLSX pays for the import

    stream = io.BytesIO()
    book = xlsxwriter.Workbook(
        stream,
        {
            "in_memory": True,
            # every value is written as what it is: no formula, URL or number from text
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    # naive and in UTC: XlsxWriter writes the creation date as given
    book.set_properties({**(properties or {}), "created": created.replace(tzinfo=None)})
    links = links or {}
    bold = book.add_format({"bold": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        widths: list[int] = []
        linked = 0
        for row_number, row in enumerate(rows):
            style = bold if row_number == 0 else None
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(row_number, column, value, style)
                    text = repr(value)
                else:
                    text = NOT_XML.sub("", str(value))
                    address = links.get(text) if row_number else None
                    if address is not None and linked < MAX_LINKS:
                        linked += 1
                        sheet.write_url(row_number, column, address, string=text)
                    else:
                        sheet.write_string(row_number, column, text, style)
                if column >= len(widths):
                    widths.extend([0] * (column + 1 - len(widths)))
                widths[column] = max(widths[column], len(text))
        for column, width in enumerate(widths):
            sheet.set_column(column, column, min(max(width + 2, MIN_WIDTH), MAX_WIDTH))
        if rows:
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(len(rows) - 1, 0), max(len(rows[0]) - 1, 0))
    book.close()
    return stream.getvalue()
