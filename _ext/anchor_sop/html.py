"""HTML details the stock theme and translator get wrong or leave out.

- Header cells get a ``scope``: ``col`` in a table head, ``row`` in a stub
  column, so that screen readers announce which header a data cell belongs to.
- furo wraps each table in a scrolling ``div`` and copies the table's
  attributes onto it, ids included: the same id twice on the page. The id is
  kept on the table alone.

furo's sidebar navigation is fixed and written in :mod:`anchor_sop.navigation`.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.writers.html5 import HTML5Translator


class TableWrapperIds(SphinxPostTransform):
    """Drop the ids furo copies from a table onto its wrapper (runs after furo's)."""

    formats = ("html",)
    default_priority = 501

    def run(self, **_kwargs) -> None:
        for wrapper in self.document.findall(nodes.container):
            if "table-wrapper" in wrapper["classes"]:
                wrapper["ids"] = []


class AnchorHTMLTranslator(HTML5Translator):
    def visit_entry(self, node: nodes.entry) -> None:
        super().visit_entry(node)
        tag = self.body[-1]
        if tag.startswith("<th"):
            in_head = isinstance(node.parent.parent, nodes.thead)
            self.body[-1] = tag.replace("<th", f'<th scope="{"col" if in_head else "row"}"', 1)


def setup_html(app: Sphinx) -> None:
    app.add_post_transform(TableWrapperIds)
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, AnchorHTMLTranslator)
