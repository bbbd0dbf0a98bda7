"""Where the exports come from: the commit, its date, and the build's moment.

Every export names them, so a file handed on alone still says what it is: the
XLSX in its document properties and on its Summary sheet, the CSV files
through ``exports.json`` beside them (a first comment line would be read as
a row by spreadsheet tools). The commit is read with git from the project's
configuration folder; outside a git checkout it is ``unknown``, and a working
tree with changes is marked ``(modified)``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sphinx.application import Sphinx

from .. import clock
from ..git import GitError, git
from ..state import build_state

#: What stands for the commit outside a git checkout.
UNKNOWN = "unknown (not built from a git checkout)"


@dataclass(frozen=True)
class Provenance:
    commit: str
    commit_date: str
    built: str

    def rows(self) -> list[list[str]]:
        """The three facts as rows of a table (a label and its value)."""
        return [["Commit", self.commit], ["Commit date", self.commit_date], ["Built", self.built]]


def _git(folder: str, *args: str) -> str | None:
    try:
        return git(folder, *args)
    except GitError:
        return None


def provenance(app: Sphinx) -> Provenance:
    """The build's provenance (read once per build)."""
    known = build_state(app).provenance
    if known is None:
        folder = str(app.confdir)
        commit = _git(folder, "rev-parse", "HEAD")
        if commit is None:
            known = Provenance(UNKNOWN, UNKNOWN, clock.now().isoformat())
        else:
            if _git(folder, "status", "--porcelain", "--untracked-files=no"):
                commit = f"{commit} (modified)"
            commit_date = _git(folder, "log", "-1", "--format=%cI", "HEAD") or UNKNOWN
            known = Provenance(commit, commit_date, clock.now().isoformat())
        build_state(app).provenance = known
    return known


def exports_json(app: Sphinx, names: list[str]) -> bytes:
    """``exports.json``: the provenance of the files ``names`` beside it."""
    record = {**asdict(provenance(app)), "files": sorted(names)}
    return (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
