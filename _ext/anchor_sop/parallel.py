"""Few changed pages are read in the main process, even with ``-j``.

Sphinx reads in worker processes whenever ``-j`` allows, however few pages
changed, and each worker sends back the whole build environment, pickled: at
20,000 needs about 25 MB, some 5 s to pickle and load for an edit of one page
that reads in a tenth of a second. Reading in parallel pays only when most of
the project is read (a cold build, a new configuration), so a build that reads
fewer than half its pages reads them in the main process; writing stays
parallel.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def reads_few_pages(app: Sphinx) -> bool:
    """Whether this build reads fewer than half the project's pages: an edit, not a
    cold build. Decided as reading begins (``env-before-read-docs``, priority 900)."""
    return getattr(app, "anchor_sop_reads_few", False)


def _read_few_in_main_process(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    app.anchor_sop_reads_few = 2 * len(docnames) < len(env.found_docs)
    if app.parallel > 1 and app.anchor_sop_reads_few:
        # Sphinx checks app.parallel right after this event, before reading
        app.anchor_sop_parallel = app.parallel
        app.parallel = 1


def _restore_parallel(app: Sphinx, _env: BuildEnvironment) -> None:
    # before the builder decides how to write (after env-updated)
    parallel = getattr(app, "anchor_sop_parallel", None)
    if parallel is not None:
        app.parallel = parallel
        app.anchor_sop_parallel = None


def setup_parallel(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _read_few_in_main_process, priority=900)
    app.connect("env-updated", _restore_parallel, priority=100)
