"""The ``traceability`` directive's views, each declared once as a columns.View.

A view is a placeholder (``traceability_view``) until the page is written,
when the reports are known; then its tables are made from the view's columns,
and the same columns make its sheet in ``traceability.xlsx`` (and the
matrix's, ``traceability.csv``). Tables marked ``anchor-sortable`` get a
filter box and sortable columns in the browser (static/anchor-sop.js)::

    <traceability_view view="matrix">   →   <container classes="anchor-table-group"> ...
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from ..charts import bar_chart
from ..columns import NONE, Badge, Column, NeedId, NeedIds, NeedTitle, View, id_links
from ..diagnostics import argument_among
from ..evidence.operation import FINDINGS, MET, NO_RECORDS, operation_report
from ..exports.files import add_export, csv_bytes, exports_listed, writes_exports
from ..exports.provenance import provenance
from ..exports.workbook import add_sheet
from ..model import ACCOUNTABLE, GOVERNED_BY, NOT_VERIFIABLE, TRACE_CSV, counted
from ..model.kinds import MANAGED_SYSTEM_KIND
from ..render import RESOLVE_EVENT, id_link, link_to, need_reference, state_badge
from ..store import EVERYTHING, doc_store
from .report import TraceReport, rule_state, trace_report

# --- the columns only these views have --------------------------------------------


class VerifiedBy(Column):
    """The items that verify a rule, each with its link's state when not clean."""

    def show(self, app, page, recipe):
        verifying = nodes.inline()
        for item, link_state in recipe[self.at]:
            entry = nodes.inline(
                "", "", need_reference(app, page, item), classes=["anchor-matrix-entry"]
            )
            if link_state not in (None, "clean"):
                entry += [nodes.Text(" "), state_badge(link_state, f"anchor-link-{link_state}")]
            verifying += entry
        return verifying if recipe[self.at] else nodes.Text(NONE)

    def export(self, recipe):
        # the IDs alone: a cell of one ID links to its page in the XLSX
        return ", ".join(item[0] for item, _state in recipe[self.at])


class LinkStates(Column):
    """Each verifying link's state (clean, suspect, unreviewed), as the sheet lists them
    beside the IDs (the page shows a badge on each link that is not clean)."""

    def export(self, recipe):
        return ", ".join(f"{item[0]}: {state}" for item, state in recipe[self.at])


class LatestEvidence(Column):
    """The latest record (at ``at``, or ``None``) and its day (at ``at + 1``)."""

    def show(self, app, page, recipe):
        latest, day = recipe[self.at], recipe[self.at + 1]
        if not latest:
            return nodes.Text(NONE)
        return nodes.inline("", "", id_link(app, page, latest), nodes.Text(f" {day}"))

    def export(self, recipe):
        latest, day = recipe[self.at], recipe[self.at + 1]
        return f"{latest[0]} ({day})" if latest else ""


class PolicyFigure(Column):
    """A policy's figure, or the total's (the last value of a recipe says which), in bold."""

    def show(self, app, page, recipe):
        cell = super().show(app, page, recipe)
        return nodes.strong("", "", cell) if recipe[-1] else cell


class PolicyName(PolicyFigure):
    """The policy, linked to its page (its page name at 0, its title at ``at``)."""

    def show(self, app, page, recipe):
        if recipe[-1]:
            return nodes.strong(text=recipe[self.at])
        return link_to(app, page, recipe[0], "", nodes.Text(recipe[self.at]))


@dataclass(frozen=True)
class Percent(PolicyFigure):
    """The value at ``at`` of the value at ``of``: "50%" on the page, the number in a
    sheet."""

    of: int = 0

    def show(self, app, page, recipe):
        text = _percent(recipe[self.at], recipe[self.of])
        return nodes.strong(text=text) if recipe[-1] else nodes.Text(text)

    def export(self, recipe):
        part, whole = recipe[self.at], recipe[self.of]
        return round(100.0 * part / whole, 1) if whole else ""


# --- the views --------------------------------------------------------------------

