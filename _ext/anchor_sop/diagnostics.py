"""One way to tell an author what is wrong: a single warning with a fix.

Each problem is reported once, at the file and line where it was written, as
``<what is wrong>. Fix: <what to do>`` with the type ``anchor.<subtype>``, so that
``-W`` turns it into a build failure that names the place and the remedy.
"""

from __future__ import annotations

from typing import Any

from sphinx.util import logging

logger = logging.getLogger("anchor_sop")

WARNING_TYPE = "anchor"


def report(location: Any, subtype: str, problem: str, fix: str) -> None:
    """Warn about an authoring mistake at ``location`` (a node or ``(docname, line)``)."""
    logger.warning(
        f"{problem}. Fix: {fix}",
        location=location,
        type=WARNING_TYPE,
        subtype=subtype,
    )
