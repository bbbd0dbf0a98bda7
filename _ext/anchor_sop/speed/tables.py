"""Tables and trace lists written by the HTML translator, not as docutils nodes.

- The body rows of the project's tables (:class:`anchor_sop.render.table_rows`)
  are written straight from their cells, with the translator's own visitors:
  the HTML docutils rows would give, without walking 10,000 rows of nodes.
  Rows made from a recipe are kept for the next build
  (:mod:`anchor_sop.speed.rowcache`), which writes the unchanged ones as kept.
  Without this speedup, :class:`anchor_sop.render.ExpandTableRows` makes them
  docutils rows: the same HTML (a test compares the pages).
- Nodes made when written (:class:`made_when_written`, the trace lists) are
  made and written by the translator, in the process that writes the page: in
  a ``-j`` build the main process resolves every page and a worker writes it.

It reaches into docutils' and Sphinx's HTML translator (its visitor lookup,
``starttag``, its row counter) and sphinx-design's badge node.
"""

from __future__ import annotations

from collections.abc import Callable

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.writers.html5 import HTML5Translator
from sphinx_design.badges_buttons import sd_badge

from .. import render
from ..state import build_state, env_state
from .rowcache import keep_rows, kept_rows
from .switch import is_on


class made_when_written(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Nodes the HTML writer makes as it writes the page: ``make()`` returns them.

    The only child is their text, for the search index, which Sphinx feeds
    before the page is written. Every post-transform and ``doctree-resolved``
    handler walks one node instead of theirs.
    """


def made_when_written_now(
    _app: Sphinx, make: Callable[[], list[nodes.Node]], text: str
) -> list[nodes.Node]:
    """The node that makes ``make``'s nodes as the HTML translator writes the page."""
    return [made_when_written("", nodes.Text(text), make=make)]


#: Elements the translator writes as ``starttag(node, tag, "")``, children, ``</tag>``
#: when they carry no id and no attribute but their classes.
PLAIN_TAGS = {nodes.inline: "span", sd_badge: "span", nodes.strong: "strong"}
BASIC = set(nodes.Element.basic_attributes)


def visit_table_rows(self: HTML5Translator, node: render.table_rows) -> None:
    """Write each row as ``visit_row``/``visit_entry``/``visit_paragraph`` would."""
    handlers: dict[type, tuple] = {}
    start_tags: dict[tuple, str] = {}

    def write(element: nodes.Node) -> None:
        tag = _plain_tag(self, element)
        if tag is not None:
            # its start tag depends on its classes alone: made once per set of classes
            key = (tag, *element["classes"])
            if key not in start_tags:
                start_tags[key] = self.starttag(element, tag, "")
            self.body.append(start_tags[key])
            for child in element.children:
                write(child)
            self.body.append(f"</{tag}>")
            return
        kind = type(element)
        if kind not in handlers:
            handlers[kind] = (_handler(self, kind, "visit"), _handler(self, kind, "depart"))
        visit, depart = handlers[kind]
        try:
            visit(element)
        except nodes.SkipNode:
            return
        for child in element.children:
            write(child)
        depart(element)

    index = self._table_row_indices[-1]
    kept = {}
    for row in node["rows"]:
        index += 1  # the translator counts the header row too
        self.body.append(f'<tr class="row-{"odd" if index % 2 else "even"}">')
        start = len(self.body)
        if row.cells is None:
            self.body.append(row.html)
        else:
            for cell in row.cells():
                self.body.append("<td>" + self.starttag(cell, "p", ""))
                for child in cell.children:
                    write(child)
                self.body.append("</p></td>\n")
        if row.key is not None:
            kept[row.key] = ("".join(self.body[start:]), row.texts)
        self.body.append("</tr>\n")
    self._table_row_indices[-1] = index
    if kept:
        # every kept row of the page so far: its other tables may keep rows too
        page_rows = vars(self).setdefault("anchor_kept_rows", {}).setdefault(node["page"], {})
        page_rows.update(kept)
        keep_rows(self.builder, node["page"], page_rows)
    raise nodes.SkipNode


def visit_made_when_written(self: HTML5Translator, node: made_when_written) -> None:
    """Make the nodes, put them in the node's place, write them, then cut them apart.

    Written, they are garbage; cut apart, each is freed at once instead of at
    the collector's next full pass, which is rare in a ``-j`` worker (it
    starts as a copy of the main process), which would raise the build's peak
    of memory.
    """
    made = node["make"]()
    node.replace_self(made)
    for child in made:
        child.walkabout(self)
        cut_apart(child)
    raise nodes.SkipNode


def cut_apart(element: nodes.Element) -> None:
    """Drop every parent and child link below ``element``: no cycles are left."""
    for descendant in list(element.findall(nodes.Element, include_self=False)):
        descendant.parent = None
        descendant.children = []
    element.children = []


def _plain_tag(translator: HTML5Translator, element: nodes.Node) -> str | None:
    tag = PLAIN_TAGS.get(type(element))
    if (
        tag is None
        or element["ids"]
        or not element.attributes.keys() <= BASIC
        # an inline of class "del", "kbd", ... becomes that element; in code, <code>
        or not translator.supported_inline_tags.isdisjoint(element["classes"])
        or isinstance(element.parent, nodes.literal | nodes.literal_block)
    ):
        return None
    return tag


def _handler(translator: HTML5Translator, kind: type, action: str):
    """The translator's ``visit_``/``depart_`` method for ``kind``, as Sphinx finds it."""
    for base in kind.__mro__:
        method = getattr(translator, f"{action}_{base.__name__}", None)
        if method is not None:
            return method
    return getattr(translator, f"unknown_{'departure' if action == 'depart' else 'visit'}")


def _plug_in(app: Sphinx) -> None:
    """Replace the stock seams in an HTML builder when the speedup is on."""
    if is_on(app, "tables") and app.builder.format == "html":
        env_state(app.env).writes_rows = True
        seams = build_state(app).seams
        seams.kept_rows = kept_rows
        seams.made_when_written = made_when_written_now


def setup_tables(app: Sphinx) -> None:
    # only ever met where the speedup is on: off, the nodes are made docutils nodes
    app.add_node(render.table_rows, html=(visit_table_rows, None))
    app.add_node(made_when_written, html=(visit_made_when_written, None))
    app.connect("builder-inited", _plug_in)
