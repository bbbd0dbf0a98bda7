"""What the records show, made when a page is written.

- ``rule_operation`` under each rule: what evidences it, its operating state,
  the latest evidence and its findings.
- ``record_context`` on each record: its fields (the records and pages they
  name as links), a run's answers; a managed system's records and findings;
  another record's findings and the records that name it.
- ``record-register <kind>``: the register of a kind, sortable and filterable.
- ``findings``: every finding.
- Exports: ``population.csv`` (every record that evidences each rule, in the
  audit period: what an auditor samples from) and ``findings.csv``, also
  sheets of the XLSX.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective
from sphinx_needs.api import get_needs_view

from .. import clock
from ..charts import grid_chart
from ..diagnostics import report
from ..directives.policy import rule_operation
from ..exports.files import add_export, csv_bytes
from ..model import FINDINGS_CSV, POPULATION_CSV, STATE_COLORS, counted, id_number
from ..render import (
    RESOLVE_EVENT,
    badge,
    id_badge,
    id_link,
    link_to,
    need_ref,
    need_reference,
    recipe_table,
    state_badge,
)
from ..state import env_state
from ..store import (
    EVIDENCE,
    PAGES,
    RECORDS,
    Record,
    all_records,
    doc_store,
    records_with_named,
)
from .kinds import CHECKLIST_RUN, KINDS, MANAGED_SYSTEM_KIND, PAGE, UNKNOWN
from .operation import Finding, OperationReport, audit_period, operation_report
from .recordform import record_form
from .records import facts_table, record_context, results_table

#: The columns of each register, after ID and title: (heading, field).
REGISTER_COLUMNS = {
    "managed-system": [("Team", "team"), ("Status", "status"), ("Accepted on", "accepted-on")],
    "checklist-run": [
        ("Checklist", "checklist"),
        ("System", "system"),
        ("Run by", "run-by"),
        ("Run at", "run-at"),
        ("Signed off by", "signed-off-by"),
    ],
    "incident": [
        ("Detected", "detected"),
        ("Severity", "severity"),
        ("System", "system"),
        ("IC", "commander"),
        ("Status", "status"),
        ("Postmortem", "postmortem"),
    ],
    "postmortem": [("Incident", "incident"), ("Held on", "held-on")],
    "change": [
        ("Type", "type"),
        ("System", "system"),
        ("Who", "by"),
        ("Executed", "executed"),
        ("Outcome", "outcome"),
    ],
    "restore-test": [
        ("System", "system"),
        ("Tested on", "tested-on"),
        ("Result", "result"),
        ("Integrity verified", "integrity-verified"),
        ("Tested by", "tested-by"),
    ],
    "security-review": [("Reviewed on", "reviewed-on"), ("By", "by"), ("Findings", "findings")],
    "decision": [("Date", "decided-on"), ("Revisit", "revisit-on")],
}


def _ref(app: Sphinx, page: str, need_id: str) -> nodes.Node:
    """A link to ``need_id`` (its badge and title), or the ID as written."""
    return _cell(app, page, _named(app, need_id, _REFERENCE))


#: How a cell of a register or findings table shows its value, in its recipe.
_NONE, _GAP, _ID_LINK, _REFERENCE, _LITERAL, _TEXT = range(6)


def _named(app: Sphinx, need_id: str, shown_as: int) -> tuple:
    """The recipe of a cell that names ``need_id``: a link to it, shown as
    ``shown_as``, or the ID as written when there is no such need."""
    need = get_needs_view(app).get(need_id)
    return (shown_as, need_ref(need)) if need is not None else (_LITERAL, need_id)


def _cell_recipe(app: Sphinx, record, name: str) -> tuple:
    value = record.values.get(name)
    if value is None:
        return (_NONE, None)
    spec = KINDS[record.kind].fields_by_name[name]
    if value == UNKNOWN and spec.may_be_unknown:
        return (_GAP, None)
    if spec.link:
        return _named(app, value, _ID_LINK)
    return (_TEXT, value)


def _cell(app: Sphinx, page: str, recipe: tuple) -> nodes.Node:
    shown_as, value = recipe
    if shown_as == _NONE:
        return nodes.Text("—")
    if shown_as == _GAP:
        return state_badge("known gap")
    if shown_as == _ID_LINK:
        return id_link(app, page, value)
    if shown_as == _REFERENCE:
        return need_reference(app, page, value)
    if shown_as == _LITERAL:
        return nodes.literal(text=value)
    return nodes.Text(value)


def register_rows(app: Sphinx, page: str, kind: str, records) -> nodes.Node:
    """The register of ``kind`` (``records``, in order), a row per record."""
    if not records:
        return nodes.paragraph(text=f"No {KINDS[kind].title.lower()} is recorded yet.")
    operation = operation_report(app)
    columns = REGISTER_COLUMNS[kind]
    recipes = (
        (
            (record.need_id, record.docname, record.title),
            record.example,
            tuple(_cell_recipe(app, record, name) for _heading, name in columns),
            len(_findings_of(operation, record)),
        )
        for record in records
    )
    return recipe_table(
        app,
        page,
        ["ID", "Title", *(heading for heading, _name in columns), "Findings"],
        _register_cells,
        recipes,
        classes=["anchor-register", f"anchor-register-{kind}", "anchor-sortable"],
    )


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


def _register_cells(app: Sphinx, page: str, recipe: tuple) -> list[nodes.Node]:
    (need_id, docname, title), example, cells, findings = recipe
    shown_title = nodes.inline("", "", nodes.Text(title))
    if example:
        shown_title += [nodes.Text(" "), state_badge("example")]
    return [
        link_to(app, page, docname, need_id, id_badge(need_id)),
        shown_title,
        *(_cell(app, page, cell) for cell in cells),
        link_to(
            app,
            page,
            docname,
            findings_anchor(need_id),
            badge(counted(findings, "finding"), STATE_COLORS["finding"]),
        )
        if findings
        else nodes.Text("none"),
    ]


def findings_anchor(record_id: str) -> str:
    """The anchor of the Findings heading on a record's page."""
    return f"findings-of-{record_id.lower()}"


