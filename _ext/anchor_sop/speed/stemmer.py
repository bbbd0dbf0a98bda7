"""The search index's stemmer remembers each word it has stemmed.

Sphinx stems every word of a page as it feeds the page to the search index,
remembering the words of that page only, and each process feeds its pages one
after another. A site's pages share most of their words (thousands of records,
each with the same field names), so stemming was a sixth of a large build's
main process. Here the search
language's ``stem`` of the build's index remembers every word across pages.
A stem depends on the word alone, so the index is the same (a test compares
``searchindex.js`` with the speedup on and off).
"""

from __future__ import annotations

import functools

from sphinx.application import Sphinx

from .switch import when_on


@when_on("stemmer")
def _remember_stems(app: Sphinx, *_args) -> None:
    # the index is made as writing starts, after write-started; the first page
    # resolved is fed to it after this event
    language = getattr(getattr(app.builder, "indexer", None), "lang", None)
    if language is None or "stem" in vars(language):
        return
    language.stem = functools.cache(language.stem)


def setup_stemmer(app: Sphinx) -> None:
    app.connect("doctree-resolved", _remember_stems)
