"""The speedups switch, and the releases each speedup is tested with.

One switch, ``anchor_speedups`` in ``conf.py``: ``True`` (the default) for
every speedup, ``False`` for none, or a list of the names in
:data:`SPEEDUPS` to use only those. With a speedup off, the stock path of
the dependency runs, and the pages and exports are the same bytes (a test
compares them). Each speedup names the releases of the dependencies it
reaches into that it is tested with; when any installed release is outside
them, it turns itself off for the build with one line in the build log (an
info line, not a warning: the strict build passes), so a new release can make
a build slower, never wrong.

Each module's ``setup_*`` connects its handlers at setup time; every handler
asks :func:`is_on` first and does nothing when its speedup is off, so a
speedup changes nothing in a build it is off for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from ..state import build_state

logger = logging.getLogger(__name__)

#: The Sphinx releases every speedup is tested with (``nox -s compat`` tests the
#: newest; the ``tests`` session the oldest).
SPHINX = ">=9.0,<9.3"


@dataclass(frozen=True)
class Speedup:
    """One speedup: what it does, and the releases of what it reaches into that it
    is tested with (distribution name -> version specifier)."""

    name: str
    does: str
    tested_with: Mapping[str, str]


#: Every speedup, by name (the names ``anchor_speedups`` may list).
SPEEDUPS: dict[str, Speedup] = {
    speedup.name: speedup
    for speedup in (
        Speedup(
            "events",
            "events call their listeners without Sphinx's debug line below -vv",
            {"sphinx": SPHINX},
        ),
        Speedup(
            "environment",
            "the environment saved with its needs apart, each group of pages' needs "
            "pickled anew only when one of its pages changed",
            {"sphinx": SPHINX, "sphinx-needs": ">=9.1,<9.2"},
        ),
        Speedup(
            "files",
            "which pages changed found with plain string paths, one stat per file",
            {"sphinx": SPHINX},
        ),
        Speedup(
            "collector",
            "the cycle collector paused while the environment loads and held back in edits",
            {"sphinx": SPHINX},
        ),
        Speedup(
            "parallel",
            "pages read in one share per process; an edit read in the main process, "
            "its exports made in a forked process; one write worker per process",
            {"sphinx": SPHINX, "sphinx-needs": ">=9.1,<9.2"},
        ),
        Speedup(
            "needs-json",
            "needs.json made with the C JSON encoder, in an edit while the pages are written",
            {"sphinx": SPHINX, "sphinx-needs": ">=9.1,<9.2"},
        ),
        Speedup(
            "purge",
            "sphinx-needs asked to purge a page only when the environment holds it",
            {"sphinx": SPHINX, "sphinx-needs": ">=9.1,<9.2"},
        ),
        Speedup(
            "stemmer",
            "the search index's stemmer remembers every word it stemmed, across pages",
            {"sphinx": SPHINX},
        ),
        Speedup(
            "settings",
            "docutils' settings for the pages read made once per build, a copy per page",
            {"sphinx": SPHINX, "docutils": ">=0.21,<0.24", "myst-parser": ">=5.2,<5.3"},
        ),
        Speedup(
            "markdown",
            "MyST's Markdown parser made once per build for the pages read, not once a page",
            {"sphinx": SPHINX, "myst-parser": ">=5.2,<5.3", "markdown-it-py": ">=4,<5"},
        ),
        Speedup(
            "checksums",
            "each stylesheet's and script's checksum looked up once per build",
            {"sphinx": SPHINX},
        ),
        Speedup(
            "translators",
            "the HTML translator's handlers for the extensions' nodes set on one class, "
            "docutils' stylesheet list found once per build",
            {"sphinx": SPHINX},
        ),
        Speedup(
            "navigation",
            "furo's sidebar computed once per build and written per page",
            {"sphinx": SPHINX, "furo": "==2025.12.19", "beautifulsoup4": ">=4.12,<5"},
        ),
        Speedup(
            "tables",
            "table rows written straight from their cells and kept between builds; "
            "trace lists made as the page is written",
            {"sphinx": SPHINX, "docutils": ">=0.21,<0.24", "sphinx-design": ">=0.8,<0.9"},
        ),
        Speedup(
            "templates",
            "the page templates compiled once and cached beside the doctrees, "
            "looked at on disk once per build",
            {"sphinx": SPHINX, "jinja2": ">=3.1,<4"},
        ),
    )
}


def is_on(app: Sphinx, name: str) -> bool:
    """Whether the speedup ``name`` is in force for this application's build."""
    return name in build_state(app).speedups


def when_on(name: str, otherwise: Any = None) -> Callable:
    """A handler that runs only while the speedup ``name`` is on (``otherwise`` is
    what it returns when it is off)."""

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def guarded(app: Sphinx, *args: Any) -> Any:
            if not is_on(app, name):
                return otherwise
            return handler(app, *args)

        return guarded

    return decorate


def untested_releases(speedup: Speedup) -> list[str]:
    """The installed releases outside what ``speedup`` is tested with, as words."""
    outside = []
    for distribution, specifier in speedup.tested_with.items():
        try:
            installed = version(distribution)
        except PackageNotFoundError:
            outside.append(f"{distribution} is not installed")
            continue
        if Version(installed) not in SpecifierSet(specifier):
            outside.append(f"{distribution} {installed} (tested: {specifier})")
    return outside


def chosen(setting: object) -> list[str]:
    """The names ``anchor_speedups`` asks for; a ``ValueError`` says what is wrong."""
    if setting is True:
        return list(SPEEDUPS)
    if setting is False:
        return []
    if isinstance(setting, list | tuple | set | frozenset) and all(
        isinstance(name, str) for name in setting
    ):
        unknown = sorted(set(setting) - SPEEDUPS.keys())
        if unknown:
            raise ValueError(
                f"anchor_speedups names {', '.join(map(repr, unknown))}, which is not a "
                f"speedup; the speedups are {', '.join(SPEEDUPS)}"
            )
        return [name for name in SPEEDUPS if name in setting]
    raise ValueError(
        f"anchor_speedups is {setting!r}; set it to True, False or a list of {', '.join(SPEEDUPS)}"
    )


def _decide(app: Sphinx, config: Config) -> None:
    """Which speedups are on for this build: asked for, and tested with what is installed."""
    from sphinx.errors import ConfigError

    try:
        names = chosen(config.anchor_speedups)
    except ValueError as error:
        raise ConfigError(f"{error} (in conf.py)") from None
    on = set()
    for name in names:
        outside = untested_releases(SPEEDUPS[name])
        if outside:
            logger.info(
                "anchor_sop: the %r speedup is off for this build: %s",
                name,
                "; ".join(outside),
            )
        else:
            on.add(name)
    build_state(app).speedups = frozenset(on)


def setup_switch(app: Sphinx) -> None:
    """Register the switch; it is decided first, at ``config-inited``."""
    # "env": a build with other speedups starts from a fresh environment
    app.add_config_value("anchor_speedups", True, "env", types=(bool, list, tuple))
    app.connect("config-inited", _decide, priority=0)
