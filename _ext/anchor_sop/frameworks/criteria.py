"""A framework's page: its criteria as needs, and each one's rules, items, records and state.

::

    ```{framework} soc2
    ```

makes a need of type ``criterion`` for each criterion of the catalog (so a
rule's ``:satisfies:`` is checked like every link) and renders::

    <framework_view framework="soc2">           resolved when written:
        <paragraph> edition, where the standard is published
        <table classes="anchor-framework-categories">  Category | Criteria | With a rule | ...
        <table classes="anchor-framework-criteria">    Criterion | Description | Rules | ...
        <paragraph> the criteria no rule maps to
    <container classes="anchor-criteria">      the catalog, a criterion per entry:
        <paragraph ids="CC7.3"> ID badge, the project's description (the official
                                title beside it, from a local file)
        <trace_list link="satisfies_back" label="Satisfied by">
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from ..columns import NONE, Badge, Column, NeedId, NeedIds, View
from ..diagnostics import argument_among
from ..exports.files import add_export, csv_bytes
from ..exports.workbook import add_sheet
from ..model import (
    CRITERIA_CSV,
    CRITERION,
    FRAMEWORK,
    SATISFIES,
    backlink,
    counted,
    criterion_need_id,
)
from ..needs_model import create_need
from ..render import RESOLVE_EVENT, id_badge, id_link, placeholder, state_badge
from ..store import EVERYTHING, doc_store
from ..traceability.report import trace_report
from .catalogs import FRAMEWORKS, catalog
from .report import NO_RULE, CriterionState, framework_report


class framework_view(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Placeholder for a framework's figures and its table of criteria."""


class MappedIds(Column):
    """The rules mapped to a criterion, each marked when its mapping is only proposed."""

    def show(self, app, page, recipe):
        refs, states = recipe[self.at], recipe[self.at + 1]
        if not refs:
            return nodes.Text(NONE)
        line = nodes.inline()
        for index, (ref, state) in enumerate(zip(refs, states, strict=True)):
            if index:
                line += nodes.Text(", ")
            line += id_link(app, page, ref)
            if state == "proposed":
                line += [nodes.Text(" "), state_badge(state, f"anchor-link-{state}")]
        return line

    def export(self, recipe):
        return ", ".join(ref[0] for ref in recipe[self.at])


class Mappings(Column):
    """Each rule mapped to a criterion with its mapping's state (an export's column)."""

    def export(self, recipe):
        refs, states = recipe[self.at], recipe[self.at + 1]
        return ", ".join(f"{ref[0]} {state}" for ref, state in zip(refs, states, strict=True))


#: A criterion's row: (framework, category, criterion ref, description, rules, their
#: mapping states, items, records, state).
CRITERIA = View(
    "Criteria",
    (
        Column(0, "Framework", on_page=False),
        Column(1, "Category", on_page=False),
        NeedId(2, "Criterion"),
        Column(3, "Description"),
        MappedIds(4, "Rules"),
        Mappings(4, "Mapping", on_page=False),
        NeedIds(6, "Checklist items"),
        Column(7, "Records"),
        Badge(8, "State"),
    ),
)


def criterion_recipe(framework: str, row: CriterionState, ref) -> tuple:
    c = row.criterion
    return (
        framework,
        c.category,
        ref,
        c.description,
        row.rules,
        row.mappings,
        row.items,
        row.records,
        row.state,
    )


class FrameworkDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        framework = argument_among(self, FRAMEWORKS, "unknown_framework", "framework")
        if framework is None:
            return []
        doc_store(self.env, self.env.docname).shows = EVERYTHING
        view = framework_view(framework=framework)
        self.set_source_info(view)
        listing = nodes.container(classes=["anchor-criteria"])
        for category, name in catalog(framework).categories:
            listing += nodes.rubric(text=f"{category} {name}")
            for criterion in catalog(framework).criteria:
                if criterion.category != category:
                    continue
                entry = nodes.container(classes=["anchor-need", "anchor-criterion"])
                need_nodes = create_need(
                    self,
                    CRITERION,
                    criterion_need_id(criterion.id),
                    criterion.description,
                    content="",
                    **{FRAMEWORK: framework},
                )
                if need_nodes is None:
                    continue
                entry["ids"] = [criterion.id]
                entry += need_nodes
                entry += nodes.paragraph(
                    "",
                    "",
                    id_badge(criterion.id),
                    nodes.Text(" " + criterion.description),
                    criterion_title(criterion_id=criterion.id),
                    classes=["anchor-need-title"],
                )
                entry += placeholder(
                    self,
                    criterion_need_id(criterion.id),
                    backlink(SATISFIES),
                    "Satisfied by",
                    "No rule yet.",
                )
                listing += entry
        return [view, listing]


class criterion_title(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Placeholder for a criterion's official title, from the organisation's local file."""


def _resolve(app: Sphinx, doctree: nodes.document, page: str) -> None:
    for node in list(doctree.findall(criterion_title)):
        title = framework_report(app).titles.get(node["criterion_id"])
        node.replace_self([nodes.emphasis(text=f" (official title: {title})")] if title else [])
    for node in list(doctree.findall(framework_view)):
        node.replace_self(_view(app, page, node["framework"]))


def _view(app: Sphinx, page: str, framework: str) -> list[nodes.Node]:
    known = catalog(framework)
    rows = [framework_report(app).criteria[c.id] for c in known.criteria]
    about = nodes.paragraph(
        text=f"{known.name}, {known.edition}. Published by {known.published}. The "
        "descriptions are the project's own summaries; the standard's text is its "
        "publisher's."
    )
    categories = []
    for category, name in known.categories:
        of = [r for r in rows if r.criterion.category == category]
        mapped = [r for r in of if r.state != NO_RULE]
        categories.append((category, name, len(of), len(mapped), _percent(len(mapped), len(of))))
    figures = CATEGORIES.table(app, page, categories, ["anchor-framework-categories"])
    refs = criterion_refs(app)
    table = CRITERIA.table(
        app,
        page,
        [criterion_recipe(framework, r, refs[r.criterion.id]) for r in rows],
        ["anchor-framework-criteria", "anchor-sortable"],
    )
    unmapped = [r.criterion.id for r in rows if r.state == NO_RULE]
    gaps = nodes.paragraph(
        text=f"No rule maps to {counted(len(unmapped), 'criterion', 'criteria')}"
        + (f": {', '.join(unmapped)}." if unmapped else ".")
    )
    return [about, figures, table, gaps]


#: A category's figures: (category, name, criteria, with a rule, coverage).
CATEGORIES = View(
    "Categories",
    (
        Column(0, "Category"),
        Column(1, "Name"),
        Column(2, "Criteria"),
        Column(3, "With a rule"),
        Column(4, "Coverage"),
    ),
)


def _percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f}%" if whole else "—"


def criterion_refs(app: Sphinx) -> dict:
    """Each criterion as a link shows it: its need, or its ID alone where no page
    of the project lists its framework."""
    refs = trace_report(app).refs
    return {
        c.id: refs.get(criterion_need_id(c.id), (c.id, "", c.description))
        for f in FRAMEWORKS
        for c in catalog(f).criteria
    }


def criteria_rows(app: Sphinx) -> list[list[object]]:
    """Every criterion of every framework, with its rules and state."""
    refs = criterion_refs(app)
    report_ = framework_report(app)
    return CRITERIA.rows(
        criterion_recipe(f, report_.criteria[c.id], refs[c.id])
        for f in FRAMEWORKS
        for c in catalog(f).criteria
    )


def setup_criteria(app: Sphinx) -> None:
    app.add_node(framework_view)
    app.add_node(criterion_title)
    app.add_directive("framework", FrameworkDirective)
    app.connect(RESOLVE_EVENT, _resolve)


def declare_criteria_exports(app: Sphinx) -> None:
    add_sheet(app, CRITERIA.name, criteria_rows)
    add_export(app, CRITERIA_CSV, lambda app: csv_bytes(criteria_rows(app)), "criteria as CSV")