SUMMARY = View("Summary", (Column(0, "Figure"), Column(1, "Value")))
#: A row per rule; the page shows each policy's rules as a table under its name.
MATRIX = View(
    "Matrix",
    (
        Column(0, "Policy", on_page=False),
        NeedId(1, "Rule"),
        NeedTitle(1, "Title"),
        VerifiedBy(2, "Verified by"),
        LinkStates(2, "Link states", on_page=False),
        Column(3, "State"),
        Column(4, "Evidenced by"),
        Badge(5, "Operating state"),
        LatestEvidence(6, "Latest evidence"),
    ),
)
COVERAGE = View(
    "Coverage",
    (
        PolicyName(1, "Policy"),
        PolicyFigure(2, "Rules"),
        PolicyFigure(3, "Must be verified"),
        PolicyFigure(4, "Verified"),
        Percent(4, "Coverage", of=3),
        PolicyFigure(5, "Not verifiable"),
    ),
)
REVERSE = View("Reverse", (NeedId(0, "Item"), NeedTitle(0, "Title"), NeedIds(1, "Verifies")))
GAPS = View("Gaps", (NeedId(0, "Rule"), NeedTitle(0, "Title")))
NOT_VERIFIABLE_VIEW = View(
    "Not verifiable", (NeedId(0, "Rule"), NeedTitle(0, "Title"), Column(1, "Reason"))
)
RESPONSIBILITY = View(
    "Responsibility",
    (
        NeedId(0, "Row"),
        NeedTitle(0, "Domain"),
        Column(1, "Accountable"),
        NeedIds(2, "Governing rules"),
    ),
)


def _percent(verified: int, total: int) -> str:
    return f"{100.0 * verified / total:.0f}%" if total else NONE


# --- each view's recipes: what its rows show, for the page and the sheet alike -----


def summary_figures(app: Sphinx, result: TraceReport) -> list[tuple[str, object]]:
    """The summary's figures.

    Every coverage figure says how many rules it leaves out as not verifiable: the
    quickest way through the gate is to mark a rule so, and a reader sees it."""
    operation = operation_report(app)
    excluded = f"({len(result.not_verifiable)} not verifiable, not counted)"
    operating = len(result.must_verify)
    recorded = [r for r in operation.records.values() if not r.example]
    systems = [r for r in recorded if r.kind == MANAGED_SYSTEM_KIND.directive]
    return [
        ("Rules in force", len(result.rules)),
        ("Rules that must be verified", len(result.must_verify)),
        ("Rules verified by design (checklist items or records)", len(result.verified)),
        ("Coverage by design", f"{result.coverage_percent:.1f}% {excluded}"),
        ("Rules met in operation", operation.count(MET)),
        (
            "Coverage by operation",
            f"{_percent(operation.count(MET), operating)} {excluded}",
        ),
        ("Rules with findings", operation.count(FINDINGS)),
        ("Rules with no records yet", operation.count(NO_RECORDS)),
        ("Findings", len(operation.findings)),
        ("Managed systems registered", len(systems)),
        ("Operating records (examples not counted)", len(recorded) - len(systems)),
        ("Gaps (rules not yet verified)", len(result.gaps)),
        ("Rules not verifiable", len(result.not_verifiable)),
        ("Checklist items in force", len(result.items)),
        ("Items that verify no rule (orphans)", len(result.orphans)),
        ("Links item → rule", len(result.link_states)),
        ("Suspect links", result.count("suspect")),
        ("Unreviewed links", result.count("unreviewed")),
        ("Draft or retired rules (not counted)", len(result.out_of_force_rules)),
        ("Draft or retired items (not counted)", len(result.out_of_force_items)),
    ]


def _matrix_recipes(app: Sphinx, result: TraceReport) -> list[tuple]:
    operation = operation_report(app)
    titles = {p.docname: p.title for p in result.policies}
    recipes = []
    for rule in result.rules:
        rule_id = rule["id"]
        op = operation.rules[rule_id]
        recipes.append(
            (
                titles.get(rule["docname"], rule["docname"]),
                result.refs[rule_id],
                tuple(
                    (result.refs[item_id], result.link_states.get((item_id, rule_id)))
                    for item_id in result.verifiers.get(rule_id, [])
                ),
                rule_state(result, rule),
                op.evidence,
                op.state,
                result.refs[op.latest_record] if op.latest else None,
                op.latest.isoformat() if op.latest else "",
            )
        )
    return recipes


