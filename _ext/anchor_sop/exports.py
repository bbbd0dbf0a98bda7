"""The files an HTML build writes beside its pages, for auditors and tools.

Each component declares its files with :func:`add_export` (a name and a
function that makes the file's bytes); they are written once the build has
finished, and only if an aggregate page was written (they show the same
figures): a no-op rebuild or a prose edit keeps them. CSV
is UTF-8 with a header row; XLSX has one sheet per table, a frozen header and
fitted column widths. Both are the same bytes for the same sources and build
date (:mod:`anchor_sop.archive`), so the audit pack is reproducible.
needs.json is sphinx-needs' own.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from sphinx.application import Sphinx

from . import clock
from .archive import restamp
from .render import RESOLVE_EVENT
from .store import stores

Rows = Sequence[Sequence[object]]
#: Builders whose output folder is a site the exports sit beside (not a PDF).
EXPORTING_BUILDERS = ("html", "dirhtml", "singlehtml")


def writes_exports(app: Sphinx) -> bool:
    return app.builder.name in EXPORTING_BUILDERS


def add_export(app: Sphinx, filename: str, make: Callable[[Sphinx], bytes]) -> None:
    app.anchor_sop_exports[filename] = make


def csv_bytes(rows: Rows) -> bytes:
    stream = io.StringIO(newline="")
    csv.writer(stream, lineterminator="\r\n").writerows(rows)
    return stream.getvalue().encode("utf-8")


def xlsx_bytes(sheets: Mapping[str, Rows]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        sheet.freeze_panes = "A2"
        for column, values in enumerate(zip(*rows, strict=True), start=1):
            width = max(len(str(v)) for v in values)
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
        for cell in sheet[1]:
            cell.font = cell.font.copy(bold=True)
    moment = clock.now()
    # openpyxl's save() stamps the wall clock; its writer takes the times given
    workbook.properties.created = workbook.properties.modified = moment.replace(tzinfo=None)
    buffer = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return restamp(buffer.getvalue(), moment)


def _note_written(app: Sphinx, _doctree, docname: str) -> None:
    # the exports hold what the aggregate pages show: rewritten when one is
    store = stores(app.env).get(docname)
    if store is not None and store.shows_all:
        app.anchor_sop_wrote_pages = True


def _write_exports(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or not writes_exports(app):
        return
    outdir = Path(app.outdir)
    wanted = app.anchor_sop_exports
    unchanged = not getattr(app, "anchor_sop_wrote_pages", False)
    if unchanged and all((outdir / name).is_file() for name in wanted):
        return  # no aggregate page was rewritten, so neither are the exports' figures
    for name, make in wanted.items():
        (outdir / name).write_bytes(make(app))


def setup_exports(app: Sphinx) -> None:
    app.anchor_sop_exports = {}
    app.connect(RESOLVE_EVENT, _note_written)
    app.connect("build-finished", _write_exports)
