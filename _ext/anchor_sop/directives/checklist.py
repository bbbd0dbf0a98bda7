"""Checklists and their items.

``checklist`` carries its own metadata (owner, last reviewed, status, ID
prefix) and holds ``item`` directives. Each item is a need of type ``item``
that links to the rules it verifies. The checklist renders as::

    <container classes="anchor-checklist">
        <container design_component="card"> metadata (see documents.py)
        <checklist_controls total="15">          progress and reset (HTML only)
        <run_form prefix="ONB" ...>               recording a run (evidence/runform.py)
        <enumerated_list classes="anchor-checklist-items">
            <list_item ids="ONB-01" classes="anchor-need anchor-item">
                <paragraph classes="anchor-need-title">
                    <check_label need_id="ONB-01"> badge, title
                    <reference classes="headerlink">
                <container classes="anchor-need-body"> acceptance criteria
                <trace_list link="verifies" label="Verifies">

``check_label`` is a checkbox and its label in HTML, ``[ ]`` in text and a
box in LaTeX; ticks are kept per page in the reader's browser (static/anchor-sop.js).
"""

from __future__ import annotations

import re
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from ..diagnostics import report
from ..documents import DocumentDirective, document_fields
from ..evidence.runform import run_form
from ..model import ITEM, VERIFIES
from ..model.kinds import CHECKLIST_RUN, MANAGED_SYSTEM_KIND
from ..needs_model import check_need_id, create_need, replace_need_directive
from ..render import add_html_node, id_badge, need_body, permalink, placeholder
from ..store import doc_store, records_of

#: ``env.temp_data`` key of the checklist whose items are being read.
CURRENT_CHECKLIST = "anchor_sop_checklist"
#: The page's last checklist so far: its title, the colons of its fence, its line.
LAST_CHECKLIST = "anchor_sop_last_checklist"
#: The first item of that checklist fenced with as many colons as the checklist or
#: more, whose closing fence then closes the checklist: (line, ID or title, colons).
LONG_ITEM_FENCE = "anchor_sop_long_item_fence"
#: Set once a page's items were reported for standing outside every checklist.
OUTSIDE_REPORTED = "anchor_sop_outside_reported"


def fence_colons(directive: SphinxDirective) -> int:
    """How many colons open the directive's fence (0 for a backtick fence)."""
    first = directive.block_text.lstrip()
    return len(first) - len(first.lstrip(":"))


class check_label(nodes.Inline, nodes.Element):  # noqa: N801 (docutils node naming)
    """A checkbox labelled by its children."""


class checklist_controls(nodes.General, nodes.Element):  # noqa: N801
    """Progress and reset button of a checklist (interactive, so HTML only)."""


