"""The files an HTML build writes beside its pages, for auditors and tools.

Each component declares its files with :func:`add_export` (a name, a
function that makes the file's bytes, and what it follows). They are written
once the build has finished, and only when what they follow changed: an
aggregate page (a view, a register) was written, or a page was read. A prose
edit keeps the views' exports; a no-op rebuild keeps them all. ``needs.json``
is sphinx-needs' own (``needs_build_json``), or with the ``needs-json``
speedup the same file made as an export (:mod:`anchor_sop.speed.needs_json`).
CSV is UTF-8 with a header row; the XLSX is made by
:mod:`anchor_sop.exports.spreadsheet`. Each is the same bytes for the same
sources and build date, so the audit pack is reproducible.

How they are made is a seam (:attr:`anchor_sop.state.Seams.write_exports`):
one after another once the build has finished, or, with the ``parallel``
speedup, in a process forked while the pages are written
(:mod:`anchor_sop.speed.exports`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from sphinx.application import Sphinx
from sphinx_needs.api import get_needs_view

from .. import clock
from ..model import EXPORTS_JSON, NEEDS_JSON
from ..render import RESOLVE_EVENT
from ..state import build_state
from ..store import pages_read, shows_every_page
from .provenance import exports_json, provenance
from .spreadsheet import workbook

Rows = Sequence[Sequence[object]]
#: Builders whose output folder is a site the exports sit beside (not a PDF).
EXPORTING_BUILDERS = ("html", "dirhtml", "singlehtml")


def writes_exports(app: Sphinx) -> bool:
    return app.builder.name in EXPORTING_BUILDERS


#: What an export follows: the aggregate views, or every need.
VIEWS, NEEDS = "views", "needs"


class Export(NamedTuple):
    #: Makes the file's bytes.
    make: Callable[[Sphinx], bytes]
    #: ``VIEWS`` or ``NEEDS``.
    follows: str
    #: What it holds, where the site links to it.
    label: str


def add_export(
    app: Sphinx,
    filename: str,
    make: Callable[[Sphinx], bytes],
    label: str,
    follows: str = VIEWS,
) -> None:
    """Write ``make(app)`` as ``filename`` beside the pages whenever what it follows
    changed: an aggregate page was written (``VIEWS``), or a page was read (``NEEDS``).
    ``label`` says what it holds where the site links to it."""
    build_state(app).exports[filename] = Export(make, follows, label)


#: The files beside the pages that sphinx-needs and this module write themselves.
WRITTEN_ANYWAY = {
    NEEDS_JSON: "needs.json (every need, for tools)",
    EXPORTS_JSON: "where the exports come from (commit, its date, build date)",
}


def exports_listed(app: Sphinx) -> list[tuple[str, str]]:
    """Every file the build writes beside the pages, with what it holds: the exports
    in the order the components declare them, then needs.json and exports.json."""
    declared = [
        (name, label)
        for name, (_make, _follows, label) in build_state(app).exports.items()
        if name not in WRITTEN_ANYWAY  # needs.json is the speedups' when they are on
    ]
    return [*declared, *WRITTEN_ANYWAY.items()]


def csv_bytes(rows: Rows) -> bytes:
    stream = io.StringIO(newline="")
    csv.writer(stream, lineterminator="\r\n").writerows(rows)
    return stream.getvalue().encode("utf-8")


def xlsx_bytes(app: Sphinx, sheets: Mapping[str, Rows], title: str) -> bytes:
    """An XLSX of ``sheets`` that says where it comes from; its IDs link to their
    pages on the published site when ``anchor_site_url`` is set."""
    origin = provenance(app)
    properties = {
        "title": title,
        "subject": f"{app.config.project}, commit {origin.commit}",
        "comments": f"Commit {origin.commit} of {origin.commit_date}; built {origin.built}",
    }
    return workbook(sheets, clock.now(), properties, site_links(app))


def site_links(app: Sphinx) -> dict[str, str]:
    """Each need's address on the published site, by ID (none without ``anchor_site_url``)."""
    site = app.config.anchor_site_url.rstrip("/")
    if not site:
        return {}
    return {
        need_id: f"{site}/{app.builder.get_target_uri(need['docname'])}#{need_id}"
        for need_id, need in get_needs_view(app).items()
        if need["docname"]
    }


def note_written(app: Sphinx, docname: str) -> None:
    """Note that ``docname`` is written: the exports hold what the aggregate pages show,
    so they are rewritten when one is (noted as a page is resolved)."""
    if shows_every_page(app.env, docname):
        build_state(app).wrote_views = True


def _note_written(app: Sphinx, _doctree, docname: str) -> None:
    note_written(app, docname)


def make_each(app: Sphinx, names: list[str]) -> None:
    """The stock writer: each export made and written in turn."""
    outdir = Path(app.outdir)
    for name in names:
        (outdir / name).write_bytes(build_state(app).exports[name].make(app))


def _write_exports(app: Sphinx, exception: Exception | None) -> None:
    """Write each export whose sources changed, or that is missing, then exports.json."""
    if exception is not None or not writes_exports(app):
        return
    state = build_state(app)
    outdir = Path(app.outdir)
    changed = {VIEWS: state.wrote_views, NEEDS: pages_read(app)}
    names = [
        name
        for name, export in state.exports.items()
        if changed[export.follows] or not (outdir / name).is_file()
    ]
    (state.seams.write_exports or make_each)(app, names)
    # needs.json changed too when a page was read, whoever wrote it
    if names or changed[NEEDS] or not (outdir / EXPORTS_JSON).is_file():
        every = {*state.exports, NEEDS_JSON}
        (outdir / EXPORTS_JSON).write_bytes(exports_json(app, sorted(every)))


def _read_provenance(app: Sphinx, _builder) -> None:
    # once, in the main process, before any export is made (in a fork, in an edit)
    if writes_exports(app):
        provenance(app)


def setup_exports(app: Sphinx) -> None:
    app.add_config_value("anchor_site_url", "", "html", types=(str,))
    app.connect("write-started", _read_provenance, priority=650)
    app.connect(RESOLVE_EVENT, _note_written)
    app.connect("build-finished", _write_exports)
