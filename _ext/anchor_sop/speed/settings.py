"""Docutils' settings made once per build for the pages read, not twice a page.

For every page it reads, Sphinx builds docutils' option parser (some two
hundred options, and the configuration files read again) only to take its
default values, and MyST builds another for a document it then discards (its
renderer makes one as the default of an argument Sphinx always passes). That
was over a millisecond a page. Here each set of defaults is made once per
build and every page gets its own copy: a fresh dependency list and fresh
copies of list and mapping values, as a new parser would give.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

from docutils import frontend
from docutils.utils import new_document
from myst_parser.mdit_to_docutils import base as myst_base
from sphinx.application import Sphinx
from sphinx.util import docutils as sphinx_docutils

from .switch import when_on

#: Sphinx's and MyST's own, put back when reading ends.
_SPHINX_GET_SETTINGS = sphinx_docutils._get_settings
_MYST_MAKE_DOCUMENT = myst_base.make_document


def _copy_of(values: frontend.Values) -> frontend.Values:
    fresh = {
        name: copy.copy(value) if isinstance(value, list | dict | set) else value
        for name, value in vars(values).items()
        if name != "record_dependencies"  # made anew, as for a new parser's values
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return frontend.Values(fresh)


def _frozen(value: Any) -> Any:
    """``value`` as a key: lists and mappings by their contents (Sphinx's defaults hold
    a list)."""
    if isinstance(value, dict):
        return tuple(sorted((name, _frozen(v)) for name, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), *map(_frozen, value))
    return value


def _spec(component: Any) -> tuple:
    """What of a component its settings come from (Sphinx passes a new parser a page):
    its class and its settings attributes, by identity (class attributes, alive for the
    build; by value they were a few percent of a large build)."""
    return (
        component if isinstance(component, type) else type(component),
        *(
            id(getattr(component, name, None))
            for name in ("settings_spec", "settings_defaults", "settings_default_overrides")
        ),
    )


def _remembering(make: Callable[..., frontend.Values]) -> Callable[..., frontend.Values]:
    made: dict[tuple, frontend.Values] = {}

    def settings(*components: Any, defaults: dict[str, Any], read_config_files: bool = False):
        try:
            key = (tuple(map(_spec, components)), read_config_files, _frozen(defaults))
            hash(key)
        except TypeError:  # a default that cannot be told apart by value
            return make(*components, defaults=defaults, read_config_files=read_config_files)
        if key not in made:
            made[key] = make(*components, defaults=defaults, read_config_files=read_config_files)
        return _copy_of(made[key])

    return settings


def _parser_defaults(*components: Any, defaults: dict, read_config_files: bool) -> frontend.Values:
    # what MyST's make_document asks for: a parser's defaults, no configuration files
    return frontend.get_default_settings(*components)


@when_on("settings")
def _settings_once(app: Sphinx, *_args) -> None:
    get_settings = _remembering(_SPHINX_GET_SETTINGS)
    sphinx_docutils._get_settings = get_settings
    parser_defaults = _remembering(_parser_defaults)

    def make_document(source_path="notset", parser_cls=myst_base.RSTParser):
        return new_document(source_path, settings=parser_defaults(parser_cls, defaults={}))

    myst_base.make_document = make_document


def _put_back(*_args) -> None:
    sphinx_docutils._get_settings = _SPHINX_GET_SETTINGS
    myst_base.make_document = _MYST_MAKE_DOCUMENT


def setup_settings(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _settings_once, priority=0)
    app.connect("env-updated", _put_back, priority=0)
    app.connect("build-finished", _put_back)
