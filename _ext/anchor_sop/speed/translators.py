"""The HTML translator's handlers for the extensions' nodes, set on one class.

Sphinx makes a translator for every page it writes and for every title it
renders (three a page), and sets on each new translator, one by one, the
visit and depart functions every extension registered for its nodes: some two
hundred attributes a translator. Here they are class attributes of one
subclass of the translator class, made once per build: a function on a class
is bound to the instance as ``MethodType`` binds it, so each node is visited
by the same function (the equality test compares every page).

Each new translator also asks docutils for its stylesheets, which look for
each of docutils' own stylesheet files in each stylesheet folder, a few
``stat`` calls a translator, though Sphinx's pages link the theme's
stylesheets instead. The list is the same for the same settings, so it is
found once per build (``docutils.utils.get_stylesheet_list``, put back when
the build finishes).
"""

from __future__ import annotations

from typing import Any

from docutils import frontend, nodes, utils
from sphinx.application import Sphinx

from .switch import when_on


def _with_handlers(base: type[nodes.NodeVisitor], handlers: dict) -> type[nodes.NodeVisitor]:
    attributes: dict[str, Any] = {"__module__": base.__module__, "__qualname__": base.__qualname__}
    for name, (visit, depart) in handlers.items():
        attributes[f"visit_{name}"] = visit
        if depart:
            attributes[f"depart_{name}"] = depart
    return type(base.__name__, (base,), attributes)


@when_on("translators")
def _one_translator_class(app: Sphinx) -> None:
    builder, registry = app.builder, app.registry
    made: dict[type, type] = {}

    def create_translator(*args: Any) -> nodes.NodeVisitor:
        # as Sphinx's registry looks them up, when the first page is written
        base = registry.get_translator_class(builder)
        if base not in made:
            handlers = registry.translation_handlers.get(builder.name)
            if handlers is None:
                handlers = registry.translation_handlers.get(builder.format, {})
            made[base] = _with_handlers(base, handlers)
        return made[base](*args)

    builder.create_translator = create_translator
    utils.get_stylesheet_list = _stylesheets_found_once()


#: Docutils' own, put back when the build finishes.
_DOCUTILS_STYLESHEETS = utils.get_stylesheet_list


def _stylesheets_found_once() -> Any:
    found: dict[tuple, list[str]] = {}

    def get_stylesheet_list(settings: frontend.Values) -> list[str]:
        key = (
            str(settings.stylesheet_path),
            str(settings.stylesheet),
            tuple(settings.stylesheet_dirs or ()),
        )
        if key not in found:
            found[key] = _DOCUTILS_STYLESHEETS(settings)
        return list(found[key])

    return get_stylesheet_list


def _put_back(_app: Sphinx, _exception: Exception | None) -> None:
    utils.get_stylesheet_list = _DOCUTILS_STYLESHEETS


def setup_translators(app: Sphinx) -> None:
    app.connect("builder-inited", _one_translator_class)
    app.connect("build-finished", _put_back)
