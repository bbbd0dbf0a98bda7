"""HTML details the stock theme and translator get wrong or leave out.

- Header cells get a ``scope``: ``col`` in a table head, ``row`` in a stub
  column, so that screen readers announce which header a data cell belongs to.
- furo wraps each table in a scrolling ``div`` and copies the table's
  attributes onto it, ids included: the same id twice on the page. The id is
  kept on the table alone.
- sphinx-needs gives the container of each need it renders itself (a
  ``needextract``, a stock need directive) a random ``uuid4`` id, so two builds
  of the same sources differ. The id is made from the need's ID instead.

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


def cache_compiled_templates(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is not None:
        cache = Path(app.doctreedir) / "jinja-cache"
        cache.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = FileSystemBytecodeCache(str(cache))


def setup_html(app: Sphinx) -> None:
    app.add_post_transform(TableWrapperIds)
    app.connect("builder-inited", cache_compiled_templates)
    # after sphinx-needs has rendered its needs (its handlers run at 500)
    app.connect("doctree-resolved", stable_need_container_ids, priority=600)
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, AnchorHTMLTranslator)
