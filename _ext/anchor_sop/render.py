"""Format-independent nodes shared by the need-rendering directives.

A need renders as::

    <container ids="BKP-03" classes="anchor-need anchor-rule">
        <paragraph classes="anchor-need-title">
            <sd_badge classes="sd-badge ... anchor-id"> BKP-03
            <strong> Retention
            <reference refid="BKP-03" classes="headerlink"> ¶
        <container classes="anchor-need-body"> ... the author's text ...
        <trace_list need_id="BKP-03" link="verifies_back" label="Verified by">

``trace_list`` is a placeholder: the links it shows are known only once every
document has been read, so :mod:`anchor_sop.trace` replaces it when the page
is written.

Every such placeholder of the extension is replaced on ``RESOLVE_EVENT``,
which :class:`ResolvePlaceholders` emits as a post-transform: before the
theme's own post-transforms (furo wraps tables so they scroll), which
``doctree-resolved`` would come too late for.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode
from sphinx_design.badges_buttons import create_bdg_classes, sd_badge

from .model import STATE_COLORS

RESOLVE_EVENT = "anchor-sop-resolve"


class ResolvePlaceholders(SphinxPostTransform):
    """Emit ``RESOLVE_EVENT`` (document, docname) so each placeholder is replaced."""

    default_priority = 400

    def run(self, **_kwargs) -> None:
        self.app.events.emit(RESOLVE_EVENT, self.document, self.env.docname)


def setup_render(app: Sphinx) -> None:
    app.add_event(RESOLVE_EVENT)
    app.add_post_transform(ResolvePlaceholders)


class trace_list(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Placeholder for the needs linked to ``need_id`` through ``link``."""


def badge(
    text: str, color: str, *classes: str, outline: bool = False, tooltip: str | None = None
) -> sd_badge:
    """A sphinx-design badge."""
    node = sd_badge(text, text, classes=[*create_bdg_classes(color, outline), *classes])
    if tooltip:
        node["tooltip"] = tooltip
    return node


def state_badge(state: str, *classes: str) -> sd_badge:
    """A badge for a status or state word, in its colour (an unknown one in danger's)."""
    return badge(state, STATE_COLORS.get(state, "danger"), *classes)


def id_badge(need_id: str) -> sd_badge:
    return badge(need_id, "primary", "anchor-id", outline=True)


def need_title(need_id: str, title: str, directive: SphinxDirective) -> list[nodes.Node]:
    """The ID badge and the title (inline markup allowed), for a need's heading."""
    title_nodes, messages = directive.state.inline_text(title, directive.lineno)
    return [
        id_badge(need_id),
        nodes.Text(" "),
        nodes.strong("", "", *title_nodes),
        *messages,
    ]


def permalink(need_id: str) -> nodes.reference:
    return nodes.reference(
        "", "¶", refid=need_id, classes=["headerlink"], reftitle=f"Link to {need_id}"
    )


def need_body(directive: SphinxDirective) -> nodes.container:
    """The directive's content, parsed as the page's own markup."""
    body = nodes.container(classes=["anchor-need-body"])
    directive.state.nested_parse(directive.content, directive.content_offset, body)
    return body


def placeholder(
    directive: SphinxDirective, need_id: str, link: str, label: str, empty: str
) -> trace_list:
    """Where the needs linked through ``link`` will be listed.

    With none linked, ``empty`` is shown instead, or nothing when it is "".
    """
    node = trace_list(need_id=need_id, link=link, label=label, empty=empty)
    directive.set_source_info(node)
    return node


def simple_table(
    headers: list[str], rows: list[list[nodes.Node]], classes: list[str]
) -> nodes.table:
    """A table with a header row; each cell holds one node (text, link, badge)."""
    tgroup = nodes.tgroup(cols=len(headers))
    tgroup += [nodes.colspec(colwidth=1) for _ in headers]
    head = nodes.row()
    head += [nodes.entry("", nodes.paragraph(text=h)) for h in headers]
    tgroup += nodes.thead("", head)
    body = nodes.tbody()
    for cells in rows:
        row = nodes.row()
        row += [nodes.entry("", nodes.paragraph("", "", cell)) for cell in cells]
        body += row
    tgroup += body
    return nodes.table("", tgroup, classes=classes)


def link_to(
    app: Sphinx, fromdocname: str, docname: str, target_id: str, child: nodes.Node, title=None
) -> nodes.reference:
    """A link to the element ``target_id`` of ``docname``, from ``fromdocname``."""
    if app.builder.name == "singlehtml":
        # every page is on one page; make_refnode would give "#document-x#target"
        fromdocname = docname
    return make_refnode(app.builder, fromdocname, docname, target_id, child, title)


def id_link(app: Sphinx, fromdocname: str, need) -> nodes.reference:
    """A link to ``need`` shown as its ID badge (its title as the tooltip)."""
    return link_to(
        app, fromdocname, need["docname"], need["id"], id_badge(need["id"]), need["title"]
    )


def need_reference(app: Sphinx, fromdocname: str, need) -> nodes.Node:
    """A link to ``need``: its ID badge, then its title."""
    content = nodes.inline("", "", id_badge(need["id"]), nodes.Text(" " + need["title"]))
    return link_to(app, fromdocname, need["docname"], need["id"], content, need["title"])
