"""The cells of the registers and the findings: a field's value, or a need it names.

A cell's recipe is ``(shown as, value)``: nothing, a known gap, a need (a
:data:`~anchor_sop.render.NeedRef`) as its ID or with its title, an ID no need
has (as written), or text. :class:`Named` is the column that shows one.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx_needs.api import get_needs_view

from ..columns import NONE as NOTHING
from ..columns import Column
from ..model.kinds import KINDS, UNKNOWN
from ..render import id_link, need_ref, need_reference, state_badge


def reference(app: Sphinx, page: str, need_id: str) -> nodes.Node:
    """A link to ``need_id`` (its badge and title), or the ID as written."""
    return show_cell(app, page, named(app, need_id, REFERENCE))


#: How a cell of a register or findings table shows its value, in its recipe.
NONE, GAP, ID_LINK, REFERENCE, LITERAL, TEXT = range(6)


def named(app: Sphinx, need_id: str, shown_as: int) -> tuple:
    """The recipe of a cell that names ``need_id``: a link to it, shown as
    ``shown_as``, or the ID as written when there is no such need."""
    need = get_needs_view(app).get(need_id)
    return (shown_as, need_ref(need)) if need is not None else (LITERAL, need_id)


def cell_recipe(app: Sphinx, record, name: str) -> tuple:
    value = record.values.get(name)
    if value is None:
        return (NONE, None)
    spec = KINDS[record.kind].fields_by_name[name]
    if value == UNKNOWN and spec.may_be_unknown:
        return (GAP, None)
    if spec.link:
        return named(app, value, ID_LINK)
    return (TEXT, value)


def show_cell(app: Sphinx, page: str, recipe: tuple) -> nodes.Node:
    shown_as, value = recipe
    if shown_as == NONE:
        return nodes.Text(NOTHING)
    if shown_as == GAP:
        return state_badge("known gap")
    if shown_as == ID_LINK:
        return id_link(app, page, value)
    if shown_as == REFERENCE:
        return need_reference(app, page, value)
    if shown_as == LITERAL:
        return nodes.literal(text=value)
    return nodes.Text(value)


class Named(Column):
    """A cell that names a need or shows a field (its recipe at ``at``)."""

    def show(self, app, page, recipe):
        return show_cell(app, page, recipe[self.at])

    def export(self, recipe):
        shown_as, value = recipe[self.at]
        if shown_as in (ID_LINK, REFERENCE):
            return value[0]
        return "" if shown_as == NONE else UNKNOWN if shown_as == GAP else value