def in_number_order(records: Iterable[Record]) -> list[Record]:
    """Records in the order of their numbers (RUN-010 after RUN-009, whatever zeros)."""
    return sorted(records, key=lambda r: id_number(r.need_id) or (r.need_id, 0))


def _by_kind(operation: OperationReport, kind: str) -> list[Record]:
    return in_number_order(r for r in operation.records.values() if r.kind == kind)


#: A record as its neighbours' pages link it: (ID, page, title).
Neighbour = tuple[str, str, str]


def _neighbours_of_each(env: BuildEnvironment) -> dict[str, tuple[Neighbour | None, ...]]:
    """Each record's page, with the records its page links as previous and next."""
    by_kind: dict[str, list[Record]] = {}
    for record in in_number_order(all_records(env)):
        by_kind.setdefault(record.kind, []).append(record)
    shown = {}
    for records in by_kind.values():
        rows = [None, *((r.need_id, r.docname, r.title) for r in records), None]
        for at, record in enumerate(records, start=1):
            shown[record.docname] = (rows[at - 1], rows[at + 1])
    return shown


def _rewrite_neighbours(_app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Work out each record's neighbours once per build; the record pages whose
    previous or next record changed (one was added or removed beside them, or
    retitled) are rewritten: those alone, not every record of the kind."""
    before = env_state(env).neighbours
    now = _neighbours_of_each(env)
    env_state(env).neighbours = now
    return sorted(docname for docname, shown in now.items() if before.get(docname) != shown)


class record_register(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for the register of ``kind``."""


class findings_list(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for every finding."""


#: ``env.temp_data`` key: the kinds whose form the page being read has.
FORMS_ON_PAGE = "anchor_sop_forms"
RUN_FORM_HINT = (
    "A run is recorded on its checklist's page: open the checklist, choose the system "
    "under Record a run and answer each item."
)


class RecordRegisterDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0]
        if kind not in KINDS:
            report(
                (self.env.docname, self.lineno),
                "unknown_register",
                f"There is no kind of record {kind!r}",
                f"use one of {', '.join(KINDS)}",
            )
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


class FindingsDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        store = doc_store(self.env, self.env.docname)
        store.shows = store.shows | RECORDS | {EVIDENCE}
        node = findings_list()
        self.set_source_info(node)
        return [node]


def _findings_table(app: Sphinx, page: str, findings, empty: str) -> nodes.Node:
    if not findings:
        return nodes.paragraph(text=empty)
    needs = get_needs_view(app)
    recipes = (
        (
            f.day.isoformat(),
            need_ref(needs[f.rule_id]),
            _named(app, f.record_id, _REFERENCE) if f.record_id else (_NONE, None),
            _named(app, f.system_id, _REFERENCE) if f.system_id else (_NONE, None),
            f.text,
        )
        for f in findings
    )
    return recipe_table(
        app,
        page,
        ["Day", "Rule", "Record", "System", "Finding"],
        _finding_cells,
        recipes,
        classes=["anchor-findings", "anchor-sortable"],
    )


def _finding_cells(app: Sphinx, page: str, recipe: tuple) -> list[nodes.Node]:
    day, rule, record, system, text = recipe
    return [
        nodes.Text(day),
        id_link(app, page, rule),
        _cell(app, page, record),
        _cell(app, page, system),
        nodes.Text(text),
    ]


def _rule_operation(app: Sphinx, page: str, rule_id: str) -> list[nodes.Node]:
    op = operation_report(app).rules.get(rule_id)
    if op is None or not op.evidence:
        return []  # out of force, or nothing can show it: "Verified by" says so
    line = nodes.paragraph(classes=["anchor-trace-label"])
    line += nodes.strong(text="Operating evidence:")
    line += nodes.Text(f" {op.evidence}. ")
    line += state_badge(op.state)
    line += nodes.Text(
        f" {counted(len(op.population), 'record').capitalize()}"
        + (f", latest {op.latest.isoformat()}" if op.latest else "")
        + "."
    )
    box = nodes.container("", line, classes=["anchor-trace", "anchor-operation"])
    if op.findings:
        items = nodes.bullet_list(classes=["anchor-trace-list"])
        for f in op.findings:
            items += nodes.list_item("", nodes.paragraph(text=f"{f.day.isoformat()}: {f.text}"))
        box += items
    return [box]


def _link(app: Sphinx, page: str):
    def link(value: str, page_name: bool = False) -> nodes.Node:
        if not page_name:
            return _ref(app, page, value)
        docname = value.strip("/").removesuffix(".md")
        title = app.env.titles.get(docname)
        if title is None:
            return nodes.literal(text=value)
        return link_to(app, page, docname, "", nodes.Text(title.astext()))

    return lambda value, page=False: link(value, page)


def _record_context(app: Sphinx, page: str, record_id: str, kind: str) -> list[nodes.Node]:
    operation = operation_report(app)
    record = operation.records[record_id]
    link = _link(app, page)
    result: list[nodes.Node] = [facts_table(KINDS[kind], record.values, link)]
    if record.results:
        result.append(results_table(record.results, link))
    if kind == MANAGED_SYSTEM_KIND.directive:
        related = operation.about_system(record_id)
        # its runbook is a field above; then each register of the records about it
        for other in KINDS.values():
            if "system" not in other.fields_by_name:
                continue
            of_kind = sorted(
                (r for r in related if r.kind == other.directive), key=lambda r: r.need_id
            )
            result.append(nodes.rubric(text=other.register))
            result.append(register_rows(app, page, other.directive, of_kind))
        result.append(nodes.rubric(text="Findings", ids=[findings_anchor(record_id)]))
        result.append(
            _findings_table(
                app, page, operation.of_system(record_id), "No finding concerns this system."
            )
        )
        return result
    findings = operation.of_record(record_id)
    if findings:
        result.append(nodes.rubric(text="Findings", ids=[findings_anchor(record_id)]))
        result.append(_findings_table(app, page, findings, ""))
    need = get_needs_view(app).get(record_id)
    naming = (
        sorted({i for name in ("incident_back", "postmortem_back") for i in (need.get(name) or [])})
        if need is not None
        else []
    )
    if naming:
        para = nodes.paragraph("", "", nodes.strong(text="Named by: "))
        for index, other in enumerate(naming):
            if index:
                para += nodes.Text(", ")
            para += _ref(app, page, other)
        result.append(para)
    return result


def neighbours(app: Sphinx, page: str, kind: str) -> list[nodes.Node]:
    """Links to the record of the kind before and after this one, in the order of their
    numbers (the register's), for reading one record after another::

        <paragraph classes="anchor-record-nav"> Previous: <reference> · Next: <reference>
    """
    nav = nodes.paragraph(classes=["anchor-record-nav"])
    sides = zip(("Previous", "Next"), env_state(app.env).neighbours[page], strict=True)
    for label, (need_id, docname, title) in ((s, n) for s, n in sides if n):
        nav += [nodes.Text(" · ")] if len(nav) else []
        nav += nodes.Text(f"{label} {KINDS[kind].title.lower()}: ")
        nav += link_to(app, page, docname, need_id, nodes.Text(f"{need_id} {title}"))
    return [nav] if len(nav) else []


def _resolve(app: Sphinx, doctree: nodes.document, page: str) -> None:
    for node in list(doctree.findall(rule_operation)):
        node.replace_self(_rule_operation(app, page, node["need_id"]))
    for node in list(doctree.findall(record_context)):
        node.replace_self(
            [
                *_record_context(app, page, node["need_id"], node["kind"]),
                *neighbours(app, page, node["kind"]),
            ]
        )
    for node in list(doctree.findall(record_register)):
        kind = node["kind"]
        node.replace_self(register_rows(app, page, kind, _by_kind(operation_report(app), kind)))
    for node in list(doctree.findall(findings_list)):
        operation = operation_report(app)
        node.replace_self(
            [
                *_evidence_chart(operation),
                nodes.rubric(text="Findings"),
                _findings_table(
                    app, page, operation.findings, "No finding: every rule with evidence is met."
                ),
            ]
        )


def _evidence_chart(operation: OperationReport) -> list[nodes.Node]:
    """Records about each managed system in each of the last twelve months (gaps show)."""
    today = clock.today()
    months = [
        clock.add_months(today.replace(day=1), -n).strftime("%Y-%m") for n in range(11, -1, -1)
    ]
    systems = sorted(
        (
            r
            for r in operation.records.values()
            if r.kind == MANAGED_SYSTEM_KIND.directive and not r.example
        ),
        key=lambda r: r.need_id,
    )
    counts: dict[tuple[str, str], int] = {}
    for system in systems:
        label = f"{system.need_id} {system.title}"
        for record in operation.about_system(system.need_id):
            day = operation.moments.date_of(record)
            if record.example or day is None:
                continue
            key = (label, day.strftime("%Y-%m"))
            counts[key] = counts.get(key, 0) + 1
    return [
        nodes.rubric(text="Evidence per system and month"),
        *grid_chart(
            "Records per managed system and month, the last twelve months",
            [f"{s.need_id} {s.title}" for s in systems],
            months,
            counts,
        ),
    ]


# --- exports ----------------------------------------------------------------------


def population_rows(app: Sphinx) -> list[list[str]]:
    """Every record that evidences each rule, one row each, in the audit period."""
    operation = operation_report(app)
    needs = get_needs_view(app)
    start, end = audit_period(app) or (date.min, date.max)
    rows = [
        [
            "Rule",
            "Rule title",
            "Evidence",
            "Record",
            "Kind",
            "Record title",
            "System",
            "Date",
            "Findings",
            "Page",
        ]
    ]
    for rule_id, op in sorted(operation.rules.items()):
        for record_id in op.population:
            record = operation.records[record_id]
            day = operation.moments.date_of(record)
            if day is None or not (start <= day <= end):
                continue
            findings = [f.text for f in op.findings if f.record_id == record_id]
            rows.append(
                [
                    rule_id,
                    needs[rule_id]["title"],
                    op.evidence,
                    record_id,
                    KINDS[record.kind].title,
                    record.title,
                    record.values.get("system", ""),
                    day.isoformat(),
                    "; ".join(findings),
                    record.docname,
                ]
            )
    return rows


def findings_rows(app: Sphinx) -> list[list[str]]:
    start, end = audit_period(app) or (date.min, date.max)
    rows = [["Day", "Rule", "Record", "System", "Finding"]]
    for f in operation_report(app).findings:
        if start <= f.day <= end:
            rows.append([f.day.isoformat(), f.rule_id, f.record_id, f.system_id, f.text])
    return rows


def setup_views(app: Sphinx) -> None:
    app.add_node(rule_operation)
    app.add_node(record_register)
    app.add_node(findings_list)
    app.add_directive("record-register", RecordRegisterDirective)
    app.add_directive("findings", FindingsDirective)
    app.connect(RESOLVE_EVENT, _resolve)
    app.connect("builder-inited", _declare_exports)
    app.connect("env-get-updated", _rewrite_neighbours)


def _declare_exports(app: Sphinx) -> None:
    # the population only for an audit period: at thousands of records it is the
    # largest export, and no page shows it
    if audit_period(app) is not None:
        add_export(
            app,
            POPULATION_CSV,
            lambda app: csv_bytes(population_rows(app)),
            "the audit period's population as CSV",
        )
    add_export(app, FINDINGS_CSV, lambda app: csv_bytes(findings_rows(app)), "findings as CSV")
