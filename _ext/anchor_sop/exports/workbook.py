"""``traceability.xlsx``: a sheet per view, contributed by the components.

Each component declares its sheets with :func:`add_sheet` (a name and a
function that makes its rows, header first, or ``None`` to leave it out);
the workbook holds them in the order they were declared. This module knows
no component: the traceability views, the review status and the operating
evidence each contribute theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sphinx.application import Sphinx

from ..model import TRACE_XLSX
from ..state import build_state
from .files import Rows, add_export, xlsx_bytes


class Sheet(NamedTuple):
    name: str
    #: Its rows, header first; ``None`` leaves the sheet out of this build's workbook.
    rows: Callable[[Sphinx], Rows | None]


def add_sheet(app: Sphinx, name: str, rows: Callable[[Sphinx], Rows | None]) -> None:
    build_state(app).sheets.append(Sheet(name, rows))


def workbook_bytes(app: Sphinx) -> bytes:
    sheets = {}
    for sheet in build_state(app).sheets:
        rows = sheet.rows(app)
        if rows is not None:
            sheets[sheet.name] = rows
    return xlsx_bytes(app, sheets, f"{app.config.project}: traceability")


def setup_workbook(app: Sphinx) -> None:
    add_export(app, TRACE_XLSX, workbook_bytes, "the matrix and every view as XLSX, a sheet each")
