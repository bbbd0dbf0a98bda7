"""Live preview whose rebuilds start warm: ``nox -s serve``.

    python -m anchor_sop.preview [sphinx-autobuild arguments]

sphinx-autobuild, except for how it runs a build. It starts a new Python
for every rebuild, and importing Sphinx, sphinx-needs, MyST and furo takes
about a second of each. Here every build runs in a child *forked* from the
preview process instead, and after the first build the preview process
imports the installed modules that build used, so every later child starts
with them loaded. The project's own code (the extension, ``conf.py``) is
never kept: a child drops it before building, so an edit to ``_ext`` takes
effect at the next rebuild.

The next build is started as soon as one ends, as a *standby*: it sets
itself up (the project's code, the configuration, the saved environment,
the builder) and waits (:mod:`anchor_sop.preview_standby`). When only pages
were saved, it goes on and reads them: each rebuild after an edit to a page
is a whole build from the saved environment, as ``sphinx-build`` would run
it, with its set-up done before the edit. Any other change (code,
configuration, templates, static files) discards the standby and starts a
fresh child, which sets itself up after the change.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib
import logging
import multiprocessing
import os
import select
import sys
import sysconfig
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

import watchfiles
from sphinx_autobuild.build import Builder
from sphinx_autobuild.server import RebuildServer
from sphinx_autobuild.utils import show_command, show_message

from .preview_standby import GO, READY, STANDBY

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


#: What a page is: a change to anything else (code, configuration, templates, static
#: files) is read while a build is set up, so it needs a fresh child.
PAGE_SUFFIXES = (".md",)


def build_in_child(sphinx_args: Sequence[str]) -> int:
    """Run ``sphinx-build sphinx_args`` in a forked child; return its exit code.

    Afterwards this process imports the installed modules the child imported,
    so the next child does not import them again.
    """
    return _Child(sphinx_args, standby=False).finish()


def pages_only(changed_paths: Sequence[Path]) -> bool:
    """Whether every change is to a page (a standby set up before it still holds)."""
    return bool(changed_paths) and all(path.suffix in PAGE_SUFFIXES for path in changed_paths)


class WarmBuilds:
    """Builds of ``sphinx_args``, each forked from this process; after each, the next
    one waits as a standby until :meth:`build` says go."""

    def __init__(self, sphinx_args: Sequence[str]) -> None:
        self.sphinx_args = list(sphinx_args)
        self._standby: _Child | None = None
        #: Whether the last build went on from a standby (rather than a fresh child).
        self.from_standby = False
        atexit.register(self.close)

    def build(self, *, fresh: bool = False) -> int:
        """Build: from the standby unless ``fresh`` (or there is none); return the
        exit code, and start the next standby."""
        child, self._standby = self._standby, None
        self.from_standby = child is not None and not fresh and child.go()
        if not self.from_standby:
            if child is not None:
                child.discard()
            child = _Child(self.sphinx_args, standby=False)
        code = child.finish()
        self._standby = _Child(self.sphinx_args, standby=True)
        return code

    def ready(self, timeout: float) -> bool:
        """Wait until the standby is set up and waits; whether it does."""
        return self._standby is not None and self._standby.wait_ready(timeout)

    def close(self) -> None:
        """Discard the standby (at exit: it would wait for ever)."""
        if self._standby is not None:
            self._standby.discard()
            self._standby = None


class _Child:
    """A forked build; a standby one waits, set up, for its go (or its discard)."""

    def __init__(self, sphinx_args: Sequence[str], *, standby: bool) -> None:
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._go = self._ready = None
        pipes = None
        if standby:
            go_read, self._go = os.pipe()
            self._ready, ready_write = os.pipe()
            # the child closes this process's ends: a go pipe held open only here
            # ends (and so discards the standby) when this process does
            pipes = (go_read, ready_write, self._go, self._ready)
        self._process = context.Process(target=_build, args=(list(sphinx_args), send, pipes))
        self._process.start()
        send.close()
        if pipes is not None:
            os.close(go_read)
            os.close(ready_write)

    def go(self) -> bool:
        """Tell the standby to build; whether it was still there to be told."""
        try:
            os.write(self._go, GO)
        except BrokenPipeError:  # it ended while setting up (its code or conf fails)
            return False
        finally:
            os.close(self._go)
            self._go = None
        return True

    def wait_ready(self, timeout: float) -> bool:
        if self._ready is None:
            return False
        readable, _, _ = select.select([self._ready], [], [], timeout)
        told = os.read(self._ready, len(READY)) if readable else b""
        os.close(self._ready)
        self._ready = None
        return told == READY

    def finish(self) -> int:
        """Wait for the build; load what it imported; return its exit code."""
        try:
            imported = self._receive.recv()
        except EOFError:  # the child died before it could say
            imported = []
        self._process.join()
        self._close_pipes()
        _preload(imported)
        return self._process.exitcode

    def discard(self) -> None:
        """End a standby: closing its go pipe makes it exit before it builds."""
        if self._go is not None:
            os.close(self._go)
            self._go = None
        self._process.join(timeout=5)
        if self._process.is_alive():  # still setting up: its go is read only after that
            self._process.terminate()
            self._process.join()
        self._close_pipes()

    def _close_pipes(self) -> None:
        self._receive.close()
        if self._ready is not None:
            os.close(self._ready)
            self._ready = None


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


def _build(sphinx_args: list[str], report: Connection, pipes: tuple[int, ...] | None) -> None:
    from sphinx.cmd.build import main

    if pipes is not None:
        go_read, ready_write, go_write, ready_read = pipes
        os.close(go_write)
        os.close(ready_read)
        os.environ[STANDBY] = f"{go_read},{ready_write}"
    for name, module in list(sys.modules.items()):
        if name != "__main__" and not is_installed(module):
            del sys.modules[name]  # the project's code is imported afresh, as it is now
    code = main(sphinx_args)
    report.send([name for name, module in list(sys.modules.items()) if is_installed(module)])
    # a child forked from a thread of a pool (the watcher's rebuilds) would join that
    # pool's threads, its own among them, on a normal exit, and fail: the build is
    # written and closed, so end here
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class WarmBuilder(Builder):
    """sphinx-autobuild's builder, building with :class:`WarmBuilds`."""

    def __init__(self, sphinx_args, **kwargs) -> None:
        super().__init__(sphinx_args, **kwargs)
        self._builds = WarmBuilds(sphinx_args)

    def __call__(self, *, changed_paths: Sequence[Path]) -> None:
        if changed_paths:
            shown = [p.as_posix() for p in changed_paths[:5] if p.exists()]
            if shown:
                show_message(f"Detected changes ({', '.join(shown)})")
            show_message("Rebuilding...")
        if self._run_commands(self.pre_build_commands, "pre-build") != 0:
            return
        show_command(["sphinx-build", *self.sphinx_args])
        code = self._builds.build(fresh=not pages_only(changed_paths))
        if code == 0:
            self._run_commands(self.post_build_commands, "post-build")
        else:
            print(
                f"Sphinx exited with exit code: {code}. The server keeps serving the last "
                "build; fix the cause above and save again, or press Ctrl+C to stop."
            )
        show_message(f"Serving on {self.uri}")


class WarmRebuildServer(RebuildServer):
    """sphinx-autobuild's watcher, rebuilding in a thread of this process.

    sphinx-autobuild hands each rebuild to a new process, with a copy of the
    builder: the standby, this process's child, would be out of its reach
    there, and what a build imported would be loaded only in that copy.
    """

    async def watch(self) -> None:
        async for changes in watchfiles.awatch(
            *self.paths, watch_filter=lambda _, path: not self.ignore(path)
        ):
            changed_paths = [Path(path).resolve() for (_, path) in changes]
            await asyncio.to_thread(self.change_callback, changed_paths=changed_paths)
            self.flag.set()


def main(argv: Sequence[str] | None = None) -> None:
    autobuild = importlib.import_module("sphinx_autobuild.__main__")
    # sphinx-autobuild makes its Builder and its watcher in its main(): the one way in
    autobuild.Builder = WarmBuilder
    autobuild.RebuildServer = WarmRebuildServer
    autobuild.main(list(argv) if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
