"""What the extension records per document in the build environment.

Sphinx pickles the environment between builds and reads documents in parallel
worker processes; each record is kept per document so that it can be purged
when the document is re-read and merged back from a worker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .model import NEED_LINKS
from .model.kinds import KINDS
from .state import build_state, env_state


@dataclass
class DocumentRecord:
    """A policy, checklist or template: the metadata its directive declares."""

    kind: str
    title: str
    prefix: str | None
    owner: str
    last_reviewed: date
    status: str
    #: Months between reviews, when the document sets its own interval.
    review_months: int | None
    docname: str
    lineno: int
    #: The line of ``:last-reviewed:``, where an overdue review is pointed at.
    review_lineno: int
    #: A checklist whose runs are signed off (who, when).
    sign_off: bool = False


@dataclass
class ExceptionRecord:
    """An approved, time-boxed exception to rules."""

    need_id: str
    title: str
    exempts: list[str]
    system: str
    approved_by: str
    start: date
    expires: date
    #: A worked example, labelled so: never enforced.
    example: bool
    docname: str
    lineno: int


@dataclass(frozen=True)
class ItemResult:
    """One item's answer in a checklist run."""

    item_id: str
    result: str
    #: Why it does not apply, or what failed.
    note: str
    evidence: str
    lineno: int


@dataclass(frozen=True)
class ActionItem:
    """An action item of a postmortem."""

    action: str
    owner: str
    due: date
    lineno: int


@dataclass
class Record:
    """An operating record (model/kinds.py): its fields as written, and the dates and
    times among them as read once."""

    kind: str
    need_id: str
    title: str
    #: option name -> value (white space collapsed); only the options written
    values: dict[str, str]
    #: option name -> line
    lines: dict[str, int]
    #: option name -> the date or the date and time a date field holds (not 'unknown')
    moments: dict[str, date | datetime]
    #: A worked example, labelled so: never evidence.
    example: bool
    docname: str
    lineno: int
    results: tuple[ItemResult, ...] = ()
    #: Every item a run's lines answer, the answers in error too.
    answered: tuple[str, ...] = ()
    actions: tuple[ActionItem, ...] = ()


@dataclass(frozen=True)
class Decision:
    """One control's line of a Statement of Applicability, as declared."""

    control: str
    #: applicable, excluded or undecided
    decision: str
    #: The reasons for including it, the justification for excluding it, or what is
    #: missing to decide.
    why: str
    lineno: int


@dataclass(frozen=True)
class Applicability:
    """A Statement of Applicability as declared: its header and its decisions."""

    framework: str
    scope: str
    approver: str
    lineno: int
    decisions: tuple[Decision, ...]


@dataclass
class Gap:
    """Something the sources reference but do not define, where it is referenced."""

    name: str
    text: str
    docname: str
    target_id: str


