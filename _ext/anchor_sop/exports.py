"""The files an HTML build writes beside its pages, for auditors and tools.

Each component declares its files with :func:`add_export` (a name, a
function that makes the file's bytes, and what the file follows); they are
written once the build has finished, and only when what they follow changed:
an export of the aggregate views when an aggregate page was written, an export
of every need (needs.json) when a page was read. A no-op rebuild keeps them
all; a prose edit keeps the views' exports. CSV is UTF-8 with a header row;
XLSX has one sheet per table, a frozen header and fitted column widths. Each is
the same bytes for the same sources and build date (:mod:`anchor_sop.archive`),
so the audit pack is reproducible.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from sphinx.application import Sphinx

from . import clock
from .render import RESOLVE_EVENT
from .store import pages_read, stores
from .xlsx import workbook

Rows = Sequence[Sequence[object]]
#: Builders whose output folder is a site the exports sit beside (not a PDF).
EXPORTING_BUILDERS = ("html", "dirhtml", "singlehtml")


def writes_exports(app: Sphinx) -> bool:
    return app.builder.name in EXPORTING_BUILDERS


#: What an export follows: the aggregate views, or every need.
VIEWS, NEEDS = "views", "needs"


def add_export(
    app: Sphinx, filename: str, make: Callable[[Sphinx], bytes], follows: str = VIEWS
) -> None:
    app.anchor_sop_exports[filename] = (make, follows)


def csv_bytes(rows: Rows) -> bytes:
    stream = io.StringIO(newline="")
    csv.writer(stream, lineterminator="\r\n").writerows(rows)
    return stream.getvalue().encode("utf-8")


def xlsx_bytes(sheets: Mapping[str, Rows]) -> bytes:
    return workbook(sheets, clock.now())


def _note_written(app: Sphinx, _doctree, docname: str) -> None:
    # the exports hold what the aggregate pages show: rewritten when one is
    store = stores(app.env).get(docname)
    if store is not None and store.shows_all:
        app.anchor_sop_wrote_pages = True


def _write_exports(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or not writes_exports(app):
        return
    outdir = Path(app.outdir)
    changed = {
        VIEWS: getattr(app, "anchor_sop_wrote_pages", False),
        NEEDS: pages_read(app),
    }
    for name, (make, follows) in app.anchor_sop_exports.items():
        if changed[follows] or not (outdir / name).is_file():
            (outdir / name).write_bytes(make(app))


def setup_exports(app: Sphinx) -> None:
    app.anchor_sop_exports = {}
    app.connect(RESOLVE_EVENT, _note_written)
    app.connect("build-finished", _write_exports)
