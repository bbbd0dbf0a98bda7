"""The Statement of Applicability: a decision for every Annex A control, declared as
data; the build derives the rest from the rules and their records.

::

    :::{statement-of-applicability}
    :scope: Anchor MSP's managed operations of the systems it takes over
    :approver: Anchor MSP Operations Lead

    - control: A.8.13
      applies: yes
      reasons: [contractual]
    - control: A.7.4
      applies: no
      justification: Anchor runs no premises that hold the systems.
    - control: A.5.7
      undecided: the sources do not say whether threat intelligence is gathered.
    :::

Each control once: applicable with its reasons (risk, legal, contractual,
best practice), excluded with its justification, or undecided with what is
missing (a known gap, never a decision made up). An unknown, repeated or
missing control, or an entry without its reasons, is one warning at its line.
Renders::

    <soa_view>                                  resolved when written:
        <table classes="anchor-soa-header">  Scope | Framework | Version | Date | Approver
        <table classes="anchor-soa">  Control | Description | Decision | Why |
                                      Implementing rules | Status | Latest evidence |
                                      Owner | Last reviewed
"""

from __future__ import annotations

from typing import ClassVar

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from .. import clock, yamldata
from ..columns import Badge, Column, NeedId, NeedIds, View
from ..diagnostics import content_line, report
from ..exports.files import add_export, csv_bytes
from ..exports.provenance import provenance
from ..exports.workbook import add_sheet
from ..model import SOA_CSV
from ..render import RESOLVE_EVENT, simple_table
from ..store import EVERYTHING, Applicability, Decision, Gap, doc_store, stores
from .catalogs import ISO27001, catalog, closest
from .criteria import criterion_refs
from .report import framework_report

APPLICABLE, EXCLUDED, UNDECIDED = "applicable", "excluded", "undecided"
#: Why a control is included (ISO/IEC 27001 asks for the reasons).
REASONS = ("risk", "legal", "contractual", "best practice")
KEYS = ("control", "applies", "reasons", "justification", "undecided")
#: The anchor every undecided control's known gap links to.
SOA_ANCHOR = "soa-decisions"
#: How an entry is written, for a fix that says what to write.
FORMS = (
    "'applies: yes' with 'reasons: [risk, legal, contractual, best practice]' (those that "
    "hold), 'applies: no' with a 'justification:', or 'undecided:' with what is missing"
)


