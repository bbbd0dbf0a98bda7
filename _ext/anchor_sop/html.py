"""HTML details the stock theme and translator get wrong or leave out.

- Header cells get a ``scope``: ``col`` in a table head, ``row`` in a stub
  column, so that screen readers announce which header a data cell belongs to.
- furo wraps each table in a scrolling ``div`` and copies the table's
  attributes onto it, ids included: the same id twice on the page. The id is
  kept on the table alone.
- sphinx-needs gives the container of each need it renders itself (a
  ``needextract``, a stock need directive) a random ``uuid4`` id, so two builds
  of the same sources differ. The id is made from the need's ID instead.
- The body rows of the project's tables (:class:`anchor_sop.render.table_rows`)
  are written straight from their cells, with the translator's own visitors:
  the HTML docutils rows would give, without walking 10,000 rows of nodes.
  Rows made from a recipe are kept for the next build
  (:mod:`anchor_sop.rowcache`), which writes the unchanged ones as kept.
- Nodes made when written (:class:`anchor_sop.render.made_when_written`, the
  trace lists) are made and written by the translator, in the process that
  writes the page.
- The page templates are compiled once and cached beside the doctrees:
  Jinja would compile them again in every build process (a quarter of a
  second of each preview rebuild).

furo's sidebar navigation is fixed and written in :mod:`anchor_sop.navigation`.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from jinja2 import FileSystemBytecodeCache
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.writers.html5 import HTML5Translator
from sphinx_design.badges_buttons import sd_badge

from .render import made_when_written, table_rows
from .rowcache import keep_rows


class TableWrapperIds(SphinxPostTransform):
    """Drop the ids furo copies from a table onto its wrapper (runs after furo's)."""

    formats = ("html",)
    default_priority = 501

    def run(self, **_kwargs) -> None:
        for wrapper in self.document.findall(nodes.container):
            if "table-wrapper" in wrapper["classes"]:
                wrapper["ids"] = []


def stable_need_container_ids(_app: Sphinx, doctree: nodes.document, _docname: str) -> None:
    """Rename sphinx-needs' random ``SNCB-<uuid>`` container ids after the need shown."""
    taken: set[str] = set()
    for container in doctree.findall(nodes.container):
        if "need_container" not in container["classes"]:
            continue
        shown = next(
            (
                node["ids"][0]
                for node in container.findall(nodes.Element)
                if node is not container and node.get("ids")
            ),
            "need",
        )
        candidate, number = f"SNCB-{shown}", 1
        while candidate in taken:
            number += 1
            candidate = f"SNCB-{shown}-{number}"
        taken.add(candidate)
        container["ids"] = [candidate]


class AnchorHTMLTranslator(HTML5Translator):
    def visit_entry(self, node: nodes.entry) -> None:
        super().visit_entry(node)
        tag = self.body[-1]
        if tag.startswith("<th"):
            in_head = isinstance(node.parent.parent, nodes.thead)
            self.body[-1] = tag.replace("<th", f'<th scope="{"col" if in_head else "row"}"', 1)


#: Elements the translator writes as ``starttag(node, tag, "")``, children, ``</tag>``
#: when they carry no id and no attribute but their classes.
PLAIN_TAGS = {nodes.inline: "span", sd_badge: "span", nodes.strong: "strong"}
BASIC = set(nodes.Element.basic_attributes)


def visit_table_rows(self: HTML5Translator, node: table_rows) -> None:
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
    starts as a copy of the main process): at 20,000 needs the build's peak
    memory was ~50 MB higher without it.
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


def cache_compiled_templates(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is not None:
        cache = Path(app.doctreedir) / "jinja-cache"
        cache.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = FileSystemBytecodeCache(str(cache))


def setup_html(app: Sphinx) -> None:
    app.add_node(table_rows, html=(visit_table_rows, None))
    app.add_node(made_when_written, html=(visit_made_when_written, None))
    app.add_post_transform(TableWrapperIds)
    app.connect("builder-inited", cache_compiled_templates)
    # after sphinx-needs has rendered its needs (its handlers run at 500)
    app.connect("doctree-resolved", stable_need_container_ids, priority=600)
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, AnchorHTMLTranslator)
