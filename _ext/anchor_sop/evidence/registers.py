"""The registers: ``record-register <kind>``, a table of a kind's records.

Each kind's register is a :class:`~anchor_sop.columns.View` made from its
``register_fields`` and their labels (:mod:`anchor_sop.model.kinds`), with the form that
writes a record of the kind above the first register of it on a page::

    <record_register kind="incident">   →   <table classes="anchor-register ...">
"""

from __future__ import annotations

from collections.abc import Iterable

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from ..columns import Column, View
from ..diagnostics import argument_among
from ..model import STATE_COLORS, counted, id_number
from ..model.kinds import CHECKLIST_RUN, KINDS, MANAGED_SYSTEM_KIND, PAGE, Kind
from ..render import RESOLVE_EVENT, badge, id_badge, link_to, state_badge
from ..store import EVIDENCE, PAGES, RECORDS, Record, doc_store, records_with_named
from .cells import Named, cell_recipe
from .operation import Finding, OperationReport, operation_report
from .recordform import record_form


def findings_anchor(record_id: str) -> str:
    """The anchor of the Findings heading on a record's page."""
    return f"findings-of-{record_id.lower()}"


def in_number_order(records: Iterable[Record]) -> list[Record]:
    """Records in the order of their numbers (RUN-010 after RUN-009, whatever zeros)."""
    return sorted(records, key=lambda r: id_number(r.need_id) or (r.need_id, 0))


def by_kind(operation: OperationReport, kind: str) -> list[Record]:
    return in_number_order(r for r in operation.records.values() if r.kind == kind)


class RecordId(Column):
    def show(self, app, page, recipe):
        need_id, docname, _title = recipe[self.at]
        return link_to(app, page, docname, need_id, id_badge(need_id))

    def export(self, recipe):
        return recipe[self.at][0]


class RecordTitle(Column):
    """Its title, marked when it is an example (its flag at ``at + 1``)."""

    def show(self, app, page, recipe):
        shown_title = nodes.inline("", "", nodes.Text(recipe[self.at][2]))
        if recipe[self.at + 1]:
            shown_title += [nodes.Text(" "), state_badge("example")]
        return shown_title

    def export(self, recipe):
        return recipe[self.at][2] + (" (example)" if recipe[self.at + 1] else "")


class FindingsCount(Column):
    """How many findings a record has, linked to them on its page; "none" for none."""

    def show(self, app, page, recipe):
        (need_id, docname, _title), findings = recipe[0], recipe[self.at]
        if not findings:
            return nodes.Text("none")
        label = badge(counted(findings, "finding"), STATE_COLORS["finding"])
        return link_to(app, page, docname, findings_anchor(need_id), label)


def _register_view(kind: Kind) -> View:
    """A row per record: (record, example, findings, *its fields' cells)."""
    fields = [kind.fields_by_name[name] for name in kind.register_fields]
    return View(
        kind.register,
        (
            RecordId(0, "ID"),
            RecordTitle(0, "Title"),
            *(Named(3 + n, spec.heading) for n, spec in enumerate(fields)),
            FindingsCount(2, "Findings"),
        ),
    )


#: Each register's columns, by kind: the kind's ``register_fields``, headed by their labels.
REGISTERS = {name: _register_view(kind) for name, kind in KINDS.items()}


def register_rows(app: Sphinx, page: str, kind: str, records) -> nodes.Node:
    """The register of ``kind`` (``records``, in order), a row per record."""
    if not records:
        return nodes.paragraph(text=f"No {KINDS[kind].title.lower()} is recorded yet.")
    operation = operation_report(app)
    recipes = (
        (
            (record.need_id, record.docname, record.title),
            record.example,
            len(_findings_of(operation, record)),
            *(cell_recipe(app, record, name) for name in KINDS[kind].register_fields),
        )
        for record in records
    )
    classes = ["anchor-register", f"anchor-register-{kind}", "anchor-sortable"]
    return REGISTERS[kind].table(app, page, recipes, classes)


def _findings_of(operation: OperationReport, record: Record) -> list[Finding]:
    """The findings a register row flags: a managed system's are those that concern it
    (no passing restore test is a finding without a record of its own)."""
    if record.kind == MANAGED_SYSTEM_KIND.directive:
        return operation.of_system(record.need_id)
    return operation.of_record(record.need_id)


def _register_shows(kind: str) -> frozenset[str]:
    """What the register of ``kind`` shows of every page: its kind's records, the records
    they name (a title is shown), the evidence; for managed systems, the records of any
    kind, which make the findings about a system (:func:`_findings_of`)."""
    shown = records_with_named(kind) | {EVIDENCE}
    return shown | RECORDS if kind == MANAGED_SYSTEM_KIND.directive else shown


class record_register(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for the register of ``kind``."""


FORMS_ON_PAGE = "anchor_sop_forms"
RUN_FORM_HINT = (
    "A run is recorded on its checklist's page: open the checklist, choose the system "
    "under Record a run and answer each item."
)


class RecordRegisterDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        kind = argument_among(self, KINDS, "unknown_register", "kind of record")
        if kind is None:
            return []
        store = doc_store(self.env, self.env.docname)
        store.shows = store.shows | _register_shows(kind)
        node = record_register(kind=kind)
        self.set_source_info(node)
        return [*self._form(kind), node]

    def _form(self, kind: str) -> list[nodes.Node]:
        """The form that writes a record of ``kind``, above the first register of it on
        the page; a run's is on its checklist's page."""
        if kind == CHECKLIST_RUN.directive:
            return [nodes.paragraph(text=RUN_FORM_HINT)]
        on_page = self.env.temp_data.setdefault(FORMS_ON_PAGE, set())
        if kind in on_page:
            return []
        on_page.add(kind)
        if any(spec.type == PAGE for spec in KINDS[kind].fields):
            store = doc_store(self.env, self.env.docname)
            store.shows = store.shows | {PAGES}  # it offers every page
        form = record_form(kind=kind)
        self.set_source_info(form)
        return [form]


def _resolve_registers(app: Sphinx, doctree: nodes.document, page: str) -> None:
    for node in list(doctree.findall(record_register)):
        kind = node["kind"]
        node.replace_self(register_rows(app, page, kind, by_kind(operation_report(app), kind)))


def setup_registers(app: Sphinx) -> None:
    app.add_node(record_register)
    app.add_directive("record-register", RecordRegisterDirective)
    app.connect(RESOLVE_EVENT, _resolve_registers)
