"""Each table row's HTML, kept from one build to the next.

A view of 10,000 rows is rewritten whenever one of its needs changes, and
almost every row shows what it showed before. A cached row is described by its
*recipe*: a tuple of plain values (IDs, titles, page names, states) that is the
only input of the function making its cells. When the HTML writer writes such
a row it keeps the row's HTML, and its text for the search index, under
``(function name, recipe)``; the next build takes every row whose recipe is
unchanged from there, without making its nodes or writing them again.

What else a row's HTML depends on is the *context* of the kept rows, and a
change of it drops them all: the page and builder (the links' addresses), the
address suffixes, the versions of Sphinx, docutils, sphinx-design and furo
(the markup they write), and this package's source.

The rows are kept per builder and page in the doctree folder, one file per
page: each page is written by one process of a build, so no two processes
write the same file. Only the HTML builders with the ``tables`` speedup use
them (:mod:`anchor_sop.speed.tables`); other formats make every row. The kept
sidebar (:mod:`anchor_sop.speed.navigation`) is read and written the same way.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Hashable
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

#: The row's HTML (between ``<tr>`` and ``</tr>``) and each text of its cells.
Kept = tuple[str, tuple[str, ...]]


def kept_rows(app: Sphinx, page: str) -> dict[Hashable, Kept]:
    """The rows kept for ``page`` by the last build, when they still apply."""
    path = _file(app.doctreedir, app.builder.name, page)
    return read_kept(path, _context(app.builder, page)) or {}


def keep_rows(builder, page: str, rows: dict[Hashable, Kept]) -> None:
    """Keep ``rows``, every cached row of ``page`` in this build, for the next one."""
    path = _file(builder.doctreedir, builder.name, page)
    write_kept(path, _context(builder, page), rows, plain=True)


def read_kept(path: Path, context: Hashable) -> Any:
    """What a build kept at ``path`` under ``context``; ``None`` if nothing or another."""
    try:
        with path.open("rb") as stream:
            kept_context, value = pickle.load(stream)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        return None  # none kept yet, or a file an interrupted build left
    return value if kept_context == context else None


def write_kept(path: Path, context: Hashable, value: Any, *, plain: bool = False) -> None:
    """Keep ``value`` under ``context`` at ``path``, whole or not at all: each process
    writes its own file and puts it in place.

    A *plain* value (strings, numbers, ``None``, tuples and dictionaries, a few
    levels deep, no object's identity needed) is pickled without the pickler's
    memo (its ``fast`` mode, which refuses deep nesting; documented as
    deprecated since Python 2, it works as ever in 3.8 to 3.13): a view's kept
    rows are many small tuples whose identity nobody reads, and the memo
    roughly triples the time to pickle them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    with partial.open("wb") as stream:
        pickler = pickle.Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = plain
        pickler.dump((context, value))
    partial.replace(path)


def _file(doctreedir: str | os.PathLike, builder_name: str, page: str) -> Path:
    return Path(doctreedir) / "anchor-rows" / builder_name / f"{page.replace('/', '%')}.pickle"


def _context(builder, page: str) -> tuple:
    config = builder.config
    return (
        page,
        builder.name,
        config.html_file_suffix,
        config.html_link_suffix,
        code_version(),
    )


@cache
def code_version() -> tuple[str, ...]:
    """What kept HTML depends on besides its inputs: the versions of the markup
    writers and this package's source (the kept rows and sidebar drop with it)."""
    package = Path(__file__).parent.parent
    source = hashlib.sha256()
    for module in sorted(package.rglob("*.py")):
        source.update(module.read_bytes())
    return (
        version("sphinx"),
        version("docutils"),
        version("sphinx-design"),
        version("furo"),
        source.hexdigest(),
    )