def _coverage_recipes(result: TraceReport) -> list[tuple]:
    """A row per policy, then the total (its last value ``True``)."""
    rows = [
        (
            p.docname,
            p.title,
            len(p.rules),
            len(p.must_verify),
            len(p.verified),
            len(p.rules) - len(p.must_verify),
            False,
        )
        for p in result.policies
    ]
    must, verified = len(result.must_verify), len(result.verified)
    total = ("", "Total", len(result.rules), must, verified, len(result.not_verifiable))
    return [*rows, (*total, True)]


def _reverse_recipes(result: TraceReport) -> list[tuple]:
    return [
        (result.refs[item_id], result.known(result.verifies[item_id]))
        for item_id in result.verifies
    ]


def _gap_recipes(result: TraceReport) -> list[tuple]:
    return [(result.refs[r["id"]],) for r in result.gaps]


def _not_verifiable_recipes(result: TraceReport) -> list[tuple]:
    return [(result.refs[r["id"]], r[NOT_VERIFIABLE]) for r in result.not_verifiable]


def _responsibility_recipes(result: TraceReport) -> list[tuple]:
    return [
        (result.refs[d["id"]], d[ACCOUNTABLE] or None, result.known(d[GOVERNED_BY]))
        for d in result.domains
    ]


# --- the page -----------------------------------------------------------------------


