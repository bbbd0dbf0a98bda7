"""One way to tell an author what is wrong: a single warning with a fix.

Each problem is reported once, at the file and line where it was written, as
``<what is wrong>. Fix: <what to do>`` with the type ``anchor.<subtype>``, so that
``-W`` turns it into a build failure that names the place and the remedy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger("anchor_sop")

WARNING_TYPE = "anchor"


def option_line(directive: Any, name: str) -> int:
    """The line of the option ``:name:`` of ``directive``; the directive's own line when
    the option is not written on a line of its own."""
    for offset, line in enumerate(directive.block_text.splitlines()):
        if line.lstrip().startswith(f":{name}:"):
            return directive.lineno + offset
    return directive.lineno


def content_line(directive: Any, offset: int) -> int:
    """The line of the ``offset``-th line of ``directive``'s content."""
    lines = directive.block_text.splitlines()
    content = list(directive.content)
    for start in range(len(lines) - len(content) + 1):
        if lines[start : start + len(content)] == content:
            return directive.lineno + start + offset
    return directive.lineno


def source_place(env: Any, docname: str, lineno: int | None) -> str:
    """``source/page.md:12``: a place as an author finds it, relative to the project."""
    path = Path(env.doc2path(docname))
    with contextlib.suppress(ValueError):
        path = path.relative_to(Path(env.srcdir).parent)
    return f"{path.as_posix()}:{lineno}" if lineno else path.as_posix()


def report(location: Any, subtype: str, problem: str, fix: str) -> None:
    """Warn about an authoring mistake at ``location`` (a node or ``(docname, line)``)."""
    logger.warning(
        f"{problem}. Fix: {fix}",
        location=location,
        type=WARNING_TYPE,
        subtype=subtype,
    )


def argument_among(directive: Any, choices: Iterable[str], subtype: str, what: str) -> str | None:
    """The directive's argument when it is one of ``choices`` (the views, frameworks or
    kinds it may name); else it is reported at the directive and None returned."""
    value = directive.arguments[0].strip()
    if value in choices:
        return value
    report(
        (directive.env.docname, directive.lineno),
        subtype,
        f"There is no {what} {value!r}",
        f"use one of {', '.join(choices)}",
    )
    return None
