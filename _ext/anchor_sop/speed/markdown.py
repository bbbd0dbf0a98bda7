"""MyST's Markdown parser made once per build for the pages read, not once a page.

For every page it reads, MyST makes a new markdown-it parser with its
plugins and rules, and a new renderer, which looks up its render methods
among all its members: half a millisecond a page, as long as reading a small
record takes. The parser holds no page's state between two pages (the
renderer sets its state up at the start of each page, as it does for the
first), so here the parser made for the project's MyST configuration is kept
for the pages read and handed to each page that uses that configuration. A
page whose front matter changes the configuration gets a parser of its own,
as on the stock path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from myst_parser.parsers import sphinx_ as myst_sphinx
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .switch import when_on

#: MyST's own, put back when reading ends.
_MYST_CREATE_MD_PARSER = myst_sphinx.create_md_parser


def _kept_for(config: Any) -> Callable[..., MarkdownIt]:
    kept: dict[Any, MarkdownIt] = {}

    def create_md_parser(given: Any, renderer: Any) -> MarkdownIt:
        if given is not config:  # a page's own configuration (its front matter)
            return _MYST_CREATE_MD_PARSER(given, renderer)
        if renderer not in kept:
            kept[renderer] = _MYST_CREATE_MD_PARSER(given, renderer)
        return kept[renderer]

    return create_md_parser


@when_on("markdown")
def _parser_once(_app: Sphinx, env: BuildEnvironment, _docnames: list[str]) -> None:
    myst_sphinx.create_md_parser = _kept_for(env.myst_config)


def _put_back(*_args) -> None:
    myst_sphinx.create_md_parser = _MYST_CREATE_MD_PARSER


def setup_markdown(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _parser_once, priority=0)
    app.connect("env-updated", _put_back, priority=0)
    app.connect("build-finished", _put_back)
