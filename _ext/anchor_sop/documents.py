"""Document metadata shared by policies, checklists and templates.

Each of those directives declares who owns the document, when it was last
reviewed and its status. The metadata is validated, recorded in the build
environment (:mod:`anchor_sop.store`) and shown in a header card::

    <container design_component="card" classes="sd-card ... anchor-doc-header">
        <container design_component="card-body" classes="sd-card-body">
            <field_list classes="anchor-doc-meta">
                <field> Owner | Last reviewed | Status [| ID prefix]
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective
from sphinx_design.shared import create_component

from . import clock
from .diagnostics import option_line, report
from .lifecycle.reviews import review_banner
from .model import DOC_OWNER, DOC_REVIEWED, DOC_STATUS, PREFIX_REGEX, STATUSES
from .render import state_badge
from .store import DocumentRecord, all_documents, doc_store

METADATA_OPTIONS = {
    "owner": directives.unchanged,
    "last-reviewed": directives.unchanged,
    "review-interval": directives.unchanged,
    "status": directives.unchanged,
}


def parse_date(text: str, location, what: str) -> date | None:
    """An ISO 8601 date (YYYY-MM-DD), or None after reporting what is wrong with it:
    its form, its month or its day."""
    if mistake := clock.date_mistake(text):
        report(location, "bad_date", f"The {what} is {text!r}, {mistake[0]}", mistake[1])
        return None
    return date.fromisoformat(text)


def document_fields(record: DocumentRecord | None) -> dict[str, str]:
    """The need fields that carry the metadata of the document a need is in."""
    if record is None:
        return {}
    return {
        DOC_STATUS: record.status,
        DOC_OWNER: record.owner,
        DOC_REVIEWED: record.last_reviewed.isoformat(),
    }


class DocumentDirective(SphinxDirective):
    """Base of the directives that carry a document's metadata."""

    #: What the directive declares, as authors call it ("policy", ...).
    kind: ClassVar[str]
    #: Whether the document scopes need IDs with a prefix of its own.
    takes_prefix: ClassVar[bool] = False

    option_spec: ClassVar[dict] = dict(METADATA_OPTIONS)

    def location(self, option: str | None = None) -> tuple[str, int]:
        """Where to point a mistake: at the line of ``option`` when its value is wrong
        (``:name:``), at the directive when the option is missing."""
        return (self.env.docname, option_line(self, option) if option else self.lineno)

    def read_record(self, title: str) -> DocumentRecord:
        """Validate the metadata options, report each mistake, record the document.

        A mistake is reported and a placeholder value kept, so the page still
        renders everything the author wrote.
        """
        prefix = self.read_prefix() if self.takes_prefix else None
        record = DocumentRecord(
            kind=self.kind,
            title=title,
            prefix=prefix,
            owner=self.read_owner(),
            last_reviewed=self.read_last_reviewed(),
            status=self.read_status(),
            review_months=self.read_review_interval(),
            docname=self.env.docname,
            lineno=self.lineno,
            review_lineno=option_line(self, "last-reviewed"),
        )
        doc_store(self.env, self.env.docname).documents.append(record)
        return record

    def read_prefix(self) -> str | None:
        prefix = self.options.get("id-prefix", "").strip()
        if not prefix:
            report(
                self.location(),
                "missing_prefix",
                f"The {self.kind} has no ID prefix",
                "add ':id-prefix: ABC' (2-8 upper-case letters or digits, "
                "starting with a letter); every ID in it starts with 'ABC-'",
            )
            return None
        if not PREFIX_REGEX.match(prefix):
            report(
                self.location("id-prefix"),
                "bad_prefix",
                f"The ID prefix {prefix!r} of the {self.kind} is not 2-8 upper-case "
                "letters or digits starting with a letter",
                "use a prefix such as 'BKP'",
            )
            return None
        return prefix

    def read_owner(self) -> str:
        owner = " ".join(self.options.get("owner", "").split())
        roles = self.config.anchor_owner_roles
        if not owner:
            report(
                self.location(),
                "missing_owner",
                f"The {self.kind} has no owner",
                f"add ':owner: <role>' with one of the roles in conf.py "
                f"(anchor_owner_roles): {', '.join(roles)}",
            )
            return "(no owner)"
        if owner not in roles:
            report(
                self.location("owner"),
                "unknown_owner",
                f"The owner {owner!r} of the {self.kind} is not a declared role",
                f"use one of {', '.join(roles)}, or declare the role in "
                "anchor_owner_roles in conf.py",
            )
        return owner

    def read_last_reviewed(self) -> date:
        text = self.options.get("last-reviewed", "").strip()
        if not text:
            report(
                self.location(),
                "missing_review_date",
                f"The {self.kind} has no last-reviewed date",
                "add ':last-reviewed: YYYY-MM-DD', the day it was last reviewed",
            )
            return date.min
        reviewed = parse_date(
            text, self.location("last-reviewed"), f"last-reviewed date of the {self.kind}"
        )
        if reviewed is None:
            return date.min
        today = clock.today()
        if reviewed > today:
            report(
                self.location("last-reviewed"),
                "future_review_date",
                f"The last-reviewed date {text} of the {self.kind} is in the future "
                f"(today is {today.isoformat()})",
                "give the day the review actually took place",
            )
        return reviewed

    def read_review_interval(self) -> int | None:
        text = self.options.get("review-interval", "").strip()
        if not text:
            return None
        if not text.isdigit() or int(text) == 0:
            report(
                self.location("review-interval"),
                "bad_review_interval",
                f"The review interval {text!r} of the {self.kind} is not a number of months",
                "write a whole number of months, e.g. ':review-interval: 6'",
            )
            return None
        return int(text)

    def read_status(self) -> str:
        status = self.options.get("status", "approved").strip()
        if status not in STATUSES:
            report(
                self.location("status"),
                "unknown_status",
                f"The status {status!r} of the {self.kind} is unknown",
                f"use one of: {', '.join(STATUSES)}",
            )
        return status

    def header(self, record: DocumentRecord) -> list[nodes.Node]:
        """The header card, the review notice placeholder and the status banner."""
        index = len(doc_store(self.env, self.env.docname).documents) - 1
        banner = review_banner(docname=self.env.docname, index=index)
        self.set_source_info(banner)
        return [self.header_card(record), banner, *status_banner(record)]

    def header_card(self, record: DocumentRecord) -> nodes.container:
        """The card at the top of the document: owner, last reviewed, status."""
        fields = nodes.field_list(classes=["anchor-doc-meta"])
        fields += _field("Owner", nodes.Text(record.owner))
        reviewed = (
            record.last_reviewed.isoformat() if record.last_reviewed != date.min else "unknown"
        )
        fields += _field("Last reviewed", nodes.Text(reviewed))
        fields += _field("Status", state_badge(record.status))
        if record.prefix:
            fields += _field("ID prefix", nodes.literal(text=record.prefix))
        body = create_component("card-body", ["sd-card-body"], children=[fields])
        card = create_component(
            "card",
            [
                "sd-card",
                "sd-sphinx-override",
                "sd-mb-3",
                "sd-shadow-sm",
                "anchor-doc-header",
                f"anchor-{record.kind}-header",
            ],
            children=[body],
        )
        self.set_source_info(card)
        return card


