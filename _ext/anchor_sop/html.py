"""HTML details the stock theme and translator get wrong or leave out.

- Header cells get a ``scope``: ``col`` in a table head, ``row`` in a stub
  column, so that screen readers announce which header a data cell belongs to.
- furo wraps each table in a scrolling ``div`` and copies the table's
  attributes onto it, ids included: the same id twice on the page. The id is
  kept on the table alone.
- furo gives the sidebar's expand checkboxes ``role="switch"`` without the
  ``aria-checked`` that role requires; a plain checkbox already says whether it
  is checked, so the role is dropped. Its toctree captions are
  ``role="heading"`` without the required ``aria-level``: they get level 2.
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


def _plain_nav_checkboxes(_app, _pagename, _templatename, context, _doctree) -> None:
    tree = context.get("furo_navigation_tree")
    if tree:
        context["furo_navigation_tree"] = tree.replace(' role="switch"', "").replace(
            'class="caption" role="heading"', 'class="caption" role="heading" aria-level="2"'
        )


def setup_html(app: Sphinx) -> None:
    # after furo computes the navigation tree (its handler runs at 500)
    app.connect("html-page-context", _plain_nav_checkboxes, priority=600)
    app.add_post_transform(TableWrapperIds)
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, AnchorHTMLTranslator)
