"""Build speed: every part that replaces or patches a dependency's behaviour.

The manual's logic (the rest of :mod:`anchor_sop`) uses only the public APIs
of Sphinx, docutils, MyST and sphinx-needs. The modules here make large
builds and edits fast by reaching further, each behind the ``anchor_speedups``
switch and the releases it is tested with (:mod:`.switch`):

- :mod:`.events`: ``events``, an event manager without its unread debug line;
- :mod:`.envsave` and :mod:`.pickling`: ``environment``, the environment saved
  with its needs apart, in groups of pages;
- :mod:`.collector`: ``collector``, when the cycle collector runs;
- :mod:`.parallel`: ``parallel``, how ``-j`` reads and writes the pages;
- :mod:`.navigation`: ``navigation``, furo's sidebar once per build;
- :mod:`.tables` and :mod:`.rowcache`: ``tables``, table rows written from
  their cells and kept between builds;
- :mod:`.templates`: ``templates``, compiled page templates cached.

What the logic asks of this package: :func:`is_on`, :func:`reads_few_pages`,
:func:`kept_rows` and :func:`writes_rows` (rows), and
:func:`made_when_written_or_now` (trace lists).
"""

from __future__ import annotations

from sphinx.application import Sphinx

from .collector import setup_collector
from .envsave import setup_envsave
from .events import setup_events
from .navigation import setup_navigation
from .parallel import reads_few_pages, setup_parallel
from .rowcache import kept_rows, writes_rows
from .switch import SPEEDUPS, is_on, setup_switch
from .tables import made_when_written_or_now, setup_tables
from .templates import setup_templates

__all__ = [
    "SPEEDUPS",
    "is_on",
    "kept_rows",
    "made_when_written_or_now",
    "reads_few_pages",
    "setup_speed",
    "writes_rows",
]


def setup_speed(app: Sphinx) -> None:
    setup_switch(app)
    setup_events(app)
    setup_envsave(app)
    setup_collector(app)
    setup_parallel(app)
    setup_navigation(app)
    setup_tables(app)
    setup_templates(app)