def status_banner(record: DocumentRecord) -> list[nodes.Node]:
    """The banner of a draft or retired document (none for an approved one)."""
    if record.status not in ("draft", "retired"):
        return []
    text = {
        "draft": f"This {record.kind} is a draft. It is not in force, and its rules "
        "are not counted in the coverage figures.",
        "retired": f"This {record.kind} is retired. It is no longer in force, and its "
        "rules are not counted in the coverage figures.",
    }[record.status]
    banner = nodes.admonition(classes=["anchor-status-banner", "warning"])
    banner += nodes.title(text=record.status.capitalize())
    banner += nodes.paragraph(text=text)
    return [banner]


def check_unique_prefixes(_app, env) -> None:
    """Report a prefix declared by two documents: their IDs would collide."""
    first: dict[str, DocumentRecord] = {}
    for record in all_documents(env):
        if record.prefix is None:
            continue
        if (earlier := first.setdefault(record.prefix, record)) is not record:
            report(
                (record.docname, record.lineno),
                "duplicate_prefix",
                f"The ID prefix {record.prefix!r} is already the prefix of "
                f"{earlier.kind} {earlier.title!r} ({earlier.docname})",
                "choose a prefix no other document uses",
            )


def _field(name: str, value: nodes.Node) -> nodes.field:
    return nodes.field(
        "", nodes.field_name(text=name), nodes.field_body("", nodes.paragraph("", "", value))
    )


def page_title(directive: SphinxDirective) -> str:
    """The title of the page the directive is written on (its first heading)."""
    title = directive.state.document.next_node(nodes.title)
    return title.astext() if title is not None else directive.env.docname
