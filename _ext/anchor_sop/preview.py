"""Live preview whose rebuilds start warm: ``nox -s serve``.

    python -m anchor_sop.preview [sphinx-autobuild arguments]

sphinx-autobuild, except for how it runs a build. It starts a new Python
for every rebuild, and importing Sphinx, sphinx-needs, MyST and furo takes
about a second of each. Here every build runs in a child *forked* from the
preview process instead, and after the first build the preview process
imports the installed modules that build used, so every later child starts
with them loaded. Each child is still a whole build from the saved
environment, as ``sphinx-build`` would run it. The project's own code (the
extension, ``conf.py``) is never kept: a child drops it before building, so
an edit to ``_ext`` takes effect at the next rebuild.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import os
import sys
import sysconfig
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from sphinx_autobuild.build import Builder
from sphinx_autobuild.utils import show_command, show_message

#: Where installed modules live, as given and with links resolved; a module
#: elsewhere is the project's.
INSTALLED = tuple(
    {
        os.path.join(folder, "")
        for key in ("purelib", "platlib", "stdlib", "platstdlib")
        for folder in (sysconfig.get_paths()[key], os.path.realpath(sysconfig.get_paths()[key]))
    }
)


def is_installed(module: object) -> bool:
    """Whether a module comes with Python or the environment (not from the project).

    A prefix test, run on every module twice a build: resolving each path took
    a tenth of a second. A module missed through a linked path is only
    imported again.
    """
    file = getattr(module, "__file__", None)
    return file is None or file.startswith(INSTALLED)


def build_in_child(sphinx_args: Sequence[str]) -> int:
    """Run ``sphinx-build sphinx_args`` in a forked child; return its exit code.

    Afterwards this process imports the installed modules the child imported,
    so the next child does not import them again.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_build, args=(list(sphinx_args), send))
    child.start()
    send.close()
    try:
        imported = receive.recv()
    except EOFError:  # the child died before it could say
        imported = []
    child.join()
    _preload(imported)
    return child.exitcode


def _preload(names: list[str]) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    for name in names:
        if name not in sys.modules:
            # a module that cannot be imported on its own only costs its import time later
            with contextlib.suppress(Exception):
                importlib.import_module(name)
    # accessible-pygments (furo's) configures the root logger on import: undo it
    root.handlers[:], root.level = handlers, level


def _build(sphinx_args: list[str], report: Connection) -> None:
    from sphinx.cmd.build import main

    for name, module in list(sys.modules.items()):
        if name != "__main__" and not is_installed(module):
            del sys.modules[name]  # the project's code is imported afresh, as it is now
    code = main(sphinx_args)
    report.send([name for name, module in list(sys.modules.items()) if is_installed(module)])
    sys.exit(code)


class WarmBuilder(Builder):
    """sphinx-autobuild's builder, building with :func:`build_in_child`."""

    def __call__(self, *, changed_paths: Sequence[Path]) -> None:
        if changed_paths:
            shown = [p.as_posix() for p in changed_paths[:5] if p.exists()]
            if shown:
                show_message(f"Detected changes ({', '.join(shown)})")
            show_message("Rebuilding...")
        if self._run_commands(self.pre_build_commands, "pre-build") != 0:
            return
        show_command(["sphinx-build", *self.sphinx_args])
        code = build_in_child(self.sphinx_args)
        if code == 0:
            self._run_commands(self.post_build_commands, "post-build")
        else:
            print(
                f"Sphinx exited with exit code: {code}. The server keeps serving the last "
                "build; fix the cause above and save again, or press Ctrl+C to stop."
            )
        show_message(f"Serving on {self.uri}")


def main(argv: Sequence[str] | None = None) -> None:
    autobuild = importlib.import_module("sphinx_autobuild.__main__")
    # sphinx-autobuild makes its Builder in its main(); this is the one way in
    autobuild.Builder = WarmBuilder
    autobuild.main(list(argv) if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
