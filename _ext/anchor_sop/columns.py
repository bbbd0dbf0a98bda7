"""Views declared once: a table's columns, from which its page table, sheet and CSV are made.

A :class:`View` is a name (its sheet's) and its columns. A :class:`Column`
has its header, how a cell shows on the page (``show``: a node) and what the
cell holds in a sheet or CSV (``export``: text or a number); both read the
row's *recipe*, a tuple of plain values (IDs, titles, states, a need as
:data:`~anchor_sop.render.NeedRef`), which is all a row shows. So the page
and the export cannot differ in a header or a column: a column only an export
carries (a page name, the policy the page shows as a heading) says so with
``on_page=False``.

Page tables are made with :func:`anchor_sop.render.recipe_table`, keyed by the
view's name and the recipe (a speedup may keep a row's HTML between builds)::

    MATRIX = View("Matrix", (NeedId(0, "Rule"), NeedTitle(0, "Title"), ...))
    MATRIX.table(app, page, recipes, classes=["anchor-sortable"])  # <table>
    MATRIX.rows(recipes)  # [["Rule", "Title", ...], ["BKP-01", "Daily backups", ...]]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from docutils import nodes
from sphinx.application import Sphinx

from .render import NeedRef, id_link, recipe_table, state_badge

#: What an empty cell shows on the page.
NONE = "—"


@dataclass(frozen=True)
class Column:
    """A column showing the value at ``at`` of each recipe as text ("—" for none)."""

    at: int
    header: str
    #: Whether the page shows it (else only the sheet and CSV carry it).
    on_page: bool = True

    def show(self, app: Sphinx, page: str, recipe: tuple) -> nodes.Node:
        """The cell on the page."""
        value = recipe[self.at]
        return nodes.Text(NONE if value in (None, "") else str(value))

    def export(self, recipe: tuple) -> object:
        """The cell in a sheet or CSV: text, or a number."""
        value = recipe[self.at]
        return "" if value is None else value


@dataclass(frozen=True)
class View:
    #: The view's name: its sheet's, and the key its kept rows are filed under.
    name: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def table(
        self, app: Sphinx, page: str, recipes: Iterable[tuple], classes: list[str]
    ) -> nodes.table:
        """The page's table (the columns on the page), a row per recipe."""
        shown = tuple(c for c in self.columns if c.on_page)
        headers = [c.header for c in shown]
        return recipe_table(app, page, self.name, headers, PageCells(shown), recipes, classes)

    def rows(self, recipes: Iterable[tuple]) -> list[list[object]]:
        """The sheet's or CSV's rows (every column), header first."""
        return [self.headers, *([c.export(r) for c in self.columns] for r in recipes)]


@dataclass(frozen=True)
class PageCells:
    """Makes a row's cells on the page (an object, not a closure: picklable)."""

    columns: tuple[Column, ...]

    def __call__(self, app: Sphinx, page: str, recipe: tuple) -> list[nodes.Node]:
        return [c.show(app, page, recipe) for c in self.columns]


# --- the kinds of column ----------------------------------------------------------


class Badge(Column):
    """A state word, as its coloured badge on the page."""

    def show(self, app, page, recipe):
        return state_badge(recipe[self.at])


class NeedId(Column):
    """A need (a NeedRef) as its linked ID badge; its ID in an export."""

    def show(self, app, page, recipe):
        return id_link(app, page, recipe[self.at])

    def export(self, recipe):
        return recipe[self.at][0]


class NeedTitle(Column):
    """A need's title."""

    def show(self, app, page, recipe):
        return nodes.Text(recipe[self.at][2])

    def export(self, recipe):
        return recipe[self.at][2]


class NeedIds(Column):
    """Needs (NeedRefs) as linked IDs, comma-separated; "—" for none."""

    def show(self, app, page, recipe):
        return id_links(app, page, recipe[self.at])

    def export(self, recipe):
        return ", ".join(ref[0] for ref in recipe[self.at])


def id_links(app: Sphinx, page: str, refs: Sequence[NeedRef]) -> nodes.Node:
    line = nodes.inline()
    for index, ref in enumerate(refs):
        if index:
            line += nodes.Text(", ")
        line += id_link(app, page, ref)
    return line if refs else nodes.Text(NONE)
