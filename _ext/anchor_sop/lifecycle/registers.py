"""The register pages: ``review-status``, ``owners`` and ``exceptions-register``.

Each is a placeholder when read and is built when written, from every
document's records; ``review-status.csv`` is the review status as an export.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx_needs.api import get_needs_view

from .. import clock
from ..charts import bar_chart, numbers
from ..columns import Badge, Column, View
from ..exports.files import add_export, csv_bytes
from ..exports.workbook import add_sheet
from ..model import REVIEW_CSV, RULE
from ..render import (
    RESOLVE_EVENT,
    id_badge,
    id_link,
    link_to,
    need_ref,
    need_reference,
    simple_table,
    state_badge,
)
from ..store import DOCUMENTS, EVERYTHING, DocumentRecord, all_documents, all_exceptions, doc_store
from .reviews import exception_state, next_review, review_state


class register(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for a register page's content (``kind`` says which)."""


def register_directive(kind: str) -> type[SphinxDirective]:
    class RegisterDirective(SphinxDirective):
        def run(self) -> list[nodes.Node]:
            doc_store(self.env, self.env.docname).shows = REGISTERS[kind].shows
            node = register(kind=kind)
            self.set_source_info(node)
            return [node]

    RegisterDirective.__name__ = f"{kind.title().replace('-', '')}Directive"
    return RegisterDirective


def _doc_link(app: Sphinx, fromdocname: str, record: DocumentRecord) -> nodes.Node:
    return link_to(app, fromdocname, record.docname, "", nodes.Text(record.title))


def review_status_rows(app: Sphinx, today: date) -> list[tuple[DocumentRecord, date, str]]:
    """Every document with its next review and state, sorted by due date."""
    rows = []
    for record in all_documents(app.env):
        due = next_review(record, app.config.anchor_review_interval_months)
        rows.append((record, due, review_state(due, today)))
    return sorted(rows, key=lambda row: (row[1], row[0].title))


class DocumentLink(Column):
    """A document's title, linked to its page (its name at ``at + 1``)."""

    def show(self, app, page, recipe):
        return link_to(app, page, recipe[self.at + 1], "", nodes.Text(recipe[self.at]))


REVIEW_STATUS = View(
    "Review status",
    (
        DocumentLink(0, "Document"),
        Column(2, "Kind"),
        Column(1, "Page", on_page=False),
        Column(3, "ID prefix", on_page=False),
        Column(4, "Owner"),
        Column(5, "Last reviewed"),
        Column(6, "Next review due"),
        Badge(7, "State"),
        Badge(8, "Status"),
    ),
)


def _review_recipes(app: Sphinx) -> list[tuple]:
    return [
        (
            record.title,
            record.docname,
            record.kind,
            record.prefix or "",
            record.owner,
            record.last_reviewed.isoformat(),
            due.isoformat(),
            state,
            record.status,
        )
        for record, due, state in review_status_rows(app, clock.today())
    ]


def review_status_table(app: Sphinx) -> list[list[object]]:
    """The review status, a row per document, header first (the CSV and the sheet)."""
    return REVIEW_STATUS.rows(_review_recipes(app))


def _review_status(app: Sphinx, fromdocname: str) -> list[nodes.Node]:
    table = REVIEW_STATUS.table(app, fromdocname, _review_recipes(app), ["anchor-review-status"])
    return [*_due_chart(app), table]


def _due_chart(app: Sphinx) -> list[nodes.Node]:
    """Reviews due in each of the coming twelve months (overdue ones in the first)."""
    today = clock.today()
    months = [clock.add_months(today.replace(day=1), n).strftime("%Y-%m") for n in range(12)]
    due = dict.fromkeys(months, 0)
    for _record, day, _state in review_status_rows(app, today):
        month = max(day.strftime("%Y-%m"), months[0])
        if month in due:
            due[month] += 1
    most = max(due.values()) or 1
    rows = [(month, 100.0 * count / most, str(count)) for month, count in due.items()]
    return [
        bar_chart("Reviews due per month over the coming year", rows),
        numbers(["Month", "Reviews due"], [[month, str(count)] for month, count in due.items()]),
    ]


