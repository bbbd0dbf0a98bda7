"""HTML details the stock theme and translator get wrong or leave out.

- Header cells get a ``scope``: ``col`` in a table head, ``row`` in a stub
  column, so that screen readers announce which header a data cell belongs to.
- furo wraps each table in a scrolling ``div`` and copies the table's
  attributes onto it, ids included: the same id twice on the page. The id is
  kept on the table alone.
- sphinx-needs gives the container of each need it renders itself (a
  ``needextract``, a stock need directive) a random ``uuid4`` id, so two builds
  of the same sources differ. The id is made from the need's ID instead.
- furo's sidebar navigation gets valid ARIA: its expand checkboxes lose
  ``role="switch"``, which would require an ``aria-checked`` a checkbox does not
  need, and its captions (``role="heading"``) get the required ``aria-level``.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.writers.html5 import HTML5Translator

#: A caption of furo's navigation that has no ``aria-level`` yet.
_CAPTION_WITHOUT_LEVEL = re.compile(r'class="caption" role="heading"(?! aria-level)')


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


def valid_aria(tree: str) -> str:
    """furo's navigation with the ARIA fixes (see the module's docstring); a tree
    that has them already is returned as it is."""
    tree = tree.replace(' role="switch"', "")
    return _CAPTION_WITHOUT_LEVEL.sub('class="caption" role="heading" aria-level="2"', tree)


def _valid_navigation(_app: Sphinx, _pagename, _templatename, context, _doctree) -> None:
    # after furo (500) and the navigation speedup (600) have set the tree
    if "furo_navigation_tree" in context:
        context["furo_navigation_tree"] = valid_aria(context["furo_navigation_tree"])


def setup_html(app: Sphinx) -> None:
    app.add_post_transform(TableWrapperIds)
    # after sphinx-needs has rendered its needs (its handlers run at 500)
    app.connect("doctree-resolved", stable_need_container_ids, priority=600)
    app.connect("html-page-context", _valid_navigation, priority=700)
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, AnchorHTMLTranslator)
