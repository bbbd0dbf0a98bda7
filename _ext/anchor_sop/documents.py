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

import re
from datetime import date
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective
from sphinx_design.badges_buttons import create_bdg_classes, sd_badge
from sphinx_design.shared import create_component

from . import clock
from .diagnostics import report
from .model import PREFIX_REGEX, STATUS_COLORS, STATUSES
from .store import DocumentRecord, all_documents, doc_store

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

METADATA_OPTIONS = {
    "owner": directives.unchanged,
    "last-reviewed": directives.unchanged,
    "status": directives.unchanged,
}


class DocumentDirective(SphinxDirective):
    """Base of the directives that carry a document's metadata."""

    #: What the directive declares, as authors call it ("policy", ...).
    kind: ClassVar[str]
    #: Whether the document scopes need IDs with a prefix of its own.
    takes_prefix: ClassVar[bool] = False

    option_spec: ClassVar[dict] = dict(METADATA_OPTIONS)

    def location(self) -> tuple[str, int]:
        return (self.env.docname, self.lineno)

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
            docname=self.env.docname,
            lineno=self.lineno,
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
                self.location(),
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
                self.location(),
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
        try:
            if not ISO_DATE.match(text):
                raise ValueError(text)
            reviewed = date.fromisoformat(text)
        except ValueError:
            report(
                self.location(),
                "bad_review_date",
                f"The last-reviewed date {text!r} of the {self.kind} is not a date "
                "in ISO 8601 form",
                "write it as YYYY-MM-DD, e.g. 2026-04-04",
            )
            return date.min
        today = clock.today()
        if reviewed > today:
            report(
                self.location(),
                "future_review_date",
                f"The last-reviewed date {text} of the {self.kind} is in the future "
                f"(today is {today.isoformat()})",
                "give the day the review actually took place",
            )
        return reviewed

    def read_status(self) -> str:
        status = self.options.get("status", "approved").strip()
        if status not in STATUSES:
            report(
                self.location(),
                "unknown_status",
                f"The status {status!r} of the {self.kind} is unknown",
                f"use one of: {', '.join(STATUSES)}",
            )
        return status

    def header_card(self, record: DocumentRecord) -> nodes.container:
        """The card at the top of the document: owner, last reviewed, status."""
        fields = nodes.field_list(classes=["anchor-doc-meta"])
        fields += _field("Owner", nodes.Text(record.owner))
        reviewed = (
            record.last_reviewed.isoformat() if record.last_reviewed != date.min else "unknown"
        )
        fields += _field("Last reviewed", nodes.Text(reviewed))
        fields += _field("Status", status_badge(record.status))
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


def status_badge(status: str) -> sd_badge:
    color = STATUS_COLORS.get(status, "danger")
    return sd_badge(status, status, classes=create_bdg_classes(color, False))


def _field(name: str, value: nodes.Node) -> nodes.field:
    return nodes.field(
        "", nodes.field_name(text=name), nodes.field_body("", nodes.paragraph("", "", value))
    )


def page_title(directive: SphinxDirective) -> str:
    """The title of the page the directive is written on (its first heading)."""
    title = directive.state.document.next_node(nodes.title)
    return title.astext() if title is not None else directive.env.docname