def _owners(app: Sphinx, fromdocname: str) -> list[nodes.Node]:
    needs = get_needs_view(app)
    rules_by_doc: dict[str, list] = {}
    for need in needs.values():
        if need["type"] == RULE:
            rules_by_doc.setdefault(need["docname"], []).append(need)
    by_owner: dict[str, list[DocumentRecord]] = {}
    for record in all_documents(app.env):
        by_owner.setdefault(record.owner, []).append(record)
    result: list[nodes.Node] = []
    for owner in sorted(by_owner):
        result.append(nodes.rubric(text=owner, classes=["anchor-owner"]))
        items = nodes.bullet_list()
        for record in sorted(by_owner[owner], key=lambda r: r.title):
            entry = nodes.paragraph(
                "", "", _doc_link(app, fromdocname, record), nodes.Text(f" ({record.kind})")
            )
            rules = sorted(
                rules_by_doc.get(record.docname, []) if record.prefix else [], key=lambda n: n["id"]
            )
            rules = [n for n in rules if n["id"].startswith(f"{record.prefix}-")]
            if rules:
                entry += nodes.Text(f" — {len(rules)} rules: ")
                for index, need in enumerate(rules):
                    if index:
                        entry += nodes.Text(" ")
                    entry += id_link(app, fromdocname, need_ref(need))
            items += nodes.list_item("", entry)
        result.append(items)
    return result


def _exceptions_register(app: Sphinx, fromdocname: str) -> list[nodes.Node]:
    needs = get_needs_view(app)
    today = clock.today()
    rows = []
    for record in sorted(all_exceptions(app.env), key=lambda r: (r.expires, r.need_id)):
        rules = nodes.inline()
        for index, rule_id in enumerate(record.exempts):
            if index:
                rules += nodes.Text(", ")
            rules += (
                need_reference(app, fromdocname, need_ref(needs[rule_id]))
                if rule_id in needs
                else nodes.literal(text=rule_id)
            )
        rows.append(
            [
                link_to(app, fromdocname, record.docname, record.need_id, id_badge(record.need_id)),
                rules,
                nodes.Text(record.system),
                nodes.Text(record.approved_by),
                nodes.Text(record.start.isoformat()),
                nodes.Text(record.expires.isoformat()),
                state_badge(exception_state(record, today)),
            ]
        )
    if not rows:
        return [nodes.paragraph(text="No exception is recorded.")]
    return [
        simple_table(
            ["ID", "Exempts", "System", "Approved by", "Start", "Expires", "State"],
            rows,
            classes=["anchor-exceptions-register"],
        )
    ]


def review_status_csv(app: Sphinx) -> bytes:
    """The review status table as CSV, one row per document, for the audit pack."""
    return csv_bytes(review_status_table(app))


class Register(NamedTuple):
    """How a register page is made, and what of every page it shows."""

    make: Callable[[Sphinx, str], list[nodes.Node]]
    shows: frozenset[str]


REGISTERS = {
    # the documents' records alone: a renamed rule leaves the register as it was
    "review-status": Register(_review_status, frozenset({DOCUMENTS})),
    "owners": Register(_owners, EVERYTHING),
    "exceptions-register": Register(_exceptions_register, EVERYTHING),
}


def _resolve_registers(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    for node in list(doctree.findall(register)):
        node.replace_self(REGISTERS[node["kind"]].make(app, fromdocname))


def setup_registers(app: Sphinx) -> None:
    app.add_node(register)
    for kind in REGISTERS:
        app.add_directive(kind, register_directive(kind))
    app.connect(RESOLVE_EVENT, _resolve_registers)
    add_sheet(app, REVIEW_STATUS.name, review_status_table)
    add_export(app, REVIEW_CSV, review_status_csv, "review status as CSV")
