"""The build environment saved with its needs apart, each group of pages' needs
only when one of its pages changed; put in place once the build has finished.

After reading, Sphinx pickles the whole build environment in the main
process, before it resolves the needs and writes a page; most of it is
sphinx-needs' needs, in every build that read a page, though an edit changes
the needs of one page. (A process forked to save it instead cost more than
it saved, in copy-on-write faults while both ran.)

So, at the last ``env-get-updated`` handler (the last code before Sphinx
pickles the environment), the environment's class is swapped for one that
pickles:

- the needs as a reference to files in ``anchor-needs`` beside Sphinx's file:
  the pages fall into :data:`GROUPS` groups by their name, and each group's
  needs are in a file named by the hash of its bytes. Only the groups of the
  pages whose needs sphinx-needs dropped since the environment was loaded (a
  page read again or removed: :func:`~anchor_sop.store.pages_purged`) are
  pickled anew (:func:`anchor_sop.speed.pickling.dumps`), with the needs of no
  page (sphinx-needs' external needs); every other group keeps its file. The
  environment records each group's file and the needs' order, and loading it
  loads the files and gives back the needs in that order. Files no saved
  environment names are deleted.
- the environment itself to a partial file beside Sphinx's, while Sphinx's
  own file gets a placeholder that does not load. When the build has
  finished, the partial file is put in place.

A build that stops first leaves the placeholder, and an environment whose
needs' files are missing or damaged does not load: either way Sphinx reports
that it could not load the environment and reads every page again (as after
any error, when it deletes its file).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import zlib
from pathlib import Path

from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.environment import BuildEnvironment
from sphinx_needs.data import SphinxNeedsData

from ..state import env_state
from ..store import pages_purged
from .pickling import dumps
from .switch import when_on

#: How many groups the pages' needs are saved in. An edit pickles one group;
#: loading reads every file.
GROUPS = 64

#: The group of the needs of no page (sphinx-needs' external needs), saved every time.
NO_PAGE = GROUPS

#: The folder beside Sphinx's environment file that holds the needs' files.
FOLDER = "anchor-needs"

#: What Sphinx reports when it loads the placeholder (it then reads every page).
UNSAVED = (
    "the build that saved this environment stopped before it finished; every page is read again"
)


def group_of(docname: str | None) -> int:
    """The group a page's needs are saved in (the same in every Python process)."""
    return NO_PAGE if docname is None else zlib.crc32(docname.encode()) % GROUPS


class _SavedAtTheEnd(BuildEnvironment):
    """The environment's class from the last ``env-get-updated`` handler until
    Sphinx pickles it: Sphinx's file gets the placeholder, once, and the
    environment goes to the partial file."""

    def __reduce_ex__(self, _protocol: object) -> tuple:
        self.__class__ = _NeedsApart
        try:
            with _partial_file(self._app).open("wb") as stream:
                pickle.dump(self, stream, pickle.HIGHEST_PROTOCOL)
        finally:
            self.__class__ = BuildEnvironment
        return (_unsaved, ())


class _NeedsApart(BuildEnvironment):
    """The environment as it pickles into the partial file: Sphinx's state,
    with the needs as a reference to their groups' files."""

    def __reduce_ex__(self, _protocol: object) -> tuple:
        needs = SphinxNeedsData(self).get_needs_mutable()
        saved = _save_needs(self._app, self, needs)  # first: it records the files
        state = self.__getstate__()
        # sphinx-needs' attribute, found by what it holds rather than by its name
        (name,) = (key for key, value in state.items() if value is needs)
        state[name] = saved
        # as Python pickles any object: made anew, then given its state
        return (_new_environment, (), state)


class _SavedNeeds:
    """Pickles as the call that loads the needs from their groups' files."""

    def __init__(self, folder: str, files: tuple[str, ...], order: tuple[str, ...]) -> None:
        self.folder, self.files, self.order = folder, files, order

    def __reduce__(self) -> tuple:
        return (load_needs, (self.folder, self.files, self.order))


def load_needs(folder: str, files: tuple[str, ...], order: tuple[str, ...]) -> dict:
    """The needs, by ID in the order they were saved in, from their groups' files."""
    needs = {}
    try:
        for name in files:
            with open(os.path.join(folder, name), "rb") as stream:
                needs.update(pickle.load(stream))
    except (OSError, pickle.UnpicklingError, EOFError) as error:
        raise RuntimeError(
            f"the needs saved with this environment could not be read ({error}); "
            "every page is read again"
        ) from error
    if needs.keys() != set(order):
        raise RuntimeError(
            f"the needs saved in {folder} are not those of this environment; "
            "every page is read again"
        )
    return {need_id: needs[need_id] for need_id in order}


def _save_needs(app: Sphinx, env: BuildEnvironment, needs: dict) -> _SavedNeeds:
    folder = Path(app.doctreedir) / FOLDER
    folder.mkdir(exist_ok=True)
    files = dict(env_state(env).needs_files)
    changed = {group_of(docname) for docname in pages_purged(app)} | {NO_PAGE}
    changed |= set(range(GROUPS)) - files.keys()
    grouped: dict[int, dict] = {group: {} for group in changed}
    groups: dict[str | None, int] = {}  # each page's group, worked out once
    for need_id, need in needs.items():
        docname = need.source.dict_repr["docname"]
        group = groups.get(docname)
        if group is None:
            group = groups[docname] = group_of(docname)
        if group in grouped:
            grouped[group][need_id] = need
    for group, members in grouped.items():
        files.pop(group, None)
        if members:
            files[group] = _write_group(folder, members)
    env_state(env).needs_files = files
    for path in folder.iterdir():
        if path.name not in files.values():
            path.unlink()
    return _SavedNeeds(str(folder), tuple(files[g] for g in sorted(files)), tuple(needs))


def _write_group(folder: Path, members: dict) -> str:
    data = dumps(members)
    name = f"{hashlib.blake2b(data, digest_size=16).hexdigest()}.pickle"
    path = folder / name
    if not path.exists():
        # under another name first: a file is whole under its own name, or absent
        partial = path.with_suffix(".partial")
        partial.write_bytes(data)
        os.replace(partial, path)
    return name


def _new_environment() -> BuildEnvironment:
    return BuildEnvironment.__new__(BuildEnvironment)


def _unsaved() -> BuildEnvironment:
    raise RuntimeError(UNSAVED)


def _partial_file(app: Sphinx) -> Path:
    return Path(app.doctreedir) / f"{ENV_PICKLE_FILENAME}.partial"


@when_on("environment", otherwise=())
def _save_at_the_end(app: Sphinx, env: BuildEnvironment) -> list[str]:
    if type(env) is BuildEnvironment:
        env.__class__ = _SavedAtTheEnd
    return []


def _not_saved(app: Sphinx, _builder: object) -> None:
    # no page changed: Sphinx did not pickle the environment
    if type(app.env) is _SavedAtTheEnd:
        app.env.__class__ = BuildEnvironment


@when_on("environment")
def _put_in_place(app: Sphinx, exception: Exception | None) -> None:
    _not_saved(app, None)
    partial = _partial_file(app)
    if not partial.exists():
        return
    if exception is not None:
        partial.unlink()
        return
    os.replace(partial, Path(app.doctreedir) / ENV_PICKLE_FILENAME)


def setup_envsave(app: Sphinx) -> None:
    # after every other handler: the environment as Sphinx pickles it next
    app.connect("env-get-updated", _save_at_the_end, priority=1000)
    app.connect("write-started", _not_saved, priority=0)
    # first: the environment in place before anything else reports the build done
    app.connect("build-finished", _put_in_place, priority=0)
