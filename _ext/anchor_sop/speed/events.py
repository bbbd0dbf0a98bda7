"""Events cost what their listeners cost, unless debug lines are printed.

Sphinx's ``EventManager.emit`` builds the ``repr()`` of an event's arguments
for a debug line before it calls the listeners, whatever the verbosity, and
the line is a log record like any other. So:

- sphinx-needs emits ``needs-before-post-processing`` and
  ``needs-before-sealing`` with the dictionary of all needs, which nothing in
  this project listens to: ``repr()`` puts every need into words, twice.
- ``html-page-context`` carries the page's whole body: a write worker put each
  page into words, and sent the words back to the main process with its log
  records, for a line nobody reads.

So, unless the build prints debug lines (``-vv``), this application's event
manager (its class swapped at ``config-inited``) calls an event's listeners as
Sphinx does (by priority; an error in a listener is raised as Sphinx raises
it) without that line, and returns at once from an event nobody listens to.
At ``-vv`` Sphinx's own ``emit`` runs.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError, SphinxError
from sphinx.events import EventManager
from sphinx.locale import __
from sphinx.util.inspect import safe_getattr

from .switch import when_on

#: Sphinx's verbosity from which debug lines are printed (``-vv``).
DEBUG_VERBOSITY = 2


class QuietEventManager(EventManager):
    """Sphinx's event manager, without its debug line unless it is printed."""

    def emit(
        self,
        name: str,
        *args: Any,
        allowed_exceptions: tuple[type[Exception], ...] = (),
    ) -> list[Any]:
        if self._app.verbosity >= DEBUG_VERBOSITY:
            return super().emit(name, *args, allowed_exceptions=allowed_exceptions)
        # Sphinx's loop (sphinx.events.EventManager.emit), after its debug line
        results = []
        for listener in sorted(self.listeners.get(name, ()), key=attrgetter("priority")):
            try:
                results.append(listener.handler(self._app, *args))
            except allowed_exceptions:
                raise
            except SphinxError:
                raise
            except Exception as exc:
                if self._reraise_errors:
                    raise
                modname = safe_getattr(listener.handler, "__module__", None)
                msg = __("Handler %r for event %r threw an exception")
                raise ExtensionError(msg % (listener.handler, name), exc, modname=modname) from exc
        return results


@when_on("events")
def _quiet(app: Sphinx, _config: object) -> None:
    # only the class of this application's manager changes: its listeners and events stay
    if type(app.events) is EventManager:
        app.events.__class__ = QuietEventManager


def setup_events(app: Sphinx) -> None:
    # right after the speedups are decided (priority 0)
    app.connect("config-inited", _quiet, priority=1)
