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
document has been read, so :mod:`anchor_sop.traceability.links` replaces it when the page
is written.

Every such placeholder of the extension is replaced on ``RESOLVE_EVENT``,
which :class:`ResolvePlaceholders` emits as a post-transform: before the
theme's own post-transforms (furo wraps tables so they scroll), which
``doctree-resolved`` would come too late for.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from functools import partial
from typing import NamedTuple

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective
from sphinx_design.badges_buttons import create_bdg_classes, sd_badge

from .model import STATE_COLORS, shown_id
from .state import build_state, env_state

RESOLVE_EVENT = "anchor-sop-resolve"


class ResolvePlaceholders(SphinxPostTransform):
    """Emit ``RESOLVE_EVENT`` (document, docname) so each placeholder is replaced."""

    default_priority = 400

    def run(self, **_kwargs) -> None:
        self.env.events.emit(RESOLVE_EVENT, self.document, self.env.docname)


def setup_render(app: Sphinx) -> None:
    app.add_event(RESOLVE_EVENT)
    app.add_post_transform(ResolvePlaceholders)
    app.add_post_transform(ExpandTableRows)


def skip_node(_translator, _node) -> None:
    """A visitor for the builders a node writes nothing in."""
    raise nodes.SkipNode


def add_html_node(app: Sphinx, node: type[nodes.Element], visit_html) -> None:
    """Register ``node``: ``visit_html`` writes it in HTML; other builders skip it."""
    skipped = {builder: (skip_node, None) for builder in ("text", "latex", "man", "texinfo")}
    app.add_node(node, html=(visit_html, None), **skipped)


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


#: ``env.temp_data`` key: the need directives whose body is being parsed, outermost
#: first (a need written inside one of them is a fence left open).
OPEN_NEEDS = "anchor_sop_open_needs"


def need_body(directive: SphinxDirective, start: int = 0) -> nodes.container:
    """The directive's content (from its ``start``-th line), parsed as the page's own
    markup."""
    body = nodes.container(classes=["anchor-need-body"])
    open_needs = directive.env.temp_data.setdefault(OPEN_NEEDS, [])
    open_needs.append(directive)
    try:
        directive.state.nested_parse(
            directive.content[start:], directive.content_offset + start, body
        )
    finally:
        open_needs.pop()
    return body


#: ``env.temp_data`` key: the page's sections are inside a need whose fence is not
#: closed (reported there once; the page's structure is not checked again).
SECTIONS_SWALLOWED = "anchor_sop_sections_swallowed"


def enclosing_need(directive: SphinxDirective) -> SphinxDirective | None:
    """The need directive whose body ``directive`` is written in, if any."""
    open_needs = directive.env.temp_data.get(OPEN_NEEDS)
    return open_needs[-1] if open_needs else None


def placeholder(
    directive: SphinxDirective, need_id: str, link: str, label: str, empty: str
) -> trace_list:
    """Where the needs linked through ``link`` will be listed.

    With none linked, ``empty`` is shown instead, or nothing when it is "".
    """
    node = trace_list(need_id=need_id, link=link, label=label, empty=empty)
    directive.set_source_info(node)
    return node


