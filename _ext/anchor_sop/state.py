"""Everything the extension keeps, declared once: per build, and in the environment.

Two records, each made in exactly one place:

- :class:`BuildState`, on the application (``app.anchor_sop``): made when the
  extension is set up, it lives for one build (``sphinx-build`` and each
  preview build make a new application).
- :class:`EnvState`, on the build environment (``env.anchor_sop``): pickled
  with it, so it lives from one build to the next; made when the builder starts
  (``builder-inited``, first) unless the loaded environment brought it.

Each field says who writes it and when; everything else reads it. The speed
package's own values are declared here too, as plain values: the logic reads
none of them, and a seam (:class:`Seams`) is how a speedup replaces a stock
part. ARCHITECTURE's "State it keeps" lists these fields; a test compares the
two.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

if TYPE_CHECKING:
    from docutils import nodes

    from .evidence.operation import OperationReport
    from .exports.files import Export
    from .exports.provenance import Provenance
    from .exports.workbook import Sheet
    from .frameworks.report import FrameworkReport
    from .store import DocStore
    from .traceability.links import Changes
    from .traceability.report import TraceReport


def _stock_kept_rows(_app: Sphinx, _page: str) -> dict:
    return {}


def _stock_made_when_written(_app: Sphinx, make: Callable[[], list], _text: str) -> list:
    return make()


@dataclass
class Seams:
    """The stock parts a speedup may replace (:mod:`anchor_sop.speed` sets them when on)."""

    #: The rows the last build kept for a page, by ``(view, recipe)``
    #: (:func:`anchor_sop.render.recipe_table`); stock: none.
    kept_rows: Callable[[Sphinx, str], dict[Hashable, Any]] = _stock_kept_rows
    #: The nodes ``make()`` returns, or a node the writer makes them from
    #: (:func:`anchor_sop.traceability.links.resolve_trace_lists`); stock: made now.
    made_when_written: Callable[[Sphinx, Callable[[], list[nodes.Node]], str], list] = (
        _stock_made_when_written
    )
    #: Writes the exports named beside the pages, once the build has finished; ``None``:
    #: the stock writer, :func:`anchor_sop.exports.files.make_each`.
    write_exports: Callable[[Sphinx, list[str]], None] | None = None


@dataclass
class BuildState:
    """What one build keeps, on ``app.anchor_sop``."""

    # declared while the extension is set up
    #: Every export by file name (:func:`anchor_sop.exports.files.add_export`).
    exports: dict[str, Export] = field(default_factory=dict)
    #: The workbook's sheets, in order (:func:`anchor_sop.exports.workbook.add_sheet`).
    sheets: list[Sheet] = field(default_factory=list)
    #: The stock parts, or the speedups' (:mod:`anchor_sop.speed`).
    seams: Seams = field(default_factory=Seams)

    # while reading
    #: The pages this build re-read or removed (:mod:`anchor_sop.store`, ``env-purge-doc``).
    pages_purged: set[str] = field(default_factory=set)
    #: What the pages read held before, and the pages rewritten for it
    #: (:mod:`anchor_sop.traceability.links`, from ``env-purge-doc``).
    changes: Changes | None = None
    #: The needs of the build compared with (:mod:`anchor_sop.traceability.changes`,
    #: ``builder-inited``).
    earlier_needs: dict | None = None
    #: The warnings shown on preview pages (:mod:`anchor_sop.preview_banner`).
    preview_warnings: logging.Handler | None = None

    # the reports step (:mod:`anchor_sop.reports`, ``write-started``)
    #: The trace report: rules, items, their links and coverage.
    trace: TraceReport | None = None
    #: The operation report, made from the trace report: populations and findings.
    operation: OperationReport | None = None
    #: The frameworks report, made from both: each criterion's rules and state.
    frameworks: FrameworkReport | None = None

    # while writing
    #: The commit and moment the exports name (:mod:`anchor_sop.exports.provenance`).
    provenance: Provenance | None = None
    #: Relative addresses between pages (:func:`anchor_sop.render.link_to`).
    uris: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Whether a page drawn from every page was written (:mod:`anchor_sop.exports.files`).
    wrote_views: bool = False
    #: The changes since the earlier needs, compared on first use
    #: (:mod:`anchor_sop.traceability.changes`).
    audit_changes: list | None = None

    # the speedups' own (:mod:`anchor_sop.speed`); the logic reads none of them
    #: The speedups on in this build (``speed.switch``, ``config-inited``).
    speedups: frozenset[str] = frozenset()
    #: Whether this build reads fewer than half the pages (``speed.parallel``).
    reads_few: bool = False
    #: The ``-j`` Sphinx was given, while a speedup changes it (``speed.parallel``).
    parallel: int | None = None
    #: The pages read in shares, one per process (``speed.parallel``).
    read_in_shares: list[str] = field(default_factory=list)
    #: The exports made in a forked process (``speed.exports``).
    exports_made_early: Any = None
    #: The sidebar, made once per build (``speed.navigation``).
    navigation: Any = None
    #: Sphinx's pages to rewrite for their toctree, kept aside (``speed.navigation``).
    files_to_rebuild: dict | None = None


@dataclass
class EnvState:
    """What is kept from one build to the next, on ``env.anchor_sop``."""

    #: What each page holds, by page (:mod:`anchor_sop.store`; purged and merged).
    documents: dict[str, DocStore] = field(default_factory=dict)
    #: What other pages saw of each page (:mod:`anchor_sop.traceability.links`).
    outside: dict[str, Any] = field(default_factory=dict)
    #: The hash of the reviewed-links baseline (:mod:`anchor_sop.traceability.links`).
    baseline: str | None = None
    #: The next moment a record becomes late (:mod:`anchor_sop.evidence`).
    next_deadline: datetime | None = None
    #: Each record page's previous and next record (:mod:`anchor_sop.evidence.views`).
    neighbours: dict[str, tuple] = field(default_factory=dict)
    #: The day of the last build (:mod:`anchor_sop.lifecycle.reviews`).
    today: date | None = None
    #: Whether the HTML translator writes table rows and deferred nodes itself, decided
    #: anew by every build (a seam: off here, on where ``speed.tables`` says so);
    #: otherwise :class:`anchor_sop.render.ExpandTableRows` makes them docutils nodes.
    writes_rows: bool = False
    # the speedups' own
    #: The files of each group of pages' needs (``speed.envsave``).
    needs_files: dict[int, str] = field(default_factory=dict)
    #: Each page's table of contents, digested (``speed.navigation``).
    toc_digests: dict[str, bytes] | None = None


def build_state(app: Sphinx) -> BuildState:
    return app.anchor_sop


def env_state(env: BuildEnvironment) -> EnvState:
    return env.anchor_sop


def _attach_env_state(app: Sphinx) -> None:
    # an environment loaded from the last build brings its own
    if not isinstance(vars(app.env).get("anchor_sop"), EnvState):
        app.env.anchor_sop = EnvState()
    app.env.anchor_sop.writes_rows = False


def setup_state(app: Sphinx) -> None:
    app.anchor_sop = BuildState()
    app.connect("builder-inited", _attach_env_state, priority=0)
