"""Every link an author wrote, checked once per build, where it is written.

A link must name a need that exists and is of a type the link may name (an
item verifies rules, a matrix row is governed by rules, an exception exempts
rules). Each mistake is one warning at the line of the option that names the
link, and an unknown ID that is close to one ID of the right type says which
("did you mean VULN-02?"). That rule's coverage gap is the same mistake seen
from the other end, so the coverage gate leaves it to this warning.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from sphinx.environment import BuildEnvironment

from ..diagnostics import report
from ..model import CRITERION, NEED_LINKS, shown_id, spellings
from ..store import stores

#: How alike an unknown ID and a real one must be to suggest it (difflib's ratio).
CLOSE = 0.75


def check_links(env: BuildEnvironment, needs: Mapping) -> set[str]:
    """Report each link to an unknown need or to one of the wrong type; return the IDs
    the unknown ones were most likely meant as."""
    meant: set[str] = set()
    for link, spec in NEED_LINKS.items():
        allowed = spec["target_types"]
        candidates = None  # the IDs a mistyped one may be close to: sought for a mistake only
        for need_id, need in needs.items():
            for target_id in sorted(need[link] or []):
                target = needs.get(target_id)
                if target is not None and target["type"] in allowed:
                    continue  # the usual case: where it is written is asked only for a mistake
                place = _place(env, need, link)
                written = shown_id(target_id)  # a criterion as written: A.8.13
                if target is None:
                    if candidates is None:
                        candidates = sorted(
                            shown_id(i) for i, n in needs.items() if n["type"] in allowed
                        )
                    guess = _meant(written, candidates, allowed)
                    if guess is not None:
                        meant.add(guess)
                    problem = f"{need_id} {link} {written!r}, which is not the ID of any need"
                    if guess is None:
                        fix = (
                            "correct the ID (the frameworks' pages list every criterion by ID) "
                            "or remove it"
                            if CRITERION in allowed
                            else "correct the ID (see the rule's badge on its policy page) or "
                            "remove it"
                        )
                    else:
                        problem, fix = f"{problem}; did you mean {guess}?", f"write {guess}"
                    report(place, "unknown_link", problem, fix)
                else:
                    report(
                        place,
                        "wrong_link_type",
                        f"{need_id} {link} {written!r}, which is of type "
                        f"{target['type']!r}; it may only link to a {' or '.join(allowed)}",
                        f"link to the {' or '.join(allowed)} that {written} itself verifies",
                    )
    return meant


def _meant(target_id: str, candidates: list[str], allowed: list[str]) -> str | None:
    """The one ID ``target_id`` was most likely meant as: a criterion written in other
    case or without its dots (``a8.13`` for A.8.13), else the only close one."""
    if CRITERION in allowed:
        guess = next((g for g in spellings(target_id) if g in candidates), None)
        if guess is not None:
            return guess
    close = difflib.get_close_matches(target_id, candidates, n=2, cutoff=CLOSE)
    return close[0] if len(close) == 1 else None


def _place(env: BuildEnvironment, need, link: str) -> tuple[str, int]:
    """Where ``need`` writes ``link``: the option's line, else the need's."""
    store = stores(env).get(need["docname"])  # a need of no page (imported) has none
    lines = store.link_lines.get(need["id"], {}) if store is not None else {}
    return (need["docname"], lines.get(link, need["lineno"]))
