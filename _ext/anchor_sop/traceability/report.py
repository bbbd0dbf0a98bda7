"""Traceability for audits: the report, the coverage gate, suspect links, views, exports.

Everything here is computed from the resolved needs, once per build
(``write-started``), into a :class:`TraceReport` that the views, the rule
pages, the warnings and the exports all read.

- **Coverage**: among the rules in force (their document is approved), those
  not marked ``not-verifiable`` must be verified by at least one checklist item
  in force. Coverage = verified / must be verified. Draft and retired rules are
  counted apart.
- **Gate** (``anchor_coverage_gate``, on by default): each rule that must be
  verified and is not is a warning at the rule.
- **Suspect links**: the file ``anchor_trace_baseline`` holds, for each
  reviewed link "ITEM verifies RULE", the rule's fingerprint at review
  (:mod:`anchor_sop.fingerprint`). A link whose rule's fingerprint differs is
  *suspect* (a warning at the rule); a link missing from the file is
  *unreviewed*. ``python -m anchor_sop.traceability.baseline`` re-baselines.
- **Views** (``traceability`` directive): summary, coverage, matrix, reverse,
  gaps, responsibility; tables marked ``anchor-sortable`` get a filter box and
  sortable columns in the browser (static/anchor-sop.js).
- **Exports**: the rows of ``traceability.csv`` and ``traceability.xlsx``
  (written by :mod:`anchor_sop.exports.files`).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx_needs.api import get_needs_view

from ..charts import bar_chart
from ..diagnostics import report
from ..evidence.kinds import MANAGED_SYSTEM_KIND
from ..evidence.operation import FINDINGS, MET, NO_RECORDS, audit_period, operation_report
from ..evidence.views import findings_rows, population_rows
from ..exports.files import add_export, csv_bytes, exports_listed, writes_exports, xlsx_bytes
from ..exports.provenance import provenance
from ..lifecycle.registers import review_status_table
from ..model import (
    ACCOUNTABLE,
    DOC_STATUS,
    DOMAIN,
    EVIDENCE,
    FINGERPRINT,
    GOVERNED_BY,
    ITEM,
    NOT_VERIFIABLE,
    RULE,
    TRACE_CSV,
    TRACE_XLSX,
    VERIFIES,
    counted,
    nox_command,
)
from ..render import (
    RESOLVE_EVENT,
    NeedRef,
    id_link,
    link_to,
    need_ref,
    need_reference,
    recipe_table,
    simple_table,
    state_badge,
)
from ..state import build_state
from ..store import EVERYTHING, all_documents, doc_store
from .checks import check_links

VIEWS = ("summary", "coverage", "matrix", "reverse", "gaps", "responsibility")


def link_key(item_id: str, rule_id: str) -> str:
    """How a link is named in the baseline file."""
    return f"{item_id} {VERIFIES} {rule_id}"


def baseline_fingerprint(path: str) -> str:
    """What the baseline file holds now (its bytes' hash; "" when there is none)."""
    file = Path(path)
    return hashlib.sha256(file.read_bytes()).hexdigest() if path and file.is_file() else ""


def load_baseline(path: str) -> dict[str, str]:
    file = Path(path)
    return json.loads(file.read_text()) if path and file.is_file() else {}


def in_force(need) -> bool:
    return (need[DOC_STATUS] or "approved") == "approved"


class Coverage:
    """The rules that must be verified and those that are, of ``rules`` by
    ``verifiers``; computed on first use, once every rule is in."""

    rules: list
    verifiers: dict[str, list[str]]

    @cached_property
    def must_verify(self) -> list:
        return [r for r in self.rules if not r[NOT_VERIFIABLE]]

    @cached_property
    def verified(self) -> list:
        """Verified by design: checklist items, or records it names (``:evidence:``)."""
        return [r for r in self.must_verify if self.verifiers.get(r["id"]) or r[EVIDENCE]]


@dataclass
class PolicyCoverage(Coverage):
    docname: str
    title: str
    rules: list = field(default_factory=list)
    #: rule ID -> IDs of the items in force that verify it (shared with the report)
    verifiers: dict[str, list[str]] = field(default_factory=dict, repr=False)


@dataclass
class TraceReport(Coverage):
    """What the views show, computed once per build (the lists below, on first use)."""

    rules: list
    items: list
    domains: list
    #: rule ID -> IDs of the items in force that verify it
    verifiers: dict[str, list[str]]
    #: item ID -> the IDs its ':verifies:' names, for each item in force (read once:
    #: sphinx-needs makes the list anew at every read)
    verifies: dict[str, list[str]]
    #: (item ID, rule ID) -> clean | suspect | unreviewed
    link_states: dict[tuple[str, str], str]
    policies: list[PolicyCoverage]
    out_of_force_rules: list
    out_of_force_items: list
    #: Every need, by ID (sphinx-needs' view).
    needs: Mapping = field(repr=False, compare=False)
    #: The views as rows of text (see export_rows), made on first use.
    sheets: dict[str, list[list[str]]] | None = None

    @cached_property
    def refs(self) -> dict[str, NeedRef]:
        """Every need as a link shows it, by ID: made once for all the views' rows (a
        view of 10,000 rows names 30,000 needs)."""
        return {need_id: need_ref(need) for need_id, need in self.needs.items()}

    def known(self, ids) -> tuple[NeedRef, ...]:
        """The needs ``ids`` names (unknown IDs are reported where written)."""
        return tuple(self.refs[i] for i in ids if i in self.refs)

    @cached_property
    def gaps(self) -> list:
        return [r for r in self.must_verify if not self.verifiers.get(r["id"]) and not r[EVIDENCE]]

    @cached_property
    def not_verifiable(self) -> list:
        return [r for r in self.rules if r[NOT_VERIFIABLE]]

    @cached_property
    def orphans(self) -> list:
        return [i for i in self.items if not self.verifies[i["id"]]]

    def count(self, state: str) -> int:
        return sum(1 for s in self.link_states.values() if s == state)

    @cached_property
    def coverage_percent(self) -> float:
        return 100.0 * len(self.verified) / len(self.must_verify) if self.must_verify else 100.0


def build_report(app: Sphinx) -> TraceReport:
    needs = get_needs_view(app)
    baseline = load_baseline(app.config.anchor_trace_baseline)
    by_type: dict[str, list] = {RULE: [], ITEM: [], DOMAIN: []}
    for _need_id, need in sorted(needs.items(), key=itemgetter(0)):  # by ID: the key
        of_type = by_type.get(need["type"])
        if of_type is not None:
            of_type.append(need)
    rules = [r for r in by_type[RULE] if in_force(r)]
    items = [i for i in by_type[ITEM] if in_force(i)]
    link_states = {}
    verifiers: dict[str, list[str]] = {}
    verifies = {item["id"]: item[VERIFIES] for item in items}
    # each rule read once, not once per link to it
    fingerprints = {rule["id"]: rule[FINGERPRINT] for rule in by_type[RULE]}
    for item_id, rule_ids in verifies.items():
        for rule_id in rule_ids:
            if rule_id not in fingerprints:
                continue  # no rule: reported where the link is written (trace.py)
            verifiers.setdefault(rule_id, []).append(item_id)
            reviewed = baseline.get(link_key(item_id, rule_id))
            link_states[(item_id, rule_id)] = (
                "unreviewed"
                if reviewed is None
                else "clean"
                if reviewed == fingerprints[rule_id]
                else "suspect"
            )
    titles = {r.docname: r.title for r in all_documents(app.env) if r.kind == "policy"}
    policies: dict[str, PolicyCoverage] = {}
    for rule in rules:
        docname = rule["docname"]
        if docname not in policies:
            title = titles.get(docname, docname)
            policies[docname] = PolicyCoverage(docname, title, [], verifiers)
        policies[docname].rules.append(rule)
    return TraceReport(
        rules=rules,
        items=items,
        domains=by_type[DOMAIN],
        verifiers=verifiers,
        verifies=verifies,
        link_states=link_states,
        policies=sorted(policies.values(), key=lambda p: p.title),
        out_of_force_rules=[r for r in by_type[RULE] if not in_force(r)],
        out_of_force_items=[i for i in by_type[ITEM] if not in_force(i)],
        needs=needs,
    )


def trace_report(app: Sphinx) -> TraceReport:
    """The report of this build (:mod:`anchor_sop.reports`)."""
    return build_state(app).trace


def check_traceability(app: Sphinx, result: TraceReport, needs) -> None:
    """Report wrong links, gaps (the gate) and suspect links."""
    meant = check_links(app.env, needs)
    if app.config.anchor_coverage_gate:
        # a gap a mistyped link explains is reported as that link's mistake, a rule
        # outside its policy's rules as that mistake
        for rule in (
            rule
            for rule in result.gaps
            if rule["id"] not in meant
            and rule["id"] not in doc_store(app.env, rule["docname"]).misplaced_rules
        ):
            report(
                (rule["docname"], rule["lineno"]),
                "coverage_gap",
                f"No checklist item verifies rule {rule['id']} ({rule['title']})",
                f"add {rule['id']} to ':verifies:' of the item that checks it, or mark the "
                "rule ':not-verifiable: <reason>'",
            )
    suspects: dict[str, list[str]] = {}
    for (item_id, rule_id), state in sorted(result.link_states.items()):
        if state == "suspect":
            suspects.setdefault(rule_id, []).append(item_id)
    for rule_id, item_ids in suspects.items():
        rule = needs[rule_id]
        report(
            (rule["docname"], rule["lineno"]),
            "suspect_link",
            f"Rule {rule_id} changed since its links were reviewed; suspect: {', '.join(item_ids)}",
            f"re-review {', '.join(item_ids)} against the rule, then run "
            f"'{nox_command('baseline', rule_id)}'",
        )


# --- rendering --------------------------------------------------------------------


def link_state(app: Sphinx, item_id: str, rule_id: str) -> str | None:
    return trace_report(app).link_states.get((item_id, rule_id))


class traceability_view(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for one view of the report (``view`` names it)."""


class TraceabilityDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        view = self.arguments[0]
        if view not in VIEWS:
            report(
                (self.env.docname, self.lineno),
                "unknown_view",
                f"There is no traceability view {view!r}",
                f"use one of {', '.join(VIEWS)}",
            )
            return []
        doc_store(self.env, self.env.docname).shows = EVERYTHING
        node = traceability_view(view=view)
        self.set_source_info(node)
        return [node]


def _links(app, fromdocname, refs: Sequence[NeedRef]) -> nodes.Node:
    line = nodes.inline()
    for index, ref in enumerate(refs):
        if index:
            line += nodes.Text(", ")
        line += id_link(app, fromdocname, ref)
    return line if refs else nodes.Text("—")


def _named(app, fromdocname, need: NeedRef) -> list[nodes.Node]:
    """A view's first two cells for a need: its ID (a link) and its title."""
    _need_id, _docname, title = need
    return [id_link(app, fromdocname, need), nodes.Text(title)]


def _percent(verified: int, total: int) -> str:
    return f"{100.0 * verified / total:.0f}%" if total else "—"


def summary_figures(app: Sphinx, result: TraceReport) -> list[tuple[str, object]]:
    """The summary's figures, as the Summary view and the XLSX's Summary sheet show them.

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


def _summary(app: Sphinx, fromdocname: str, result: TraceReport) -> list[nodes.Node]:
    figures = summary_figures(app, result)
    table = simple_table(
        ["Figure", "Value"],
        [[nodes.Text(name), nodes.Text(str(value))] for name, value in figures],
        classes=["anchor-trace-summary"],
    )
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
    result_nodes: list[nodes.Node] = [chart, table]
    if writes_exports(app):
        folder = posixpath.dirname(fromdocname)
        para = nodes.paragraph(text="Exports: ")
        for index, (name, label) in enumerate(exports_listed(app)):
            if index:
                para += nodes.Text("; ")
            para += nodes.reference("", label, refuri=posixpath.relpath(name, folder or "."))
        result_nodes.append(para)
    return result_nodes


def _coverage(app, fromdocname, result: TraceReport) -> list[nodes.Node]:
    rows = [
        [
            link_to(app, fromdocname, p.docname, "", nodes.Text(p.title)),
            nodes.Text(str(len(p.rules))),
            nodes.Text(str(len(p.must_verify))),
            nodes.Text(str(len(p.verified))),
            nodes.Text(_percent(len(p.verified), len(p.must_verify))),
            nodes.Text(str(len(p.rules) - len(p.must_verify))),
        ]
        for p in result.policies
    ]
    rows.append(
        [
            nodes.strong(text="Total"),
            nodes.strong(text=str(len(result.rules))),
            nodes.strong(text=str(len(result.must_verify))),
            nodes.strong(text=str(len(result.verified))),
            nodes.strong(text=_percent(len(result.verified), len(result.must_verify))),
            nodes.strong(text=str(len(result.not_verifiable))),
        ]
    )
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
        simple_table(
            ["Policy", "Rules", "Must be verified", "Verified", "Coverage", "Not verifiable"],
            rows,
            classes=["anchor-trace-coverage"],
        ),
    ]


def _rule_state(result: TraceReport, rule) -> str:
    if result.verifiers.get(rule["id"]):
        return "verified"
    if rule[EVIDENCE]:
        return "evidenced by records"
    return "not verifiable" if rule[NOT_VERIFIABLE] else "gap"


#: The matrix's columns on its page (its policy is the heading above each table).
MATRIX_HEADERS = [
    "Rule",
    "Title",
    "Verified by",
    "State",
    "Evidenced by",
    "Operating state",
    "Latest evidence",
]


def _matrix(app, fromdocname, result: TraceReport) -> list[nodes.Node]:
    """One table per policy, in the order of the rules, under a heading each, with
    links to jump to one; the filter (anchor-sop.js) filters them as one::

        <container classes="anchor-table-group">
            <paragraph classes="anchor-jump"> Jump to a policy: <reference> ...
            <container classes="anchor-table-group-part">
                <rubric ids="matrix-backup-policy"> Backup Policy
                <table classes="anchor-trace-matrix anchor-sortable">
    """
    refs = result.refs
    titles = {p.docname: p.title for p in result.policies}
    groups: dict[str, list] = {}
    for rule in result.rules:
        groups.setdefault(titles.get(rule["docname"], rule["docname"]), []).append(rule)
    jump = nodes.paragraph("", "Jump to a policy: ", classes=["anchor-jump"])
    group = nodes.container("", jump, classes=["anchor-table-group"])
    for number, (policy, rules) in enumerate(groups.items()):
        anchor = nodes.make_id(f"matrix {policy}")
        jump += [nodes.Text(" · ")] if number else []
        jump += nodes.reference("", policy, refid=anchor, internal=True)
        recipes = (
            (
                refs[rule["id"]],
                tuple(
                    (refs[item_id], result.link_states.get((item_id, rule["id"])))
                    for item_id in result.verifiers.get(rule["id"], [])
                ),
                _rule_state(result, rule),
                *_operating(app, rule["id"]),
            )
            for rule in rules
        )
        heading = nodes.rubric(text=f"{policy} ({counted(len(rules), 'rule')})", ids=[anchor])
        table = recipe_table(
            app,
            fromdocname,
            MATRIX_HEADERS,
            _matrix_cells,
            recipes,
            classes=["anchor-trace-matrix", "anchor-sortable"],
        )
        group += nodes.container("", heading, table, classes=["anchor-table-group-part"])
    return [group]


def _operating(app: Sphinx, rule_id: str) -> tuple[str, str, NeedRef | None, str]:
    """What evidences the rule, its operating state, and its latest evidence: the
    record (``None`` for none) and its day."""
    op = operation_report(app).rules[rule_id]
    if not op.latest:
        return op.evidence or "—", op.state, None, ""
    return (
        op.evidence or "—",
        op.state,
        trace_report(app).refs[op.latest_record],
        op.latest.isoformat(),
    )


def _latest_text(latest: NeedRef | None, day: str) -> str:
    return f"{latest[0]} ({day})" if latest else "—"


def _matrix_cells(app, page, recipe) -> list[nodes.Node]:
    rule, verifiers, state, evidence, operating, latest, day = recipe
    _rule_id, _docname, rule_title = rule
    verifying = nodes.inline()
    for item, link_state in verifiers:
        entry = nodes.inline(
            "", "", need_reference(app, page, item), classes=["anchor-matrix-entry"]
        )
        if link_state not in (None, "clean"):
            entry += [nodes.Text(" "), state_badge(link_state, f"anchor-link-{link_state}")]
        verifying += entry
    return [
        id_link(app, page, rule),
        nodes.Text(rule_title),
        verifying if verifiers else nodes.Text("—"),
        nodes.Text(state),
        nodes.Text(evidence),
        state_badge(operating),
        nodes.inline("", "", id_link(app, page, latest), nodes.Text(f" {day}"))
        if latest
        else nodes.Text("—"),
    ]


def _reverse(app, fromdocname, result: TraceReport) -> list[nodes.Node]:
    orphans = nodes.paragraph(text=f"Orphans — items that verify no rule ({len(result.orphans)}): ")
    orphans += _links(app, fromdocname, [result.refs[n["id"]] for n in result.orphans])
    return [
        recipe_table(
            app,
            fromdocname,
            ["Item", "Title", "Verifies"],
            _reverse_cells,
            (
                (result.refs[item_id], result.known(result.verifies[item_id]))
                for item_id in result.verifies
            ),
            classes=["anchor-trace-reverse", "anchor-sortable"],
        ),
        nodes.rubric(text="Orphans"),
        orphans,
    ]


def _reverse_cells(app, page, recipe) -> list[nodes.Node]:
    item, verifies = recipe
    return [*_named(app, page, item), _links(app, page, verifies)]


def _gaps(app, fromdocname, result: TraceReport) -> list[nodes.Node]:
    return [
        nodes.rubric(text=f"Rules no checklist item verifies yet ({len(result.gaps)})"),
        recipe_table(
            app,
            fromdocname,
            ["Rule", "Title"],
            _gap_cells,
            ((result.refs[r["id"]],) for r in result.gaps),
            classes=["anchor-trace-gaps"],
        )
        if result.gaps
        else nodes.paragraph(text="None: every rule that must be verified is."),
        nodes.rubric(text=f"Rules marked not checklist-verifiable ({len(result.not_verifiable)})"),
        recipe_table(
            app,
            fromdocname,
            ["Rule", "Title", "Reason"],
            _not_verifiable_cells,
            ((result.refs[r["id"]], r[NOT_VERIFIABLE]) for r in result.not_verifiable),
            classes=["anchor-trace-not-verifiable", "anchor-sortable"],
        ),
    ]


def _gap_cells(app, page, recipe) -> list[nodes.Node]:
    (rule,) = recipe
    return _named(app, page, rule)


def _not_verifiable_cells(app, page, recipe) -> list[nodes.Node]:
    rule, reason = recipe
    return [*_named(app, page, rule), nodes.Text(reason)]


def _responsibility(app, fromdocname, result: TraceReport) -> list[nodes.Node]:
    recipes = (
        (result.refs[d["id"]], d[ACCOUNTABLE] or "—", result.known(d[GOVERNED_BY]))
        for d in result.domains
    )
    return [
        recipe_table(
            app,
            fromdocname,
            ["Row", "Domain", "Accountable", "Governing rules"],
            _responsibility_cells,
            recipes,
            classes=["anchor-trace-responsibility", "anchor-sortable"],
        )
    ]


def _responsibility_cells(app, page, recipe) -> list[nodes.Node]:
    domain, accountable, governing = recipe
    return [*_named(app, page, domain), nodes.Text(accountable), _links(app, page, governing)]


RENDERERS = {
    "summary": _summary,
    "coverage": _coverage,
    "matrix": _matrix,
    "reverse": _reverse,
    "gaps": _gaps,
    "responsibility": _responsibility,
}


def _resolve_views(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    for node in list(doctree.findall(traceability_view)):
        node.replace_self(RENDERERS[node["view"]](app, fromdocname, trace_report(app)))


# --- exports ----------------------------------------------------------------------


def _xlsx(app: Sphinx) -> bytes:
    """The views as sheets, after a Summary sheet that says where they come from and a
    Review status sheet."""
    result = trace_report(app)
    summary = [["Figure", "Value"], *provenance(app).rows()]
    summary += [[name, value] for name, value in summary_figures(app, result)]
    sheets = {
        "Summary": summary,
        **export_rows(app),
        "Review status": review_status_table(app),
        **({"Population": population_rows(app)} if audit_period(app) is not None else {}),
        "Findings": findings_rows(app),
    }
    return xlsx_bytes(app, sheets, f"{app.config.project}: traceability")


def export_rows(app: Sphinx) -> dict[str, list[list[str]]]:
    """Each view as rows of text, header first: the CSV and XLSX read these (made once)."""
    result = trace_report(app)
    if result.sheets is None:
        result.sheets = _sheets(app, result)
    return result.sheets


def _sheets(app: Sphinx, result: TraceReport) -> dict[str, list[list[str]]]:
    needs = get_needs_view(app)
    titles = {p.docname: p.title for p in result.policies}
    matrix = [
        [
            "Policy",
            "Rule",
            "Rule title",
            "Rule state",
            "Item",
            "Item title",
            "Link state",
            "Evidenced by",
            "Operating state",
            "Latest evidence",
        ]
    ]
    for rule in result.rules:
        verifying = result.verifiers.get(rule["id"]) or [""]
        evidence, operating, latest, day = _operating(app, rule["id"])
        operating = [evidence, operating, _latest_text(latest, day)]
        for item_id in verifying:
            matrix.append(
                [
                    titles.get(rule["docname"], rule["docname"]),
                    rule["id"],
                    rule["title"],
                    _rule_state(result, rule),
                    item_id,
                    needs[item_id]["title"] if item_id else "",
                    result.link_states.get((item_id, rule["id"]), ""),
                    *operating,
                ]
            )
    coverage = [
        ["Policy", "Rules", "Must be verified", "Verified", "Coverage %", "Not verifiable"]
    ] + [
        [
            p.title,
            len(p.rules),
            len(p.must_verify),
            len(p.verified),
            round(100.0 * len(p.verified) / len(p.must_verify), 1) if p.must_verify else "",
            len(p.rules) - len(p.must_verify),
        ]
        for p in result.policies
    ]
    reverse = [["Item", "Item title", "Verifies"]] + [
        [i["id"], i["title"], ", ".join(result.verifies[i["id"]])] for i in result.items
    ]
    gaps = (
        [["Rule", "Rule title", "Gap or reason it is not checklist-verifiable"]]
        + [[r["id"], r["title"], "gap: no verifying item"] for r in result.gaps]
        + [[r["id"], r["title"], r[NOT_VERIFIABLE]] for r in result.not_verifiable]
    )
    responsibility = [["Row", "Domain", "Accountable", "Governing rules"]] + [
        [d["id"], d["title"], d[ACCOUNTABLE] or "", ", ".join(d[GOVERNED_BY])]
        for d in result.domains
    ]
    return {
        "Matrix": matrix,
        "Coverage": coverage,
        "Reverse": reverse,
        "Gaps": gaps,
        "Responsibility": responsibility,
    }


def setup_traceability(app: Sphinx) -> None:
    app.add_config_value("anchor_coverage_gate", True, "env", types=(bool,))
    app.add_config_value("anchor_trace_baseline", "", "env", types=(str,))
    app.add_node(traceability_view)
    app.add_directive("traceability", TraceabilityDirective)
    app.connect(RESOLVE_EVENT, _resolve_views)
    add_export(app, TRACE_XLSX, _xlsx, "the matrix and every view as XLSX, a sheet each")
    add_export(
        app,
        TRACE_CSV,
        lambda app: csv_bytes(export_rows(app)["Matrix"]),
        "the matrix as CSV, a row per link",
    )