class soa_view(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Placeholder for the Statement of Applicability's header and table."""


class StatementDirective(SphinxDirective):
    has_content = True
    option_spec: ClassVar[dict] = {
        "scope": directives.unchanged,
        "approver": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        env = self.env
        location = (env.docname, self.lineno)
        read = self._decisions()
        decisions, meant = read or ([], set())
        seen = {d.control for d in decisions}
        for control in catalog(ISO27001).criteria:
            # a mistyped control's warning names it already, an unreadable statement's
            # names them all: one mistake, one warning
            if read is not None and control.id not in seen and control.id not in meant:
                report(
                    location,
                    "soa_missing",
                    f"The Statement of Applicability has no decision for {control.id} "
                    f"({control.description})",
                    f"add '- control: {control.id}' and {FORMS}",
                )
        statement = Applicability(
            ISO27001,
            " ".join(self.options.get("scope", "").split()),
            " ".join(self.options.get("approver", "").split()),
            self.lineno,
            tuple(decisions),
        )
        store = doc_store(env, env.docname)
        store.applicability.append(statement)
        store.shows = EVERYTHING
        for decision in decisions:
            if decision.decision == UNDECIDED:
                store.gaps.append(
                    Gap(
                        name=f"Statement of Applicability: {decision.control}",
                        text=f"Whether {decision.control} applies is undecided: {decision.why}",
                        docname=env.docname,
                        target_id=SOA_ANCHOR,
                    )
                )
        for what, value in (("scope", statement.scope), ("approver", statement.approver)):
            if not value:
                store.gaps.append(
                    Gap(
                        name=f"Statement of Applicability: its {what}",
                        text=f"The sources do not give the {what} of the Statement of "
                        "Applicability.",
                        docname=env.docname,
                        target_id=SOA_ANCHOR,
                    )
                )
        view = soa_view()
        self.set_source_info(view)
        return [nodes.container("", view, ids=[SOA_ANCHOR], classes=["anchor-soa-box"])]

    def _decisions(self) -> tuple[list[Decision], set[str]] | None:
        """Each entry read, at its line (an entry in error is kept as undecided, with the
        mistake as what is missing, reported once, here); and the controls the entries
        in error name. None when the statement is no list of entries (reported)."""
        text = "\n".join(self.content)
        first = content_line(self, 0)
        try:
            root = yamldata.compose(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            report(
                (self.env.docname, first + (mark.line if mark else 0)),
                "soa_yaml",
                "The Statement of Applicability is not valid YAML "
                f"({getattr(error, 'problem', error)})",
                "write one '- control: A.5.1' entry per control, its keys indented under it",
            )
            return None
        if root is None:
            report(
                (self.env.docname, self.lineno),
                "soa_yaml",
                "The Statement of Applicability has no entries",
                "write one '- control: A.5.1' entry per control, its keys indented under it",
            )
            return None
        if not isinstance(root, yaml.SequenceNode):
            report(
                (self.env.docname, first),
                "soa_yaml",
                "The Statement of Applicability is not a list of entries",
                "write one '- control: A.5.1' entry per control, its keys indented under it",
            )
            return None
        decisions: list[Decision] = []
        lines: dict[str, int] = {}
        meant: set[str] = set()
        for node in root.value:
            line = first + node.start_mark.line
            try:
                entry = yamldata.construct(node)
            except yaml.YAMLError as error:
                report(
                    (self.env.docname, line),
                    "soa_entry",
                    "This entry of the Statement of Applicability has a value YAML cannot "
                    f"make ({getattr(error, 'problem', error)})",
                    "write plain values: no '!' tags",
                )
                decision = None
            else:
                decision = _read_entry(self.env.docname, line, entry, lines, meant)
            if decision is not None:
                lines[decision.control] = line
                decisions.append(decision)
            else:
                # the entry's warning is its control's: not also reported missing
                meant.add(_named_control(node))
        return decisions, meant


def _named_control(node: yaml.Node) -> str:
    """The control an entry in error names, read from its nodes (its values may not
    be): its ``control``, else any scalar of it that is a control's ID."""
    scalars = [node] if isinstance(node, yaml.ScalarNode) else []
    if isinstance(node, yaml.MappingNode):
        control = [v for k, v in node.value if k.value == "control"]
        scalars = control or [n for pair in node.value for n in pair]
    known = catalog(ISO27001).by_id
    named = (str(n.value).strip() for n in scalars if isinstance(n, yaml.ScalarNode))
    return next((n for n in named if n in known), "")


def _read_entry(
    docname: str, line: int, entry: object, lines: dict[str, int], meant: set[str]
) -> Decision | None:
    where = (docname, line)
    if not isinstance(entry, dict):
        report(
            where,
            "soa_entry",
            "This entry of the Statement of Applicability is not a mapping",
            "write '- control: A.5.1' and its keys indented under it",
        )
        return None
    control = str(entry.get("control", "")).strip()
    if not control:
        report(
            where,
            "soa_entry",
            "This entry of the Statement of Applicability names no control",
            "add 'control:' and the control's ID, e.g. 'control: A.5.1'",
        )
        return None
    if control not in catalog(ISO27001).by_id:
        guess = closest(control, ISO27001)
        if guess is not None:
            meant.add(guess)
        report(
            where,
            "soa_unknown_control",
            f"The Statement of Applicability names {control!r}, which is no control of "
            f"{catalog(ISO27001).edition} Annex A" + (f"; did you mean {guess}?" if guess else ""),
            f"write {guess}" if guess else "write an Annex A control's ID, A.5.1 to A.8.34",
        )
        return None
    if control in lines:
        report(
            where,
            "soa_repeated",
            f"The Statement of Applicability decides {control} twice: here and on line "
            f"{lines[control]}",
            "keep one of the two entries",
        )
        return None
    unknown = [k for k in entry if k not in KEYS]
    if unknown:
        report(
            where,
            "soa_entry",
            f"The entry of {control} has the key {unknown[0]!r}, "
            f"which is not one of {', '.join(KEYS)}",
            f"write {FORMS}",
        )
        return Decision(control, UNDECIDED, f"its entry has the key {unknown[0]!r}", line)
    return _decision(where, control, entry, line)


def _decision(where, control: str, entry: dict, line: int) -> Decision:  # noqa: PLR0911 (one per form)
    applies, undecided = entry.get("applies"), entry.get("undecided")
    if undecided is not None and applies is None:
        why = " ".join(str(undecided).split())
        if why:
            return Decision(control, UNDECIDED, why, line)
        report(
            where,
            "soa_entry",
            f"{control} is undecided without saying what is missing",
            "write after 'undecided:' what the sources do not say",
        )
        return Decision(control, UNDECIDED, "what is missing is not said", line)
    if applies is True:
        reasons = entry.get("reasons") or []
        reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        wrong = [r for r in reasons if r not in REASONS]
        if not reasons or wrong:
            report(
                where,
                "soa_reasons",
                f"{control} applies "
                + (
                    f"with the reason {wrong[0]!r}, which is not one of {', '.join(REASONS)}"
                    if wrong
                    else "without its reasons"
                ),
                f"write 'reasons: [...]' with those of {', '.join(REASONS)} that hold",
            )
            return Decision(control, UNDECIDED, "its reasons are not given", line)
        return Decision(control, APPLICABLE, ", ".join(reasons), line)
    if applies is False:
        justification = " ".join(str(entry.get("justification") or "").split())
        if not justification:
            report(
                where,
                "soa_justification",
                f"{control} is excluded without a justification",
                "write after 'justification:' why the control does not apply",
            )
            return Decision(control, UNDECIDED, "its exclusion is not justified", line)
        return Decision(control, EXCLUDED, justification, line)
    report(
        where,
        "soa_entry",
        f"The entry of {control} neither decides it nor says it is undecided"
        + (f" ('applies' is {applies!r})" if applies is not None else ""),
        f"write {FORMS}",
    )
    return Decision(control, UNDECIDED, "its entry decides nothing", line)


#: A control's row: (control ref, description, decision, why, rules, status, latest
#: evidence, owners, last reviewed).
SOA = View(
    "SoA",
    (
        NeedId(0, "Control"),
        Column(1, "Description"),
        Badge(2, "Decision"),
        Column(3, "Reasons, justification or what is missing"),
        NeedIds(4, "Implementing rules"),
        Badge(5, "Status"),
        Column(6, "Latest evidence"),
        Column(7, "Owner"),
        Column(8, "Last reviewed"),
    ),
)


def statement(app: Sphinx) -> Applicability | None:
    """The project's Statement of Applicability (the first one, by page)."""
    found = [s for _page, store in sorted(stores(app.env).items()) for s in store.applicability]
    return found[0] if found else None


def soa_recipes(app: Sphinx, declared: Applicability) -> list[tuple]:
    report_ = framework_report(app)
    refs = criterion_refs(app)
    decided = {d.control: d for d in declared.decisions}
    recipes = []
    for control in catalog(ISO27001).criteria:
        row = report_.criteria[control.id]
        decision = decided.get(control.id)
        kind = decision.decision if decision else UNDECIDED
        why = decision.why if decision else "no entry decides it"
        status = row.state if kind == APPLICABLE else kind
        recipes.append(
            (
                refs[control.id],
                control.description,
                kind,
                why,
                row.rules,
                status,
                row.latest_text,
                ", ".join(row.owners),
                row.reviewed,
            )
        )
    return recipes


def header_rows(app: Sphinx, declared: Applicability) -> list[list[str]]:
    known = catalog(declared.framework)
    gap = "not given in the sources (a known gap)"
    return [
        ["Scope", declared.scope or gap],
        ["Framework", f"{known.name}, {known.edition}"],
        ["Version", provenance(app).commit],
        ["Date", clock.today().isoformat()],
        ["Approver", declared.approver or gap],
    ]


def _resolve(app: Sphinx, doctree: nodes.document, page: str) -> None:
    for node in list(doctree.findall(soa_view)):
        declared = statement(app)
        header = simple_table(
            ["Statement", "Value"],
            [[nodes.Text(label), nodes.Text(value)] for label, value in header_rows(app, declared)],
            classes=["anchor-soa-header"],
        )
        table = SOA.table(app, page, soa_recipes(app, declared), ["anchor-soa", "anchor-sortable"])
        node.replace_self([header, table])


def soa_rows(app: Sphinx) -> list[list[object]]:
    """The Statement of Applicability's rows (its header alone where none is declared)."""
    declared = statement(app)
    return SOA.rows(soa_recipes(app, declared) if declared else [])


def check_one_statement(app: Sphinx, _env: object) -> None:
    """The project has one Statement of Applicability: each other one is reported."""
    declared = [
        (page, s.lineno)
        for page, store in sorted(stores(app.env).items())
        for s in store.applicability
    ]
    first_page, first_line = declared[0] if declared else ("", 0)
    for page, line in declared[1:]:
        report(
            (page, line),
            "soa_repeated",
            "This is a second Statement of Applicability; the project's is at "
            f"{app.env.doc2path(first_page, base=False)}:{first_line}",
            "put its entries in that statement and delete this directive",
        )


def setup_soa(app: Sphinx) -> None:
    app.add_node(soa_view)
    app.add_directive("statement-of-applicability", StatementDirective)
    app.connect("env-check-consistency", check_one_statement)
    app.connect(RESOLVE_EVENT, _resolve)


def declare_soa_exports(app: Sphinx) -> None:
    add_sheet(app, SOA.name, soa_rows)
    add_export(app, SOA_CSV, lambda app: csv_bytes(soa_rows(app)), "the Statement of Applicability")
