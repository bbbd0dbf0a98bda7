"""Which pages changed, found with plain string paths.

Every build, before it reads a page, Sphinx walks the source folder
(``Project.discover``), asks of each page whether its source or doctree
changed (``BuildEnvironment.get_outdated_files``), and the HTML builder asks
whether each page's output is older than its source
(``StandaloneHTMLBuilder.get_outdated_docs``). Each makes several ``Path``
objects per page: at 10,000 record pages, most of a second of every build,
an edit's and a no-op's alike. Here the same questions are asked with
strings, one ``stat`` per file:

- the environment's class is :class:`_FindsFilesFast`, and its project's
  :class:`_DiscoversFast`, from ``builder-inited`` until ``env-get-outdated``
  (Sphinx emits it as soon as it has both answers), so neither is pickled;
- the builder's ``get_outdated_docs`` is its own attribute, for the HTML
  builder alone (the others find their output elsewhere).

Whatever the stock path would say something about (two files for one page, an
unreadable file, a page with dependencies or read always, a build info that
differs, a template newer than the last build) goes to the stock path, and so
does a build logged at ``-vv``, which lists why each page is read. A test
compares every answer with the stock path's after pages are added, edited,
removed and excluded.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment
from sphinx.project import Project
from sphinx.util.matching import compile_matchers

from .events import DEBUG_VERBOSITY
from .switch import when_on


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def matching_files(
    srcdir: str | os.PathLike[str], include: Iterable[str], exclude: Iterable[str]
) -> Iterator[str]:
    """``sphinx.util.matching.get_matching_files``: the same names, in the same order."""
    top = os.path.realpath(srcdir)
    excluded, included = compile_matchers(exclude), compile_matchers(include)
    for root, dirs, files in os.walk(top, followlinks=True):
        relative = os.path.relpath(root, top)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        kept = []
        for name in sorted(files):
            entry = _nfc(prefix + name)
            if any(m(entry) for m in included) and not any(m(entry) for m in excluded):
                kept.append(entry)
        dirs[:] = [d for d in sorted(dirs) if not any(m(_nfc(prefix + d)) for m in excluded)]
        yield from kept


def discover(project: Project, exclude: Iterable[str], include: Iterable[str]) -> bool:
    """``Project.discover`` when no file needs a word from it; False (nothing
    changed) when one does, for the stock path to say it."""
    # Sphinx's internals are imported where they are used, only while the speedup
    # is on: a release without them turns the speedup off and still builds
    from sphinx.project import EXCLUDE_PATHS

    docnames: set[str] = set()
    to_docname: dict[Path, str] = {}
    to_path: dict[str, Path] = {}
    srcdir = str(project.srcdir)
    for filename in matching_files(project.srcdir, include, [*exclude, *EXCLUDE_PATHS]):
        suffix = next((s for s in project.source_suffix if filename.endswith(s)), None)
        if suffix is None:
            continue
        docname = filename.removesuffix(suffix)
        if docname in docnames or not os.access(os.path.join(srcdir, filename), os.R_OK):
            return False
        docnames.add(docname)
        path = Path(filename)
        to_docname[path] = docname
        to_path[docname] = path
    # in place, as the stock path fills them
    for held, found in (
        (project.docnames, docnames),
        (project._path_to_docname, to_docname),
        (project._docname_to_path, to_path),
    ):
        held.clear()
        held.update(found)
    return True


class _DiscoversFast(Project):
    """The project's class while Sphinx finds the files (never pickled)."""

    def discover(self, exclude_paths: Iterable[str] = (), include_paths=("**",)) -> set[str]:
        if not discover(self, exclude_paths, include_paths):
            super().discover(exclude_paths, include_paths)
        return self.docnames


