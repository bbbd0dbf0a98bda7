"""Build speed: every part that replaces or patches a dependency's behaviour.

The manual's logic (the rest of :mod:`anchor_sop`) uses only the public APIs
of Sphinx, docutils, MyST and sphinx-needs. The modules here make large
builds and edits fast by reaching further, each behind the ``anchor_speedups``
switch and the releases it is tested with (:mod:`.switch`):

- :mod:`.events`: ``events``, an event manager without its unread debug line;
- :mod:`.envsave` and :mod:`.pickling`: ``environment``, the environment saved
  with its needs apart, in groups of pages;
- :mod:`.files`: ``files``, which pages changed, found with string paths;
- :mod:`.collector`: ``collector``, when the cycle collector runs;
- :mod:`.parallel`: ``parallel``, how ``-j`` reads and writes the pages;
- :mod:`.needs_json`: ``needs-json``, needs.json with the C encoder, beside
  the writing in an edit;
- :mod:`.purge`: ``purge``, sphinx-needs asked to purge only pages read before;
- :mod:`.stemmer`: ``stemmer``, the search index's stems remembered across pages;
- :mod:`.settings`: ``settings``, docutils' settings made once per build for reading;
- :mod:`.markdown`: ``markdown``, MyST's parser made once per build for reading;
- :mod:`.assets`: ``checksums``, each asset's checksum looked up once per build;
- :mod:`.translators`: ``translators``, the nodes' HTML handlers set on one class,
  docutils' stylesheet list found once;
- :mod:`.navigation`: ``navigation``, furo's sidebar once per build;
- :mod:`.tables` and :mod:`.rowcache`: ``tables``, table rows written from
  their cells and kept between builds;
- :mod:`.templates`: ``templates``, compiled page templates cached, not checked
  on disk again.

- :mod:`.exports`: ``parallel`` too, the exports made in a process forked while
  the pages are written.

The logic never imports this package: it is a Sphinx extension of its own,
which :func:`anchor_sop.setup` loads first, and it plugs in by replacing the
stock seams of :class:`anchor_sop.state.Seams` (rows kept and written,
nodes made when written, how the exports are made) when a speedup is on.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from .assets import setup_assets
from .collector import setup_collector
from .envsave import setup_envsave
from .events import setup_events
from .exports import setup_exports
from .files import setup_files
from .markdown import setup_markdown
from .navigation import setup_navigation
from .needs_json import setup_needs_json
from .parallel import setup_parallel
from .purge import setup_purge
from .settings import setup_settings
from .stemmer import setup_stemmer
from .switch import SPEEDUPS, is_on, setup_switch
from .tables import setup_tables
from .templates import setup_templates
from .translators import setup_translators

__all__ = ["SPEEDUPS", "is_on", "setup"]


def setup(app: Sphinx) -> dict:
    setup_switch(app)
    setup_events(app)
    setup_envsave(app)
    setup_files(app)
    setup_collector(app)
    setup_parallel(app)
    setup_exports(app)
    setup_purge(app)
    setup_stemmer(app)
    setup_settings(app)
    setup_markdown(app)
    setup_assets(app)
    setup_translators(app)
    setup_navigation(app)
    setup_needs_json(app)
    setup_tables(app)
    setup_templates(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
