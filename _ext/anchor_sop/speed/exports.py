"""The exports made in a process forked while the pages are written.

In an edit (a build that reads few pages) Sphinx writes the last pages with
one worker and leaves a core idle. With the ``parallel`` speedup, once the
needs are final (``write-started``, after the reports step), a process
forked then makes every export into a folder beside the doctrees; Sphinx's
tasks carry its warnings and errors back. The main process still decides
which to write when the build has finished
(:attr:`anchor_sop.state.Seams.write_exports`) and moves those into place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util.parallel import ParallelTasks

from ..exports.files import writes_exports
from ..state import build_state
from ..store import pages_read
from .parallel import reads_few_pages
from .switch import is_on


def _made_folder(app: Sphinx) -> Path:
    return Path(app.doctreedir) / "anchor-exports"


def _make_into_folder(app: Sphinx) -> None:
    """Make every export into the folder (in the forked process)."""
    folder = _made_folder(app)
    for name, export in build_state(app).exports.items():
        (folder / name).write_bytes(export.make(app))


def _make_early(app: Sphinx, _builder) -> None:
    state = build_state(app)
    if writes_exports(app) and pages_read(app) and is_on(app, "parallel") and reads_few_pages(app):
        folder = _made_folder(app)
        shutil.rmtree(folder, ignore_errors=True)  # what an interrupted build left
        folder.mkdir(parents=True)
        tasks = ParallelTasks(1)
        tasks.add_task(_make_into_folder, app)
        state.exports_made_early = tasks
        state.seams.write_exports = _move_into_place


def _move_into_place(app: Sphinx, names: list[str]) -> None:
    build_state(app).exports_made_early.join()
    for name in names:
        # a rename, or a copy where the doctrees are on another file system
        shutil.move(_made_folder(app) / name, Path(app.outdir) / name)


def _clean_up(app: Sphinx, exception: Exception | None) -> None:
    early = build_state(app).exports_made_early
    if early is None:
        return
    if exception is not None:
        early.terminate()
    shutil.rmtree(_made_folder(app), ignore_errors=True)


def setup_exports(app: Sphinx) -> None:
    # once the needs are final: after sphinx-needs (500) and the reports step (600)
    app.connect("write-started", _make_early, priority=700)
    # after the exports are written (500)
    app.connect("build-finished", _clean_up, priority=900)
