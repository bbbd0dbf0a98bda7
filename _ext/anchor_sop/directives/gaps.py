"""Known gaps and planned pages: what the manual does not say yet.

``gap`` marks, where it is referenced, something the sources name but do not
define (e.g. a protocol or a schedule); it renders as an admonition and is
recorded. ``gap-list`` shows every recorded gap, with a link to where it was
marked. ``planned-pages`` lists pages the manual will have, from the
``anchor_planned_pages`` setting (one place), all of them or one section's::

    <admonition classes="anchor-gap"> <title> Documentation gap: <name> ...
    <bullet_list classes="anchor-gap-list"> name — text (where)
    <table classes="anchor-planned"> Page | Section
"""

from __future__ import annotations

from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from ..diagnostics import report
from ..render import RESOLVE_EVENT, link_to
from ..store import EVERYTHING, Gap, all_gaps, doc_store


class gap_list(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for the list of every gap, built when the page is written."""


class GapDirective(SphinxDirective):
    """A known gap, where it is referenced."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        if not self.content:
            report(
                (self.env.docname, self.lineno),
                "empty_gap",
                f"The gap {name!r} does not say what is missing",
                "write in its body what is referenced and not yet defined",
            )
        target_id = nodes.make_id(f"gap-{name}")
        text = " ".join(" ".join(self.content).split())
        doc_store(self.env, self.env.docname).gaps.append(
            Gap(name=name, text=text, docname=self.env.docname, target_id=target_id)
        )
        admonition = nodes.admonition(classes=["anchor-gap", "attention"], ids=[target_id])
        admonition += nodes.title(text=f"Documentation gap: {name}")
        self.state.nested_parse(self.content, self.content_offset, admonition)
        self.set_source_info(admonition)
        return [admonition]


class GapListDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        doc_store(self.env, self.env.docname).shows = EVERYTHING
        node = gap_list()
        self.set_source_info(node)
        return [node]


def resolve_gap_lists(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    for node in list(doctree.findall(gap_list)):
        items = nodes.bullet_list(classes=["anchor-gap-list"])
        for gap in all_gaps(app.env):
            where = link_to(
                app,
                fromdocname,
                gap.docname,
                gap.target_id,
                nodes.Text(app.env.titles[gap.docname].astext()),
            )
            items += nodes.list_item(
                "",
                nodes.paragraph(
                    "",
                    "",
                    nodes.strong(text=gap.name),
                    nodes.Text(f" — {gap.text} ("),
                    where,
                    nodes.Text(")"),
                ),
            )
        node.replace_self(items)


class PlannedPagesDirective(SphinxDirective):
    """The planned pages, all or those of one section (``:section: docname``)."""

    option_spec: ClassVar[dict] = {"section": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        section = self.options.get("section")
        planned = self.config.anchor_planned_pages
        known = {s for _page, s in planned}
        if section is not None and section not in known:
            report(
                (self.env.docname, self.lineno),
                "unknown_section",
                f"No planned page is in the section {section!r}",
                f"use one of {', '.join(sorted(known))}",
            )
        rows = [(page, s) for page, s in planned if section in (None, s)]
        items = nodes.bullet_list(classes=["anchor-planned"])
        for page, page_section in rows:
            paragraph = nodes.paragraph(text=page)
            if section is None:
                paragraph += nodes.Text(" — ")
                paragraph += _doc_link(self, f"{page_section}/index")
            items += nodes.list_item("", paragraph)
        return [items]


def _doc_link(directive: SphinxDirective, docname: str) -> nodes.Node:
    return pending_xref(
        "",
        nodes.inline(text=docname),
        refdomain="std",
        reftype="doc",
        reftarget=f"/{docname}",
        refexplicit=False,
        refwarn=True,
        refdoc=directive.env.docname,
    )


def check_planned_pages_exist(app: Sphinx, env: BuildEnvironment) -> None:
    """A planned page that now exists (a page has its title) is no longer planned."""
    titles = {env.titles[docname].astext(): docname for docname in sorted(env.titles)}
    for page, _section in app.config.anchor_planned_pages:
        if page in titles:
            report(
                (titles[page], 1),
                "planned_page_exists",
                f"The page {page!r} exists now, and is still listed as planned",
                f"remove ({page!r}, ...) from anchor_planned_pages in conf.py",
            )


def setup_gaps(app: Sphinx) -> None:
    app.add_config_value("anchor_planned_pages", [], "env", types=(list,))
    app.add_node(gap_list)
    app.add_directive("gap", GapDirective)
    app.add_directive("gap-list", GapListDirective)
    app.add_directive("planned-pages", PlannedPagesDirective)
    app.connect(RESOLVE_EVENT, resolve_gap_lists)
    app.connect("env-check-consistency", check_planned_pages_exist)
