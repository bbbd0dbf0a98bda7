"""The fingerprint of a rule's text, which suspect links are judged by.

Normalisation: the rule's title and statement as plain text, as the page
shows them (so Markdown markup, emphasis, code spans and line wrapping do not
count), Unicode-normalised (NFKC), with every run of white space folded to a
single space. Case and punctuation count: "must" and "MUST" differ.
"""

from __future__ import annotations

import hashlib
import unicodedata


def normalise(title: str, statement: str) -> str:
    text = unicodedata.normalize("NFKC", f"{title}\n{statement}")
    return " ".join(text.split())


def fingerprint(title: str, statement: str) -> str:
    return hashlib.sha256(normalise(title, statement).encode()).hexdigest()[:16]
