"""A page read for the first time has nothing to purge from sphinx-needs.

Before Sphinx reads a page it emits ``env-purge-doc``, and sphinx-needs'
handler looks at every need of the project (and every document list) to drop
the page's own. When thousands of pages are read for the first time (a cold
build, or a records folder that grows) each of those looks finds nothing, yet
together they cost pages x needs: at 10,000 record pages, most of a cold
build. A page that is not yet in the environment holds no need, so here
sphinx-needs' handler is disconnected for this application and called only
for a page the environment already holds. A test compares every page and
export with the speedup on and off.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx_needs.directives import need as needs_directive

from .switch import when_on


def _purge_read_pages(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    # Sphinx emits the event before it clears the page: a page read before is here
    if docname in env.all_docs:
        needs_directive.purge_needs(app, env, docname)


@when_on("purge")
def _take_over(app: Sphinx, _config=None) -> None:
    for listener in list(app.events.listeners["env-purge-doc"]):
        if listener.handler is needs_directive.purge_needs:
            app.disconnect(listener.id)
            app.connect("env-purge-doc", _purge_read_pages, priority=listener.priority)


def setup_purge(app: Sphinx) -> None:
    # after sphinx-needs connected its handler (at its setup), before any page is read
    app.connect("builder-inited", _take_over)