class table_rows(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """The body rows of a table, kept out of the document tree.

    ``rows`` holds a :class:`TableRow` per row; ``page`` is the page the rows
    were made for. The only child is the text of every cell, for the search
    index. Where a speedup says so (:attr:`anchor_sop.state.EnvState.writes_rows`)
    the HTML writer writes the rows straight from ``rows``; otherwise, and for
    every other format, :class:`ExpandTableRows` makes them docutils rows, the same
    HTML. A view of 10,000 rows is then one node to every post-transform
    instead of 150,000.
    """


class TableRow(NamedTuple):
    """One body row: its cells, made when it is written, or the HTML the last build kept."""

    #: ``(view name, recipe)`` for a row made from a recipe (a speedup may keep its
    #: HTML for the next build: :attr:`anchor_sop.state.Seams.kept_rows`); ``None`` for
    #: a row that is not kept.
    key: Hashable | None
    #: Makes the row's cells, a paragraph each; ``None`` for a kept row.
    cells: Callable[[], list[nodes.paragraph]] | None
    #: The kept HTML, when ``cells`` is ``None``.
    html: str | None
    #: Each text of the cells, for the search index.
    texts: tuple[str, ...]


def simple_table(
    headers: list[str], rows: list[list[nodes.Node]], classes: list[str]
) -> nodes.table:
    """A table with a header row; each cell holds one node (text, link, badge)::

    <table classes=...>
        <tgroup cols=N>
            <colspec colwidth=1> (N times)
            <thead> <row> <entry> <paragraph> header (N times)
            <tbody>
                <table_rows rows=[TableRow(cells=() -> [<paragraph> cell, ...]), ...]>
                    <Text> the cells' text
    """
    made = []
    for cells in rows:
        paragraphs = _paragraphs(cells)
        # a partial, not a closure: a directive's table is pickled with its page
        made.append(TableRow(None, partial(list, paragraphs), None, _texts(paragraphs)))
    return _table(headers, made, classes, page="")


def recipe_table(
    app: Sphinx,
    page: str,
    name: str,
    headers: list[str],
    make_cells: Callable[[Sphinx, str, tuple], list[nodes.Node]],
    recipes: Iterable[tuple],
    classes: list[str],
) -> nodes.table:
    """A :func:`simple_table` whose rows ``make_cells(app, page, recipe)`` makes;
    ``name`` names the table's kind (a view's name) among the page's kept rows.

    A recipe holds plain values only and is all ``make_cells`` reads: a row
    whose recipe the last build of ``page`` wrote is taken as it wrote it.
    The others are made here for their text (the search index reads it before
    the page is written) and again when written, so the rows of a view never
    all exist as nodes at once (in a large project the matrix and reverse
    views were the build's peak of memory, held until their pages were written).
    """
    kept = build_state(app).seams.kept_rows(app, page)
    rows = []
    for recipe in recipes:
        key = (name, recipe)
        if key in kept:
            html, texts = kept[key]
            rows.append(TableRow(key, None, html, texts))
            continue
        cells = partial(_recipe_cells, make_cells, app, page, recipe)
        rows.append(TableRow(key, cells, None, _texts(cells())))
    return _table(headers, rows, classes, page)


def _recipe_cells(make_cells, app: Sphinx, page: str, recipe: tuple) -> list[nodes.paragraph]:
    return _paragraphs(make_cells(app, page, recipe))


def _paragraphs(cells: list[nodes.Node]) -> list[nodes.paragraph]:
    return [nodes.paragraph("", "", cell) for cell in cells]


def _texts(paragraphs: list[nodes.paragraph]) -> tuple[str, ...]:
    # each text apart, as the search index would have met them in the rows
    return tuple(t.astext() for cell in paragraphs for t in cell.findall(nodes.Text))


def _table(headers: list[str], rows: list[TableRow], classes: list[str], page: str) -> nodes.table:
    tgroup = nodes.tgroup(cols=len(headers))
    tgroup += [nodes.colspec(colwidth=1) for _ in headers]
    head = nodes.row()
    head += [nodes.entry("", nodes.paragraph(text=h)) for h in headers]
    tgroup += nodes.thead("", head)
    text = "\n".join(t for row in rows for t in row.texts)
    tgroup += nodes.tbody("", table_rows("", nodes.Text(text), rows=rows, page=page))
    return nodes.table("", tgroup, classes=classes)


class ExpandTableRows(SphinxPostTransform):
    """Make :class:`table_rows` docutils rows, where HTML is not written from them."""

    default_priority = 450  # after the placeholders' tables are made (400)

    def run(self, **_kwargs) -> None:
        if env_state(self.env).writes_rows:
            return  # written by the HTML translator (the tables speedup), kept rows included
        for node in list(self.document.findall(table_rows)):
            rows = []
            for table_row in node["rows"]:
                row = nodes.row()
                row += [nodes.entry("", cell) for cell in table_row.cells()]
                rows.append(row)
            node.replace_self(rows)


def link_to(
    app: Sphinx, fromdocname: str, docname: str, target_id: str, child: nodes.Node, title=None
) -> nodes.reference:
    """A link to the element ``target_id`` of ``docname``, from ``fromdocname``.

    Sphinx's ``make_refnode``, with the relative address of each pair of pages
    computed once (a view links thousands of needs on a few hundred pages).
    """
    if app.builder.name == "singlehtml":
        # every page is on one page; the address would be "#document-x#target"
        fromdocname = docname
    node = nodes.reference("", "", internal=True)
    if fromdocname == docname and target_id:
        node["refid"] = target_id
    else:
        uri = _relative_uri(app, fromdocname, docname)
        node["refuri"] = f"{uri}#{target_id}" if target_id else uri
    if title:
        node["reftitle"] = title
    node += child
    return node


def _relative_uri(app: Sphinx, fromdocname: str, docname: str) -> str:
    uris = build_state(app).uris
    if (fromdocname, docname) not in uris:
        uris[fromdocname, docname] = app.builder.get_relative_uri(fromdocname, docname)
    return uris[fromdocname, docname]


#: A need as a link to it shows it: its ID, its page and its title. Plain values (a
#: row recipe holds them) in a plain tuple: a view's kept rows hold one per need, and
#: a named tuple is pickled and unpickled through a Python call per object.
NeedRef = tuple[str, str, str]


def need_ref(need) -> NeedRef:
    return (shown_id(need["id"]), need["docname"], need["title"])


def id_link(app: Sphinx, fromdocname: str, need: NeedRef) -> nodes.reference:
    """A link to ``need`` shown as its ID badge (its title as the tooltip)."""
    need_id, docname, title = need
    return link_to(app, fromdocname, docname, need_id, id_badge(need_id), title)


def need_reference(app: Sphinx, fromdocname: str, need: NeedRef) -> nodes.Node:
    """A link to ``need``: its ID badge, then its title."""
    need_id, docname, title = need
    content = nodes.inline(
        "", "", id_badge(need_id), nodes.inline("", " " + title, classes=["anchor-ref-title"])
    )
    return link_to(app, fromdocname, docname, need_id, content, title)
