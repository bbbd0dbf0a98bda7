"""The search index's English language: each word indexed once per text, its
stem remembered across pages.

Sphinx stems every word of a page to index it, and remembers the stems only
until the next page: at 20,000 needs that is about 120,000 stemmings, done in
the main process of a parallel build, which also resolves every page while
the workers write them. And it indexes a word as often as the text repeats
it, though the index records only which pages hold the word: a view of
10,000 rows says "Rule", "of" and "policy" 10,000 times each. This language
splits a text into its words once each, in order, and remembers each word's
stem for the whole build: the same index (``anchor_fast_search = False``
indexes with Sphinx's own English; the tests compare the two).
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search.en import SearchEnglish


class SearchEnglishRemembered(SearchEnglish):
    """Sphinx's English search language; each word is stemmed once per build."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self._stems: dict[str, str] = {}

    def split(self, text: str) -> list[str]:
        return list(dict.fromkeys(super().split(text)))

    def stem(self, word: str) -> str:
        stemmed = self._stems.get(word)
        if stemmed is None:
            stemmed = self._stems[word] = super().stem(word)
        return stemmed


def _register_language(app: Sphinx, config: Config) -> None:
    # the registry of search languages is one per process: say which, every build
    app.add_search_language(SearchEnglishRemembered if config.anchor_fast_search else SearchEnglish)


def setup_search(app: Sphinx) -> None:
    app.add_config_value("anchor_fast_search", True, "html", types=(bool,))
    app.connect("config-inited", _register_language)
