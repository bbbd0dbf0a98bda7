"""What the records show, made when a page is written.

- ``rule_operation`` under each rule: what evidences it, its operating state,
  the latest evidence and its findings.
- ``record_context`` on each record: its fields (the records and pages they
  name as links), a run's answers; a managed system's records and findings;
  another record's findings and the records that name it.
- ``findings``: every finding.
- Exports: ``population.csv`` (every record that evidences each rule, in the
  audit period: what an auditor samples from) and ``findings.csv``, also
  sheets of the XLSX.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective
from sphinx_needs.api import get_needs_view

from .. import clock
from ..charts import grid_chart
from ..columns import Column, NeedId, View
from ..exports.files import add_export, csv_bytes
from ..exports.workbook import add_sheet
from ..model import FINDINGS_CSV, POPULATION_CSV, counted
from ..model.kinds import KINDS, MANAGED_SYSTEM_KIND
from ..render import (
    RESOLVE_EVENT,
    link_to,
    need_ref,
    state_badge,
)
from ..state import env_state
from ..store import (
    EVIDENCE,
    RECORDS,
    Record,
    all_records,
    doc_store,
)
from .cells import NONE, REFERENCE, Named, named, reference
from .operation import OperationReport, audit_period, operation_report
from .records import facts_table, record_context, results_table
from .registers import findings_anchor, in_number_order, register_rows

#: A record as its neighbours' pages link it: (ID, page, title).
Neighbour = tuple[str, str, str]


def _neighbours_of_each(env: BuildEnvironment) -> dict[str, tuple[Neighbour | None, ...]]:
    """Each record's page, with the records its page links as previous and next."""
    of_kind: dict[str, list[Record]] = {}
    for record in in_number_order(all_records(env)):
        of_kind.setdefault(record.kind, []).append(record)
    shown = {}
    for records in of_kind.values():
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


class findings_list(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for every finding."""


#: ``env.temp_data`` key: the kinds whose form the page being read has.
class FindingsDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        store = doc_store(self.env, self.env.docname)
        store.shows = store.shows | RECORDS | {EVIDENCE}
        node = findings_list()
        self.set_source_info(node)
        return [node]


FINDINGS_VIEW = View(
    "Findings",
    (
        Column(0, "Day"),
        NeedId(1, "Rule"),
        Named(2, "Record"),
        Named(3, "System"),
        Column(4, "Finding"),
    ),
)


def _finding_recipes(app: Sphinx, findings) -> Iterator[tuple]:
    needs = get_needs_view(app)
    for f in findings:
        yield (
            f.day.isoformat(),
            need_ref(needs[f.rule_id]),
            named(app, f.record_id, REFERENCE) if f.record_id else (NONE, None),
            named(app, f.system_id, REFERENCE) if f.system_id else (NONE, None),
            f.text,
        )


def _findings_table(app: Sphinx, page: str, findings, empty: str) -> nodes.Node:
    if not findings:
        return nodes.paragraph(text=empty)
    recipes = _finding_recipes(app, findings)
    return FINDINGS_VIEW.table(app, page, recipes, ["anchor-findings", "anchor-sortable"])


class rule_operation(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Placeholder for how the rule ``need_id`` operates, resolved below."""


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
            return reference(app, page, value)
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
            para += reference(app, page, other)
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


#: Every record that evidences each rule in the audit period, a row each (no page shows
#: it: at thousands of records it is the largest export).
POPULATION = View(
    "Population",
    (
        Column(0, "Rule"),
        Column(1, "Rule title"),
        Column(2, "Evidence"),
        Column(3, "Record"),
        Column(4, "Kind"),
        Column(5, "Record title"),
        Column(6, "System"),
        Column(7, "Date"),
        Column(8, "Findings"),
        Column(9, "Page"),
    ),
)


def population_rows(app: Sphinx) -> list[list[object]] | None:
    """The population of the audit period; ``None`` without one."""
    period = audit_period(app)
    if period is None:
        return None
    start, end = period
    operation = operation_report(app)
    needs = get_needs_view(app)
    recipes = []
    for rule_id, op in sorted(operation.rules.items()):
        for record_id in op.population:
            record = operation.records[record_id]
            day = operation.moments.date_of(record)
            if day is None or not (start <= day <= end):
                continue
            findings = [f.text for f in op.findings if f.record_id == record_id]
            recipes.append(
                (
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
                )
            )
    return POPULATION.rows(recipes)


def findings_rows(app: Sphinx) -> list[list[object]]:
    """The findings of the audit period (of every day without one)."""
    start, end = audit_period(app) or (date.min, date.max)
    in_period = [f for f in operation_report(app).findings if start <= f.day <= end]
    return FINDINGS_VIEW.rows(_finding_recipes(app, in_period))


def setup_views(app: Sphinx) -> None:
    app.add_node(rule_operation)
    app.add_node(findings_list)
    app.add_directive("findings", FindingsDirective)
    app.connect(RESOLVE_EVENT, _resolve)
    app.connect("builder-inited", _declare_exports)
    app.connect("env-get-updated", _rewrite_neighbours)


def _declare_exports(app: Sphinx) -> None:
    # the population only for an audit period: at thousands of records it is the
    # largest export, and no page shows it
    add_sheet(app, POPULATION.name, population_rows)
    add_sheet(app, FINDINGS_VIEW.name, findings_rows)
    if audit_period(app) is not None:
        add_export(
            app,
            POPULATION_CSV,
            lambda app: csv_bytes(population_rows(app)),
            "the audit period's population as CSV",
        )
    add_export(app, FINDINGS_CSV, lambda app: csv_bytes(findings_rows(app)), "findings as CSV")
