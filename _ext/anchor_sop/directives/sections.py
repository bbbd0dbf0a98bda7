"""The landing page's grid of section cards.

The order of the manual's sections is stated once: the first toctree of the
landing page. ``section-cards`` renders that toctree as a sphinx-design grid of
cards, each with the section's title (a link) and the ``summary`` from the
section page's front matter::

    <container design_component="grid-container">
        <container design_component="grid-row" classes="sd-row sd-row-cols-1 ...">
            <container design_component="grid-item">
                <container design_component="card">
                    <container design_component="card-body">
                        <paragraph classes="sd-card-title"> <reference> title
                        <paragraph> summary

Titles and summaries belong to other pages, so the grid is built when the page
is written (``section_cards`` is a placeholder until then).
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode
from sphinx_design.shared import create_component

from ..diagnostics import report
from ..render import RESOLVE_EVENT
from ..store import EVERYTHING, doc_store


class section_cards(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for the cards of the sections in this page's toctree."""


class SectionCardsDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        doc_store(self.env, self.env.docname).shows = EVERYTHING
        node = section_cards()
        self.set_source_info(node)
        return [node]


def _card(app: Sphinx, fromdocname: str, docname: str) -> nodes.Node:
    env = app.env
    title = env.titles[docname].astext()
    link = make_refnode(app.builder, fromdocname, docname, "", nodes.Text(title))
    summary = env.metadata[docname].get("summary", "")
    body = create_component(
        "card-body",
        ["sd-card-body"],
        children=[
            nodes.paragraph("", "", link, classes=["sd-card-title", "sd-font-weight-bold"]),
            nodes.paragraph(text=summary, classes=["sd-card-text"]),
        ],
    )
    card = create_component(
        "card",
        ["sd-card", "sd-sphinx-override", "sd-w-100", "sd-shadow-sm", "anchor-section-card"],
        children=[body],
    )
    return create_component("grid-item", ["sd-col", "sd-d-flex-row"], children=[card])


def note_sections(_app: Sphinx, doctree: nodes.document) -> None:
    """Record on each placeholder the documents of the page's first toctree."""
    toctree = next(iter(doctree.findall(addnodes.toctree)), None)
    for node in doctree.findall(section_cards):
        node["sections"] = toctree["includefiles"] if toctree is not None else []


def resolve_section_cards(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    for node in list(doctree.findall(section_cards)):
        sections = node["sections"]
        if not sections:
            report(
                node,
                "no_sections",
                "The section cards have no sections to show",
                "put a toctree of the section pages on the same page",
            )
        for docname in sections:
            if not app.env.metadata[docname].get("summary"):
                report(
                    node,
                    "missing_summary",
                    f"The section page {docname!r} has no summary for its card",
                    f"add 'summary: <one sentence>' to the front matter of {docname}",
                )
        row = create_component(
            "grid-row",
            ["sd-row", "sd-row-cols-1", "sd-row-cols-sm-2", "sd-row-cols-md-3", "sd-g-3"],
            children=[_card(app, fromdocname, name) for name in sections],
        )
        grid = create_component(
            "grid-container",
            ["sd-container-fluid", "sd-sphinx-override", "sd-mb-4", "anchor-sections"],
            children=[row],
        )
        node.replace_self(grid)


def setup_sections(app: Sphinx) -> None:
    app.add_node(section_cards)
    app.add_directive("section-cards", SectionCardsDirective)
    app.connect("doctree-read", note_sections)
    app.connect(RESOLVE_EVENT, resolve_section_cards)