class traceability_view(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for one view of the report (``view`` names it)."""


class TraceabilityDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        view = argument_among(self, RENDERERS, "unknown_view", "traceability view")
        if view is None:
            return []
        doc_store(self.env, self.env.docname).shows = EVERYTHING
        node = traceability_view(view=view)
        self.set_source_info(node)
        return [node]


def _summary(app: Sphinx, page: str, result: TraceReport) -> list[nodes.Node]:
    operation = operation_report(app)
    must = len(result.must_verify)
    met = operation.count(MET)
    chart = bar_chart(
        "Coverage by design and by operation",
        [
            ("Coverage by design", result.coverage_percent, f"{result.coverage_percent:.1f}%"),
            ("Coverage by operation", 100.0 * met / must if must else None, _percent(met, must)),
        ],
    )
    table = SUMMARY.table(app, page, summary_figures(app, result), ["anchor-trace-summary"])
    shown: list[nodes.Node] = [chart, table]
    if writes_exports(app):
        folder = posixpath.dirname(page)
        para = nodes.paragraph(text="Exports: ")
        for index, (name, label) in enumerate(exports_listed(app)):
            if index:
                para += nodes.Text("; ")
            para += nodes.reference("", label, refuri=posixpath.relpath(name, folder or "."))
        shown.append(para)
    return shown


def _coverage(app: Sphinx, page: str, result: TraceReport) -> list[nodes.Node]:
    chart = bar_chart(
        "Coverage by design, by policy",
        [
            (
                p.title,
                100.0 * len(p.verified) / len(p.must_verify) if p.must_verify else None,
                _percent(len(p.verified), len(p.must_verify)),
            )
            for p in result.policies
        ],
    )
    return [
        chart,
        COVERAGE.table(app, page, _coverage_recipes(result), ["anchor-trace-coverage"]),
    ]


def _matrix(app: Sphinx, page: str, result: TraceReport) -> list[nodes.Node]:
    """One table per policy, in the order of the rules, under a heading each, with
    links to jump to one; the filter (anchor-sop.js) filters them as one::

        <container classes="anchor-table-group">
            <paragraph classes="anchor-jump"> Jump to a policy: <reference> ...
            <container classes="anchor-table-group-part">
                <rubric ids="matrix-backup-policy"> Backup Policy (7 rules)
                <table classes="anchor-trace-matrix anchor-sortable">
    """
    groups: dict[str, list[tuple]] = {}
    for recipe in _matrix_recipes(app, result):
        groups.setdefault(recipe[0], []).append(recipe)
    jump = nodes.paragraph("", "Jump to a policy: ", classes=["anchor-jump"])
    group = nodes.container("", jump, classes=["anchor-table-group"])
    for number, (policy, recipes) in enumerate(groups.items()):
        anchor = nodes.make_id(f"matrix {policy}")
        jump += [nodes.Text(" · ")] if number else []
        jump += nodes.reference("", policy, refid=anchor, internal=True)
        heading = nodes.rubric(text=f"{policy} ({counted(len(recipes), 'rule')})", ids=[anchor])
        table = MATRIX.table(app, page, recipes, ["anchor-trace-matrix", "anchor-sortable"])
        group += nodes.container("", heading, table, classes=["anchor-table-group-part"])
    return [group]


def _reverse(app: Sphinx, page: str, result: TraceReport) -> list[nodes.Node]:
    orphans = nodes.paragraph(text=f"Orphans — items that verify no rule ({len(result.orphans)}): ")
    refs = [result.refs[n["id"]] for n in result.orphans]
    orphans += id_links(app, page, refs)
    return [
        REVERSE.table(
            app, page, _reverse_recipes(result), ["anchor-trace-reverse", "anchor-sortable"]
        ),
        nodes.rubric(text="Orphans"),
        orphans,
    ]


def _gaps(app: Sphinx, page: str, result: TraceReport) -> list[nodes.Node]:
    return [
        nodes.rubric(text=f"Rules no checklist item verifies yet ({len(result.gaps)})"),
        GAPS.table(app, page, _gap_recipes(result), ["anchor-trace-gaps"])
        if result.gaps
        else nodes.paragraph(text="None: every rule that must be verified is."),
        nodes.rubric(text=f"Rules marked not checklist-verifiable ({len(result.not_verifiable)})"),
        NOT_VERIFIABLE_VIEW.table(
            app,
            page,
            _not_verifiable_recipes(result),
            ["anchor-trace-not-verifiable", "anchor-sortable"],
        ),
    ]


def _responsibility(app: Sphinx, page: str, result: TraceReport) -> list[nodes.Node]:
    return [
        RESPONSIBILITY.table(
            app,
            page,
            _responsibility_recipes(result),
            ["anchor-trace-responsibility", "anchor-sortable"],
        )
    ]


RENDERERS = {
    "summary": _summary,
    "coverage": _coverage,
    "matrix": _matrix,
    "reverse": _reverse,
    "gaps": _gaps,
    "responsibility": _responsibility,
}


def _resolve_views(app: Sphinx, doctree: nodes.document, page: str) -> None:
    for node in list(doctree.findall(traceability_view)):
        node.replace_self(RENDERERS[node["view"]](app, page, trace_report(app)))


# --- the sheets ---------------------------------------------------------------------


def _summary_sheet(app: Sphinx) -> list[list[object]]:
    """The figures, after where they come from."""
    origin = [tuple(row) for row in provenance(app).rows()]
    return SUMMARY.rows([*origin, *summary_figures(app, trace_report(app))])


def _matrix_sheet(app: Sphinx) -> list[list[object]]:
    return MATRIX.rows(_matrix_recipes(app, trace_report(app)))


def setup_views(app: Sphinx) -> None:
    app.add_node(traceability_view)
    app.add_directive("traceability", TraceabilityDirective)
    app.connect(RESOLVE_EVENT, _resolve_views)
    add_sheet(app, SUMMARY.name, _summary_sheet)
    add_sheet(app, MATRIX.name, _matrix_sheet)
    for view, recipes in (
        (COVERAGE, _coverage_recipes),
        (REVERSE, _reverse_recipes),
        (GAPS, _gap_recipes),
        (NOT_VERIFIABLE_VIEW, _not_verifiable_recipes),
        (RESPONSIBILITY, _responsibility_recipes),
    ):
        add_sheet(app, view.name, lambda app, v=view, r=recipes: v.rows(r(trace_report(app))))
    add_export(
        app,
        TRACE_CSV,
        lambda app: csv_bytes(_matrix_sheet(app)),
        "the matrix as CSV, a row per rule",
    )