def digest(text: str) -> bytes:
    """A short digest of what a page shows, to tell whether it changed: the
    environment keeps one per need and per page, so it is kept small."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


#: What a page drawn from every page can show of the others (``DocStore.shows``):
#: their titles and front matter, documents, exceptions, gaps and needs.
PAGES, DOCUMENTS, EXCEPTIONS, GAPS, NEEDS = "pages", "documents", "exceptions", "gaps", "needs"
#: ... their operating records, by kind (a register shows its kind's), and what their
#: rules require of records (what the findings and each rule's state depend on).
EVIDENCE = "evidence"


def records_of(kind: str) -> str:
    """What a page shows of the records of ``kind`` on every page."""
    return f"records:{kind}"


def records_with_named(kind: str) -> frozenset[str]:
    """What a page showing the records of ``kind`` shows of the records: theirs, and
    those of the kinds their fields name (a title or a date of the named record)."""
    named = {t for f in KINDS[kind].fields if f.link for t in NEED_LINKS[f.link]["target_types"]}
    return frozenset(records_of(k) for k in {kind, *named})


RECORDS = frozenset(records_of(kind) for kind in KINDS)
EVERYTHING = frozenset({PAGES, DOCUMENTS, EXCEPTIONS, GAPS, NEEDS, EVIDENCE}) | RECORDS


@dataclass
class DocStore:
    """Everything recorded about one source document."""

    documents: list[DocumentRecord] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    exceptions: list[ExceptionRecord] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    #: The Statements of Applicability declared on the page (the frameworks' views).
    applicability: list[Applicability] = field(default_factory=list)
    #: What of every page the page shows in figures or lists (views, registers):
    #: when one of these changes on any page, the page is rewritten.
    shows: frozenset[str] = frozenset()
    #: What of every page the page depends on without being a page drawn from every
    #: page (the exports do not follow it): a policy page's rules show how they
    #: operate (the records each one reads, every rule's evidence); a record page,
    #: what the rules find in it (the evidence; the records it names are links).
    follows: frozenset[str] = frozenset()
    #: What each rule of the page requires of records: rule ID -> (evidence, requires).
    evidence: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: The line of each rule's ``:evidence:`` (apart: a line that moves changes nothing
    #: other pages show).
    evidence_lines: dict[str, int] = field(default_factory=dict)
    #: A digest of what other pages can show of each need of the page (by ID):
    #: type, title, fields, links.
    shown: dict[str, bytes] = field(default_factory=dict)
    #: The IDs each need of the page links to: the page shows their titles,
    #: their pages show the need.
    links: dict[str, set[str]] = field(default_factory=dict)
    #: The line of each need of the page, by ID.
    lines: dict[str, int] = field(default_factory=dict)
    #: Where each need's links are written: need ID -> link name -> line.
    link_lines: dict[str, dict[str, int]] = field(default_factory=dict)
    #: The rules of the page written outside a policy's rules (reported as such, so
    #: not again as coverage gaps), by ID, or title where they have none.
    misplaced_rules: set[str] = field(default_factory=set)
    #: The IDs sphinx-needs refused as already taken, with their lines.
    duplicates: list[tuple[str, int]] = field(default_factory=list)

    @property
    def shows_all(self) -> bool:
        """Whether the page shows figures or lists drawn from every page."""
        return bool(self.shows)

    @property
    def need_ids(self) -> set[str]:
        """The IDs of the needs written on the page."""
        return set(self.shown)

    @property
    def links_to(self) -> set[str]:
        """Every ID the page's needs link to."""
        return set().union(*self.links.values())


def doc_store(env: BuildEnvironment, docname: str) -> DocStore:
    """The record of ``docname``, created on first use."""
    return _all(env).setdefault(docname, DocStore())


def all_documents(env: BuildEnvironment) -> list[DocumentRecord]:
    """Every policy, checklist and template of the project, in document order."""
    return [rec for name in sorted(_all(env)) for rec in _all(env)[name].documents]


def all_exceptions(env: BuildEnvironment) -> list[ExceptionRecord]:
    """Every recorded exception of the project, in document order."""
    return [rec for name in sorted(_all(env)) for rec in _all(env)[name].exceptions]


def all_records(env: BuildEnvironment) -> list[Record]:
    """Every operating record of the project, in document order."""
    return [rec for name in sorted(_all(env)) for rec in _all(env)[name].records]


def all_gaps(env: BuildEnvironment) -> list[Gap]:
    """Every known gap of the project, in document order."""
    return [gap for name in sorted(_all(env)) for gap in _all(env)[name].gaps]


def stores(env: BuildEnvironment) -> dict[str, DocStore]:
    """Every document's record, by document name (read-only use)."""
    return _all(env)


def shows_every_page(env: BuildEnvironment, docname: str) -> bool:
    """Whether ``docname`` is a page drawn from every page (a view, a register)."""
    store = _all(env).get(docname)
    return store is not None and store.shows_all


def _all(env: BuildEnvironment) -> dict[str, DocStore]:
    return env_state(env).documents


def pages_purged(app: Sphinx) -> set[str]:
    """The pages this build re-read or removed (Sphinx purges each one first)."""
    return build_state(app).pages_purged


def pages_read(app: Sphinx) -> bool:
    """Whether this build re-read or removed a page."""
    return bool(pages_purged(app))


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    build_state(app).pages_purged.add(docname)
    _all(env).pop(docname, None)


def _merge(
    _app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    for name in docnames:
        if name in _all(other):
            _all(env)[name] = _all(other)[name]


def setup_store(app: Sphinx) -> None:
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
