"""When Python's cycle collector runs during a build.

A full collection walks every object alive. In a large project the loaded
environment alone is millions of objects, and a one-page edit ran many full
collections walking it, though an edit makes little garbage that outlives the
pages it writes. So:

- *Loading the environment* only allocates; nothing in it is garbage. The
  collector is paused from ``config-inited`` to ``builder-inited``, around the
  load, and what was loaded stays frozen until reading starts. (Should Sphinx
  fail in between, on an unknown builder or a broken theme, the process stays
  paused and frozen; ``sphinx-build`` exits on those errors.)
- *A build that reads few pages* (an edit; ``parallel.reads_few_pages``)
  freezes what is loaded (``gc.freeze``: moved to the permanent generation,
  which collections skip) and turns off automatic full collections; young
  garbage is still collected as usual. The main process collects fully after
  every ``PAGES_PER_COLLECTION`` pages it reads or resolves, so an edit that
  rewrites many pages stays within bounded memory. A process forked during
  an edit (a write worker, the exports' process) freezes everything it
  inherited and collects its own garbage on the usual schedule: its first
  full collection would otherwise walk the parent's heap and the garbage the
  parent has not collected yet, copying the pages it touches.
- *A cold build* collects fully and freezes what is left after every
  ``PAGES_PER_COLLECTION`` pages it reads or resolves, in each process: a page
  allocates a doctree's worth of objects that outlive the young generations,
  so Python's own full collections came every few pages, each walking all the
  environment had gathered (a third of the time spent making a table's cells
  at 10,000 records). What is frozen is what was alive when it was frozen;
  at most a page's worth of it becomes garbage before the build finishes.
- When the build finishes, the usual schedule is restored and the frozen
  objects are thawed, so a process that builds many times (the tests) is
  left as it was. As the process exits, everything alive is frozen again: its
  last collections would walk it all for nothing; the system takes the memory
  back with the process. (The fork and exit hooks are registered by the first
  build with the speedup on; they do nothing while no edit's schedule is in
  force.)
"""

from __future__ import annotations

import atexit
import gc
import os
from functools import cache

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

from .parallel import reads_few_pages
from .switch import when_on

#: Pages an edit's main process reads or resolves between two full collections.
PAGES_PER_COLLECTION = 200

#: A count of younger collections that is never reached: no automatic full one.
_NEVER = 2**30


class _Schedule:
    """The process's usual thresholds while an edit's schedule is in force."""

    usual: tuple[int, int, int] | None = None
    pages: int = 0


@when_on("collector")
def _pause(_app: Sphinx, _config: Config) -> None:
    _once_per_process()
    gc.disable()


@when_on("collector")
def _resume(_app: Sphinx) -> None:
    # frozen until reading starts: the first young collection would walk all that
    # the load allocated while paused
    gc.freeze()
    gc.enable()


@when_on("collector")
def _schedule_for(app: Sphinx, _env: BuildEnvironment, _docnames: list[str]) -> None:
    if _Schedule.usual is None and reads_few_pages(app):
        gc.freeze()
        _Schedule.usual = gc.get_threshold()
        _Schedule.pages = 0
        young, middle, _old = _Schedule.usual
        gc.set_threshold(young, middle, _NEVER)
    else:
        gc.unfreeze()  # to the oldest generation: frozen anew by pages (_count_page)
        _Schedule.pages = 0


@when_on("collector")
def _count_page(*_args: object) -> None:
    _Schedule.pages += 1
    if _Schedule.pages >= PAGES_PER_COLLECTION:
        _Schedule.pages = 0
        gc.collect()
        if _Schedule.usual is None:  # a cold build
            gc.freeze()


def _after_fork() -> None:
    # a worker of an edit: what it inherited, garbage included, is the parent's to collect
    if _usual_thresholds():
        gc.freeze()


def _usual_thresholds() -> bool:
    """Back to the usual thresholds; whether an edit's schedule was in force."""
    if _Schedule.usual is None:
        return False
    gc.set_threshold(*_Schedule.usual)
    _Schedule.usual = None
    return True


@cache
def _once_per_process() -> None:
    os.register_at_fork(after_in_child=_after_fork)
    atexit.register(gc.freeze)


@when_on("collector")
def _finish(_app: Sphinx, _exception: Exception | None) -> None:
    gc.enable()
    _usual_thresholds()
    gc.unfreeze()  # also when the build stopped before reading


def setup_collector(app: Sphinx) -> None:
    # after every other configuration handler: any of them may stop the build
    app.connect("config-inited", _pause, priority=999)
    app.connect("builder-inited", _resume, priority=0)
    app.connect("env-before-read-docs", _schedule_for, priority=950)
    app.connect("doctree-read", _count_page)
    app.connect("doctree-resolved", _count_page)
    # last: the exports, written when the build finishes, still run on the edit's schedule
    app.connect("build-finished", _finish, priority=999)
