"""The search index's English stemmer, remembered across pages.

Sphinx stems every word of a page to index it, and remembers the stems only
until the next page: at 20,000 needs that is about 120,000 stemmings, done in
the main process of a parallel build, which also resolves every page while
one worker writes them. The same stemmer, remembering each word's stem for the
whole build, gives the same index.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.search.en import SearchEnglish


class SearchEnglishRemembered(SearchEnglish):
    """Sphinx's English search language; each word is stemmed once per build."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self._stems: dict[str, str] = {}

    def stem(self, word: str) -> str:
        stemmed = self._stems.get(word)
        if stemmed is None:
            stemmed = self._stems[word] = super().stem(word)
        return stemmed


def setup_search(app: Sphinx) -> None:
    app.add_search_language(SearchEnglishRemembered)
