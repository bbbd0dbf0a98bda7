"""The build environment saved by a forked process, while the build goes on.

After reading, Sphinx saves the whole build environment (every need, every
page's records) in the main process, before it resolves the needs and writes
a page: at 20,000 needs 0.8 s of every build that read a page, while the
other cores wait.

So, on a system that forks (as ``-j`` and the exports of an edit need), the
environment is made to save itself elsewhere for the next pickling, which
is Sphinx's (the last ``env-get-updated`` handler is the last code before it):
at that moment a process forked from the main one writes the environment,
exactly as it is, to a partial file beside Sphinx's, and Sphinx's own file
gets a placeholder that does not load. When the build has finished, the main
process waits for that process and puts its file in place. A build that
stops first leaves the placeholder: Sphinx reports that it could not load the
environment and reads every page again (as after any error, when it deletes
the file). A build that saves nothing (no page changed) forks nothing.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.parallel import ParallelTasks, parallel_available


class _SavedByChild(BuildEnvironment):
    """The environment's class from the last ``env-get-updated`` handler until
    Sphinx pickles it; it pickles as the placeholder, once, after forking the
    process that saves it."""

    def __reduce_ex__(self, _protocol: object) -> tuple:
        self.__class__ = BuildEnvironment
        _save_in_child(self)
        return (_unsaved, ())


#: What Sphinx reports when it loads the placeholder (it then reads every page).
UNSAVED = (
    "the build that saved this environment stopped before its saving process "
    "finished; every page is read again"
)


def _unsaved() -> BuildEnvironment:
    raise RuntimeError(UNSAVED)


def _partial_file(app: Sphinx) -> Path:
    return Path(app.doctreedir) / f"{ENV_PICKLE_FILENAME}.partial"


def _save_in_child(env: BuildEnvironment) -> None:
    app = env._app
    partial = _partial_file(app)

    def save() -> None:
        with partial.open("wb") as stream:
            pickle.dump(env, stream, pickle.HIGHEST_PROTOCOL)

    saving = ParallelTasks(1)
    saving.add_task(save)
    app.anchor_sop_saving = saving


def _save_elsewhere(app: Sphinx, env: BuildEnvironment) -> list[str]:
    app.anchor_sop_saving = None
    if parallel_available and type(env) is BuildEnvironment:
        env.__class__ = _SavedByChild
    return []


def _not_saved(app: Sphinx, _builder: object) -> None:
    # no page changed: Sphinx did not pickle the environment
    if type(app.env) is _SavedByChild:
        app.env.__class__ = BuildEnvironment


def _put_in_place(app: Sphinx, exception: Exception | None) -> None:
    _not_saved(app, None)
    saving = getattr(app, "anchor_sop_saving", None)
    app.anchor_sop_saving = None
    if saving is None:
        return
    if exception is not None:
        saving.terminate()
        _partial_file(app).unlink(missing_ok=True)
        return
    saving.join()
    os.replace(_partial_file(app), Path(app.doctreedir) / ENV_PICKLE_FILENAME)


def setup_envsave(app: Sphinx) -> None:
    # after every other handler: the environment as Sphinx pickles it next
    app.connect("env-get-updated", _save_elsewhere, priority=1000)
    app.connect("write-started", _not_saved, priority=0)
    # first: the environment in place before anything else reports the build done
    app.connect("build-finished", _put_in_place, priority=0)