class ChecklistDirective(DocumentDirective):
    """An ordered checklist with its own metadata."""

    kind = "checklist"
    takes_prefix = True
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict] = {
        **DocumentDirective.option_spec,
        "id-prefix": directives.unchanged,
        "sign-off": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        title = self.arguments[0]
        record = self.read_record(title)
        record.sign_off = "sign-off" in self.options
        checklist = nodes.container(classes=["anchor-checklist"])
        self.set_source_info(checklist)
        checklist += nodes.rubric(text=title, classes=["anchor-checklist-title"])
        checklist += self.header(record)

        self.env.temp_data[CURRENT_CHECKLIST] = record
        self.env.temp_data[LAST_CHECKLIST] = (title, fence_colons(self), self.lineno)
        self.env.temp_data.pop(LONG_ITEM_FENCE, None)
        try:
            parsed = nodes.Element()
            self.state.nested_parse(self.content, self.content_offset, parsed)
        finally:
            del self.env.temp_data[CURRENT_CHECKLIST]

        items = nodes.enumerated_list(
            enumtype="arabic", prefix="", suffix=".", classes=["anchor-checklist-items"]
        )
        for child in parsed.children:
            if isinstance(child, nodes.list_item):
                items += child
            else:
                # kept, in place before the list, so nothing the author wrote is lost
                checklist += child
                if not isinstance(child, nodes.system_message | nodes.comment):
                    report(
                        child,
                        "not_an_item",
                        f"The checklist {title!r} holds something that is not an item",
                        "write each step as an 'item' directive; put other text "
                        "before or after the checklist",
                    )
        if not len(items):
            report(
                (self.env.docname, self.lineno),
                "empty_checklist",
                f"The checklist {title!r} has no items",
                "add 'item' directives to it, one per step",
            )
            return [checklist]
        checklist += checklist_controls(total=len(items))
        if record.prefix:
            # a run is recorded for a managed system, numbered after the last run
            checklist += run_form(prefix=record.prefix, title=title, sign_off=record.sign_off)
            store = doc_store(self.env, self.env.docname)
            store.follows = store.follows | {
                records_of(MANAGED_SYSTEM_KIND.directive),
                records_of(CHECKLIST_RUN.directive),
            }
        checklist += items
        return [checklist]


class ItemDirective(SphinxDirective):
    """One checklist step: a need of type ``item``."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict] = {
        "id": directives.unchanged,
        VERIFIES: directives.unchanged,
    }

    def _report_outside(self, name: str) -> None:
        """Report the first item outside every checklist; where a fence closed the
        checklist before it, at that fence, which is the mistake."""
        last = self.env.temp_data.get(LAST_CHECKLIST)
        long_item = self.env.temp_data.get(LONG_ITEM_FENCE)
        if last is not None and long_item is not None and last[1] > 3:
            title, outer, _line = last
            lineno, cause, colons = long_item
            report(
                (self.env.docname, lineno),
                "item_outside_checklist",
                f"The item {cause!r} is fenced with {':' * colons}, as many colons as its "
                f"checklist {title!r} or more, so its closing fence closed the checklist, and "
                f"the items after it, from {name!r}, are outside",
                f"open and close the item {cause!r} with {':' * (outer - 1)}, fewer colons "
                "than the checklist",
            )
        elif last is not None and long_item is not None:
            title, outer, lineno = last
            colons = long_item[2]
            report(
                (self.env.docname, lineno),
                "item_outside_checklist",
                f"The checklist {title!r} is fenced with {':' * outer}, no more colons than "
                f"its items ({':' * colons}), so its first item's closing fence closed it, "
                f"and the items after that one, from {name!r}, are outside",
                f"open and close the checklist with {':' * (colons + 1)}, one colon more than "
                "its items",
            )
        else:
            report(
                (self.env.docname, self.lineno),
                "item_outside_checklist",
                f"The item {name!r} is not inside a checklist",
                "nest it in a 'checklist' directive",
            )

    def run(self) -> list[nodes.Node]:
        title = self.arguments[0]
        need_id = self.options.get("id", "").strip()
        checklist = self.env.temp_data.get(CURRENT_CHECKLIST)
        colons = fence_colons(self)
        if checklist is not None and colons >= self.env.temp_data[LAST_CHECKLIST][1]:
            self.env.temp_data.setdefault(LONG_ITEM_FENCE, (self.lineno, need_id or title, colons))
        if checklist is None and not self.env.temp_data.get(OUTSIDE_REPORTED):
            # one mistake, one warning: the first item outside stands for the others
            self.env.temp_data[OUTSIDE_REPORTED] = True
            self._report_outside(need_id or title)
        verifies = [v for v in re.split(r"[\s,]+", self.options.get(VERIFIES, "")) if v]
        item = nodes.list_item(classes=["anchor-need", "anchor-item"])
        self.set_source_info(item)
        prefix = checklist.prefix if checklist is not None else None
        if check_need_id((self.env.docname, self.lineno), need_id, prefix, "checklist item"):
            fields = {VERIFIES: verifies}
            fields.update(document_fields(checklist))
            need_nodes = create_need(self, ITEM, need_id, title, **fields)
            if need_nodes is not None:
                item["ids"] = [need_id]
                item += need_nodes
        title_nodes, messages = self.state.inline_text(title, self.lineno)
        label = check_label(
            "",
            id_badge(need_id or "no ID"),
            nodes.Text(" "),
            *title_nodes,
            need_id=need_id,
        )
        heading = nodes.paragraph("", "", label, *messages, classes=["anchor-need-title"])
        if item["ids"]:
            heading += permalink(need_id)
        item += heading
        if self.content:
            item += need_body(self)
        if item["ids"]:
            item += placeholder(self, need_id, VERIFIES, "Verifies", "No rule.")
        return [item]


def visit_check_label_html(self, node: check_label) -> None:
    self.body.append(self.starttag(node, "label", "", CLASS="anchor-check"))
    self.body.append(
        '<input type="checkbox" class="anchor-check-input" data-item="'
        f'{self.attval(node["need_id"])}"> '
    )


def depart_check_label_html(self, _node: check_label) -> None:
    self.body.append("</label>")


def visit_check_label_text(self, _node: check_label) -> None:
    self.add_text("[ ] ")


def visit_check_label_latex(self, _node: check_label) -> None:
    self.body.append(r"$\square$~")


def visit_controls_html(self, node: checklist_controls) -> None:
    total = node["total"]
    self.body.append(
        '<div class="anchor-checklist-controls">'
        f'<span class="anchor-progress" role="status">{total} item{"s" * (total != 1)}</span> '
        '<button type="button" class="anchor-reset">Reset checklist</button></div>\n'
    )
    raise nodes.SkipNode


def no_markup(_self, _node) -> None:
    """Render the children only."""


def setup_checklist(app: Sphinx) -> None:
    app.add_node(
        check_label,
        html=(visit_check_label_html, depart_check_label_html),
        text=(visit_check_label_text, no_markup),
        latex=(visit_check_label_latex, no_markup),
        man=(no_markup, no_markup),
        texinfo=(no_markup, no_markup),
    )
    add_html_node(app, checklist_controls, visit_controls_html)
    app.add_directive("checklist", ChecklistDirective)
    replace_need_directive(app, ITEM, ItemDirective)