def _mtime(path: str) -> int:
    # as sphinx.util.osutil._last_modified_time: microseconds, rounded up
    return -(os.stat(path).st_mtime_ns // -1_000)


def outdated_files(
    env: BuildEnvironment, config_changed: bool
) -> tuple[set[str], set[str], set[str]]:
    """``BuildEnvironment.get_outdated_files``: (added, changed, removed)."""
    from sphinx.environment import _has_doc_changed

    removed = env.all_docs.keys() - env.found_docs
    if config_changed:
        return env.found_docs, set(), removed
    added, changed = set(), set()
    srcdir, doctreedir = str(env.srcdir), str(env.doctreedir)
    paths = env.project._docname_to_path
    for docname in env.found_docs:
        if docname not in env.all_docs:
            added.add(docname)
        elif docname in env.reread_always or docname in env.dependencies:
            if _has_doc_changed(
                docname,
                filename=env.doc2path(docname),
                reread_always=env.reread_always,
                doctreedir=env.doctreedir,
                all_docs=env.all_docs,
                dependencies=env.dependencies,
            ):
                changed.add(docname)
        elif (
            not os.path.isfile(f"{doctreedir}/{docname}.doctree")
            or _mtime(os.path.join(srcdir, paths[docname])) > env.all_docs[docname]
        ):
            changed.add(docname)
    return added, changed, removed


def outdated_docs(builder: StandaloneHTMLBuilder) -> Iterator[str]:
    """``StandaloneHTMLBuilder.get_outdated_docs``: the pages whose output is older
    than their source or the templates."""
    from sphinx.builders.html import BuildInfo

    stock = StandaloneHTMLBuilder.get_outdated_docs
    build_info_path = builder.outdir / ".buildinfo"
    try:
        build_info = BuildInfo.load(build_info_path)
        built = _mtime(str(build_info_path))
    except (ValueError, OSError):
        return stock(builder)
    template_mtime = (
        int(builder.templates.newest_template_mtime() * 10**6) if builder.templates else 0
    )
    if build_info != builder.build_info or template_mtime > built:
        return stock(builder)
    return _older_outputs(builder, template_mtime)


def _older_outputs(builder: StandaloneHTMLBuilder, template_mtime: int) -> Iterator[str]:
    env = builder.env
    outdir, suffix = str(builder.outdir), builder.out_suffix
    srcdir, paths = str(env.srcdir), env.project._docname_to_path
    for docname in env.found_docs:
        if docname not in env.all_docs:
            yield docname
            continue
        try:
            target_mtime = _mtime(f"{outdir}/{docname}{suffix}")
        except OSError:
            target_mtime = 0
        try:
            if max(_mtime(os.path.join(srcdir, paths[docname])), template_mtime) > target_mtime:
                yield docname
        except OSError:
            pass  # the source is gone


class _FindsFilesFast(BuildEnvironment):
    """The environment's class while Sphinx finds what changed (never pickled)."""

    def get_outdated_files(self, config_changed: bool) -> tuple[set[str], set[str], set[str]]:
        return outdated_files(self, config_changed)


_HTML_PATHS = ("get_outdated_docs", "get_output_path")


@when_on("files")
def _take_over(app: Sphinx) -> None:
    if app.verbosity >= DEBUG_VERBOSITY or type(app.env) is not BuildEnvironment:
        return
    app.env.__class__ = _FindsFilesFast
    if type(app.env.project) is Project:
        app.env.project.__class__ = _DiscoversFast
    builder_class = type(app.builder)
    if all(
        getattr(builder_class, name) is getattr(StandaloneHTMLBuilder, name) for name in _HTML_PATHS
    ):
        app.builder.get_outdated_docs = lambda: outdated_docs(app.builder)


def _give_back(app: Sphinx, env: BuildEnvironment, *_changes) -> list[str]:
    if type(env) is _FindsFilesFast:
        env.__class__ = BuildEnvironment
    if type(env.project) is _DiscoversFast:
        env.project.__class__ = Project
    return []


def setup_files(app: Sphinx) -> None:
    app.connect("builder-inited", _take_over)
    # first: every other handler of the event sees Sphinx's own class
    app.connect("env-get-outdated", _give_back, priority=0)
