"""Templates: pages that give a document's skeleton and a filled example.

``template`` declares the page's metadata (owner, last reviewed, status) and
renders the header card (see :mod:`anchor_sop.documents`). A template page has
three sections, in this order, which the directive checks once the page is
read::

    ## When to use this template
    ## Template      (the skeleton, with <placeholders>)
    ## Example       (the skeleton filled in)
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from ..diagnostics import report
from ..documents import DocumentDirective, page_title

TEMPLATE_SECTIONS = ("When to use this template", "Template", "Example")


class template_marker(nodes.General, nodes.Element):  # noqa: N801
    """Marks a template page so its sections can be checked once it is read."""


class TemplateDirective(DocumentDirective):
    kind = "template"

    def run(self) -> list[nodes.Node]:
        record = self.read_record(page_title(self))
        marker = template_marker()
        self.set_source_info(marker)
        return [*self.header(record), marker]


def check_template_sections(_app: Sphinx, doctree: nodes.document) -> None:
    for marker in list(doctree.findall(template_marker)):
        titles = [
            section[0].astext()
            for section in doctree.findall(nodes.section)
            if section[0].astext() in TEMPLATE_SECTIONS
        ]
        if tuple(titles) != TEMPLATE_SECTIONS:
            report(
                marker,
                "template_sections",
                f"The template has the sections {titles or 'none'} of {list(TEMPLATE_SECTIONS)}",
                "give it exactly these three headings, in this order",
            )
        marker.parent.remove(marker)


def setup_template(app: Sphinx) -> None:
    app.add_node(template_marker)
    app.add_directive("template", TemplateDirective)
    app.connect("doctree-read", check_template_sections)
