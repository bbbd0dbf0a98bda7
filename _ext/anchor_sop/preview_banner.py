"""The preview shows what is wrong: each warning of the last rebuild, in the browser.

With ``anchor_preview_warnings`` on (``nox -s serve`` sets it), the build
keeps every warning it logs, with the page it is about, and writes them to
``_static/anchor-warnings.json`` when it finishes; ``static/anchor-preview.js``
(added to the pages only then) fetches that file on every page and shows a
banner with the message and its fix on the page a warning concerns, and a
count of the rebuild's warnings on every other page. A published build is
left as it was: no script, no file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.logging import is_suppressed_warning

from .diagnostics import source_place
from .state import build_state

#: Where the warnings of the last build are written, under the output folder.
WARNINGS_FILE = "_static/anchor-warnings.json"


class _Keep(logging.Handler):
    """Every warning the build logs, with the page and line it is about."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__(logging.WARNING)
        self.app = app
        self.kept: list[dict[str, object]] = []
        # Sphinx holds back the warnings of a read and hands the same records on later
        # (kept, not their ids: an id is reused once its record is gone)
        self.seen: set[logging.LogRecord] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if record in self.seen:
            return
        self.seen.add(record)
        kind, subtype = getattr(record, "type", None), getattr(record, "subtype", None)
        if is_suppressed_warning(kind, subtype, self.app.config.suppress_warnings):
            return  # Sphinx does not show it either
        docname, lineno = _place(record, self.app.env)
        message = record.getMessage()
        problem, _, fix = message.partition(". Fix: ")
        self.kept.append(
            {
                "page": self.app.builder.get_target_uri(docname) if docname else "",
                "where": source_place(self.app.env, docname, lineno) if docname else "",
                "message": problem,
                "fix": fix,
            }
        )


def _place(record: logging.LogRecord, env) -> tuple[str, int | None]:
    """The page and line of a warning (Sphinx's ``location``: a pair, or a node)."""
    location = getattr(record, "location", None)
    if isinstance(location, tuple) and location:
        return str(location[0] or ""), location[1] if len(location) > 1 else None
    if isinstance(location, nodes.Node) and location.source:
        return env.path2doc(location.source) or "", location.line
    return "", None


def _start(app: Sphinx) -> None:
    if not app.config.anchor_preview_warnings:
        return
    app.add_js_file("anchor-preview.js", loading_method="defer")
    handler = _Keep(app)
    logging.getLogger("sphinx").addHandler(handler)
    build_state(app).preview_warnings = handler


def _write(app: Sphinx, _exception: Exception | None) -> None:
    handler = build_state(app).preview_warnings
    if handler is None:
        return
    logging.getLogger("sphinx").removeHandler(handler)
    path = Path(app.outdir) / WARNINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(handler.kept, ensure_ascii=False, indent=1), encoding="utf-8")


def setup_preview_banner(app: Sphinx) -> None:
    # "html": a preview build has the script on its pages, a published one does not
    app.add_config_value("anchor_preview_warnings", False, "html", types=(bool,))
    app.connect("builder-inited", _start)
    app.connect("build-finished", _write)
