"""How the pages of a build are read and written, with ``-j``.

Sphinx reads in chunks of about 70 pages, each in a worker forked from the
main process, and each worker sends back the whole build environment, pickled:
the environment as it was forked, holding every chunk merged so far, plus its
own pages. In a large project, loading those environments takes the main
process most of a cold build, while it reads nothing itself.

So a build that reads most pages splits them into one contiguous share per
process: workers are forked first, before any page is read, and send back
only their own share; the main process reads the first share meanwhile,
then merges the others in share order, whichever worker finished first. A
build that reads fewer than half its pages (an edit) reads them in the main
process: a worker's environment would cost more than the pages.

Writing stays parallel, with one write worker per process rather than
Sphinx's one fewer. Sphinx leaves a process to the main one, which resolves
every page and hands them on in chunks; but a chunk it has resolved starts
only when it hands on the next, so its one worker waited between chunks, the
resolved pages piled up in the main process, and each later worker was forked
from that larger process (the build's peak of memory). With a second worker
the pile stays short, in the same time.

A build that reads most pages (a cold build) resolves them in the workers
too. Sphinx resolves every page in the main process (loading its doctree,
its post-transforms, feeding the search index) and hands each worker
resolved pages to write; at 10,000 record pages the main process took twice
as long to resolve them as the workers to write them, so they waited for it.
Here each process, the main one too, resolves, indexes and writes one
contiguous share of the pages, and each worker sends back what the main
process keeps of them: the search index's entries for its
pages and the images they use. The main process adds them in Sphinx's order
of the pages, so the index is the same (a test compares it).

In an edit, the pages drawn from every page (views, registers:
``DocStore.shows``) are resolved and handed on first, right after the page
Sphinx writes in the main process before any worker starts. In name order
they came last ("trace-..."), so the largest views were written by one
worker after the main process had resolved everything, while it waited;
first, they are written while it resolves the other pages. A cold build
keeps Sphinx's order: the worker given the views early, with some seventy
other pages, raised its peak of memory for no time that could be told from
noise.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from functools import partial

from sphinx.application import Sphinx
from sphinx.builders import _write_docname
from sphinx.environment import BuildEnvironment
from sphinx.locale import __
from sphinx.util.build_phase import BuildPhase
from sphinx.util.display import status_iterator
from sphinx.util.parallel import ParallelTasks, parallel_available

from ..state import build_state
from ..store import shows_every_page
from .pickling import dumps
from .switch import is_on, when_on


def reads_few_pages(app: Sphinx) -> bool:
    """Whether this build reads fewer than half the project's pages: an edit, not a
    cold build. Decided as reading begins (``env-before-read-docs``, priority 900)."""
    return build_state(app).reads_few


def _read_few_in_main_process(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    # decided with every speedup's handlers, the collector's too
    build_state(app).reads_few = 2 * len(docnames) < len(env.found_docs)
    if is_on(app, "parallel") and app.parallel > 1 and build_state(app).reads_few:
        # Sphinx checks app.parallel right after this event, before reading
        build_state(app).parallel = app.parallel
        app.parallel = 1


def _parallel_read_allowed(app: Sphinx) -> bool:
    # Sphinx's own check, without its warnings: when an extension is not
    # parallel-safe, Sphinx reads serially and says why
    return (
        parallel_available
        and app.parallel > 1
        and all(getattr(ext, "parallel_read_safe", None) for ext in app.extensions.values())
    )


@when_on("parallel")
def _read_in_shares(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Read every page to read (runs last at ``env-before-read-docs``), then leave
    Sphinx nothing to read; ``env-updated`` gives the pages back as read."""
    if not docnames or reads_few_pages(app) or not _parallel_read_allowed(app):
        return
    builder = app.builder
    # as Sphinx does before reading in parallel: every outdated page at once
    for docname in docnames:
        app.events.emit("env-purge-doc", env, docname)
        env.clear_doc(docname)
    size = -(-len(docnames) // app.parallel)
    own_share, *worker_shares = [docnames[i : i + size] for i in range(0, len(docnames), size)]

    def read_share(share: list[str]) -> bytes:
        for docname in share:
            builder.read_doc(docname, _cache=False)  # doctrees go to disk, not to memory
        return dumps(env)

    read: dict[str, bytes] = {}  # each worker's environment, by its share's first page

    def keep(share: list[str], data: bytes) -> None:
        read[share[0]] = data

    workers = ParallelTasks(max(len(worker_shares), 1))
    try:
        for share in worker_shares:
            workers.add_task(read_share, share, keep)
        for docname in status_iterator(
            own_share, __("reading sources... "), "purple", len(own_share), app.verbosity
        ):
            builder.read_doc(docname, _cache=False)
    except BaseException:
        workers.terminate()
        raise
    workers.join()
    for share in worker_shares:
        env.merge_info_from(share, pickle.loads(read.pop(share[0])), app)
    build_state(app).read_in_shares = list(docnames)
    docnames.clear()


@when_on("parallel", otherwise=())
def _pages_read_in_shares(app: Sphinx, _env: BuildEnvironment) -> list[str]:
    # Sphinx writes the pages it read (none, here) and those env-updated returns
    state = build_state(app)
    read, state.read_in_shares = state.read_in_shares, []
    return read


@when_on("parallel")
def _one_writer_per_process(app: Sphinx, _builder) -> None:
    # Sphinx writes with app.parallel - 1 workers, read after this event
    if app.parallel > 1:
        build_state(app).parallel = app.parallel
        app.parallel += 1


def _restore_parallel(app: Sphinx, _env_or_exception: object) -> None:
    # before the builder decides whether to write in parallel (after
    # env-updated), and when the build has finished
    state = build_state(app)
    if state.parallel is not None:
        app.parallel, state.parallel = state.parallel, None


def _aggregate_pages_first(env: BuildEnvironment, docnames: Sequence[str]) -> list[str]:
    """``docnames`` (Sphinx's order) with the pages drawn from every page moved up
    to follow the first one, which Sphinx writes in the main process."""
    first, *rest = docnames
    aggregate: list[str] = []
    others: list[str] = []
    for docname in rest:
        (aggregate if shows_every_page(env, docname) else others).append(docname)
    return [first, *aggregate, *others]


#: What feeding a page to the search index adds to (``IndexBuilder``'s parts by page).
_INDEX_PARTS = (
    "_titles",
    "_filenames",
    "_mapping",
    "_title_mapping",
    "_all_titles",
    "_index_entries",
)


def _resolve_and_write(builder, docnames: Sequence[str]) -> None:
    for docname in docnames:
        builder.phase = BuildPhase.RESOLVING
        doctree = builder.env.get_and_resolve_doctree(docname, builder, tags=builder.tags)
        builder.write_doc_serialized(docname, doctree)
        builder.phase = BuildPhase.WRITING
        builder.write_doc(docname, doctree)


def _write_share(builder, docnames: list[str]) -> tuple[dict | None, dict]:
    """In a worker: resolve, index and write ``docnames``; return the search index's
    entries for them and the images they use."""
    indexer = builder.indexer
    if indexer is not None:
        for part in _INDEX_PARTS:  # this process's own: only these pages' entries
            setattr(indexer, part, {})
    builder.images = {}
    _resolve_and_write(builder, docnames)
    index = None if indexer is None else {part: getattr(indexer, part) for part in _INDEX_PARTS}
    return index, builder.images


def _add_index(indexer, index: dict) -> None:
    # as feeding the pages one after another would have: entries in page order
    for part in ("_titles", "_filenames", "_all_titles", "_index_entries"):
        getattr(indexer, part).update(index[part])
    for part in ("_mapping", "_title_mapping"):
        mapping = getattr(indexer, part)
        for word, pages in index[part].items():
            mapping.setdefault(word, set()).update(pages)


def _write_in_shares(app: Sphinx, docnames: Sequence[str], processes: int) -> None:
    """Resolve, index and write ``docnames`` in one contiguous share per process, the
    main process's first; then add the workers' index entries and images in order."""
    builder, env = app.builder, app.env
    first, *rest = docnames
    # the main process writes the first page alone: the caches every worker inherits
    _write_docname(first, env=env, builder=builder, tags=builder.tags)
    size = -(-len(rest) // processes)
    own_share, *worker_shares = [rest[i : i + size] for i in range(0, len(rest), size)]
    results: dict[str, tuple[dict | None, dict]] = {}  # by each share's first page

    def keep(share: list[str], result: tuple[dict | None, dict]) -> None:
        results[share[0]] = result

    workers = ParallelTasks(max(len(worker_shares), 1))
    try:
        for share in worker_shares:
            workers.add_task(partial(_write_share, builder), share, keep)
        _resolve_and_write(
            builder,
            status_iterator(
                own_share, __("writing output... "), "darkgreen", len(own_share), app.verbosity
            ),
        )
    except BaseException:
        workers.terminate()
        raise
    workers.join()
    for share in worker_shares:
        index, images = results.pop(share[0])
        if index is not None:
            _add_index(builder.indexer, index)
        builder.images.update(images)
    from ..exports.files import note_written  # the exports import this module

    for docname in rest:
        note_written(app, docname)


@when_on("parallel")
def _write_aggregate_pages_first(app: Sphinx) -> None:
    # Sphinx's write_documents hands its sorted pages to this method
    builder = app.builder
    write_parallel = builder._write_parallel

    def write_in_order(docnames: Sequence[str], nproc: int) -> None:
        if len(docnames) > 1 and not reads_few_pages(app):
            # nproc: Sphinx's workers, one per process here (_one_writer_per_process)
            _write_in_shares(app, docnames, nproc)
            return
        if reads_few_pages(app):
            docnames = _aggregate_pages_first(app.env, docnames)
        write_parallel(docnames, nproc)

    builder._write_parallel = write_in_order


def setup_parallel(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _read_few_in_main_process, priority=900)
    # after every other handler has seen (and perhaps reordered) the pages to read
    app.connect("env-before-read-docs", _read_in_shares, priority=1000)
    app.connect("env-updated", _pages_read_in_shares, priority=1)
    app.connect("env-updated", _restore_parallel, priority=100)
    app.connect("builder-inited", _write_aggregate_pages_first)
    app.connect("write-started", _one_writer_per_process)
    app.connect("build-finished", _restore_parallel)
