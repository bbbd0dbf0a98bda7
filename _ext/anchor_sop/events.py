"""Events nobody listens to cost nothing.

Sphinx's ``EventManager.emit`` builds the ``repr()`` of an event's arguments
for a debug line before it looks for listeners, whatever the verbosity.
sphinx-needs emits ``needs-before-post-processing`` and
``needs-before-sealing`` with the dictionary of all needs, and nothing in
this project listens to them: at 20,000 needs the two ``repr()`` calls took
1.1 s of every build, for a line that is only printed at ``-vv``.

So the application's event manager skips an event that has no listeners,
unless the build prints debug lines (``-vv``), in which case Sphinx's own
``emit`` runs and logs it as before. An event with a listener always goes
through Sphinx's ``emit``, unchanged.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.events import EventManager

#: Sphinx's verbosity from which debug lines are printed (``-vv``).
_DEBUG_VERBOSITY = 2


class ListenerAwareEventManager(EventManager):
    """Sphinx's event manager, which returns at once from an event nobody hears."""

    def emit(
        self,
        name: str,
        *args: Any,
        allowed_exceptions: tuple[type[Exception], ...] = (),
    ) -> list[Any]:
        if not self.listeners.get(name) and self._app.verbosity < _DEBUG_VERBOSITY:
            return []
        return super().emit(name, *args, allowed_exceptions=allowed_exceptions)


def setup_events(app: Sphinx) -> None:
    # The manager is created with the application, before any extension is
    # set up; only its class changes, so its listeners and events stay.
    if type(app.events) is EventManager:
        app.events.__class__ = ListenerAwareEventManager
