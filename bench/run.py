"""Measure build speed and memory: the real site and synthetic corpora.

    python bench/run.py [--quick [--records]] [--stock] [--frameworks]
                        [--sizes 1000 5000 20000] [--runs 3] [--json FILE]

For the real site, the real site with 10,000 operating records over 200
systems (its edit adds a record, and checks the register and the system's
page list it; with ``--quick``, only with ``--records``) and each corpus
size it measures, as whole ``sphinx-build``
processes run as ``nox -s docs`` runs them (``-j auto``: one worker per core):
a cold build (fresh output), a no-op rebuild, a one-page edit rebuild (and
checks that another page shows the edit), and the peak memory (RSS) of the
cold build; then the cold and edit builds again with every speedup off
(``-D anchor_speedups=0``), the "off" columns. "Preview edit" is the same edit
rebuilt as ``nox -s serve``
rebuilds it: serially, from the standby set up after the last build, forked
from a process that has loaded what a build imports (``anchor_sop.preview``;
each edit is made once the standby waits, as it does about a second after a
build, before a person saves again). Each figure is the median of
``--runs`` runs; each cold build is followed by ``EDITS_PER_BUILD`` edits,
and as many preview edits are made, so the edit figures, the cheapest to
measure and the tightest targets, are medians of several runs at any size.
With ``--stock`` it also builds the records corpus's record pages as plain
MyST pages (their fields as a Markdown table) in a project with no extension
of ours, only MyST and furo: what stock Sphinx spends on as many pages, the
scale against which the records targets read. With ``--frameworks`` it builds
the real site cold against the same site whose framework pages are their rows
as plain MyST tables, alternately. It prints one table, with the
growth exponent of the cold build between consecutive sizes (time ∝ needs^k),
then each of :data:`TARGETS`, met or not, and writes the same figures as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import (
    REPO,
    add_one_record,
    edit_one_rule,
    plain_page,
    restore_test,
    write_corpus,
    write_plain_frameworks,
    write_records,
    write_stock_records,
)

sys.path.insert(0, str(REPO / "_ext"))
from anchor_sop.preview import WarmBuilds

QUICK_SIZES = [1000]
FULL_SIZES = [1000, 5000, 20000]
#: One-page edits measured after each cold build (at 20,000 needs a tenth of its time).
EDITS_PER_BUILD = 3


#: The arguments that turn every speedup off (the "off" columns).
SPEEDUPS_OFF = ["-D", "anchor_speedups=0"]

#: Targets as ratios to a row measured in the same run, by (corpus, figure): the
#: machine's speed varies by a factor of two between days, so a figure is read
#: against a reference it shares the day with. The records corpus against stock
#: Sphinx on the same record pages (``--stock``); every other against itself with
#: the speedups off.
TARGETS = {
    ("real site", "cold_s"): (("real site", "cold_off_s"), 0.75),
    ("real site", "edit_s"): (("real site", "edit_off_s"), 0.75),
    ("5000", "cold_s"): (("5000", "cold_off_s"), 0.5),
    ("5000", "edit_s"): (("5000", "edit_off_s"), 0.5),
    ("20000", "cold_s"): (("20000", "cold_off_s"), 0.5),
    ("20000", "edit_s"): (("20000", "edit_off_s"), 0.5),
    # cold: at most half of what stock Sphinx takes for the record pages alone
    ("records", "cold_s"): (("stock pages", "cold_s"), 0.5),
    # adding a record: at most stock's build that reads and writes no page
    ("records", "edit_s"): (("stock pages", "noop_s"), 1.0),
    # the framework pages: at most a tenth over their rows as plain tables
    ("frameworks", "cold_s"): (("plain tables", "cold_s"), 1.1),
}


def sphinx_build(
    src: Path, out: Path, confdir: Path, fresh: bool, extra: list[str]
) -> tuple[float, float]:
    """Run one build as its own process; return (seconds, peak RSS in MB)."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-q",
        "-W",
        "-j",
        "auto",
        "--keep-going",
        "-c",
        str(confdir),
        "-d",
        str(out / ".doctrees"),
        *extra,
        str(src),
        str(out),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    stderr = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build of {src} failed:\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def needs_built(out: Path) -> int:
    """The needs of the site built in ``out`` (its needs.json)."""
    data = json.loads((out / "needs.json").read_text())
    return len(data["versions"][data["current_version"]]["needs"])


def preview_edits(src: Path, out: Path, confdir: Path, edit, count: int) -> list[float]:
    """``count`` edits rebuilt as ``nox -s serve`` rebuilds them: the seconds of each."""
    args = ["-q", "-W", "--keep-going", "-c", str(confdir), "-d", str(out / ".doctrees")]
    builds = WarmBuilds([*args, str(src), str(out)])
    seconds = []
    try:
        builds.build()  # no-op: loads what a build imports, as the preview does
        for _ in range(count):
            if not builds.ready(timeout=600):
                raise SystemExit(f"the preview's standby of {src} did not set itself up")
            check = edit()
            start = time.perf_counter()
            code = builds.build()
            seconds.append(time.perf_counter() - start)
            if code != 0:
                raise SystemExit(f"preview build of {src} failed (exit code {code})")
            if not builds.from_standby:
                raise SystemExit(f"the preview built {src} afresh, not from its standby")
            if check is not None:
                check(out)
    finally:
        builds.close()
    return seconds


def measure(name: str, src: Path, confdir: Path, runs: int, edit) -> dict:
    """Cold, no-op and edit builds with the speedups on, then cold and edit builds with
    them off (A and B alternate, so drift of the machine falls on both), then the
    preview's edits."""
    on, off = tempfile.mkdtemp(prefix=f"bench-{name}-on-"), tempfile.mkdtemp(prefix="off-")
    figures: dict[str, list[float]] = {
        key: [] for key in ("cold", "noop", "edit", "peak", "cold_off", "edit_off", "preview")
    }
    for _ in range(runs):
        for out, suffix, extra in ((Path(on), "", []), (Path(off), "_off", SPEEDUPS_OFF)):
            seconds, peak = sphinx_build(src, out, confdir, fresh=True, extra=extra)
            figures[f"cold{suffix}"].append(seconds)
            if not suffix:
                figures["peak"].append(peak)
                figures["noop"].append(sphinx_build(src, out, confdir, False, extra)[0])
        for _ in range(EDITS_PER_BUILD):
            for out, suffix, extra in ((Path(on), "", []), (Path(off), "_off", SPEEDUPS_OFF)):
                check = edit()
                figures[f"edit{suffix}"].append(sphinx_build(src, out, confdir, False, extra)[0])
                if check is not None:
                    check(out)
    out = Path(on)
    figures["preview"] = preview_edits(src, out, confdir, edit, EDITS_PER_BUILD * runs)
    needs = needs_built(out)
    shutil.rmtree(on, ignore_errors=True)
    shutil.rmtree(off, ignore_errors=True)
    median = {key: statistics.median(values) for key, values in figures.items()}
    return {
        "name": name,
        "needs": needs,
        "cold_s": median["cold"],
        "cold_off_s": median["cold_off"],
        "noop_s": median["noop"],
        "edit_s": median["edit"],
        "edit_off_s": median["edit_off"],
        "preview_edit_s": median["preview"],
        "peak_mb": median["peak"],
        "runs": runs,
        "edits": len(figures["edit"]),
    }


def copy_of_the_site(prefix: str) -> tuple[Path, Path]:
    """The real site's pages in a fresh folder, with a conf.py that reads the real one:
    (the folder, its source)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    src = work / "source"
    shutil.copytree(REPO / "source", src)
    (src / "conf.py").write_text(
        f"__file__ = {str(REPO / 'conf.py')!r}\n"
        "exec(compile(open(__file__).read(), __file__, 'exec'))\n"
    )
    return work, src


def real_site(runs: int) -> dict:
    work, src = copy_of_the_site("bench-site-src-")
    page = src / "backup-and-restore" / "backup-policy.md"
    original = page.read_text()

    def edit():
        text = page.read_text()
        page.write_text(
            text.replace("Keep 7 daily", "Keep 7  daily") if text == original else original
        )  # white space only: the links stay reviewed

    result = measure("real site", src, src, runs, edit)
    shutil.rmtree(work, ignore_errors=True)
    return result


def records(runs: int) -> dict:
    """The real site with 10,000 records over 200 systems; the edit adds a record."""
    work, src = copy_of_the_site("bench-records-")
    written = write_records(src)
    numbers = itertools.count(90000)

    def edit():
        record_id = add_one_record(src, next(numbers))

        def check(out: Path) -> None:
            # the register and the system's page list the new record
            for page in ("backup-and-restore/restore-test-log", "records/systems/SYS-002"):
                if record_id not in (out / f"{page}.html").read_text():
                    raise SystemExit(f"after adding {record_id}, {page} does not list it")

        return check

    result = measure(f"{written} records", src, src, runs, edit)
    result["size"] = "records"
    shutil.rmtree(work, ignore_errors=True)
    return result


#: The name of the row of the stock pages.
STOCK = "stock pages"


def stock(runs: int) -> dict:
    """The records corpus's record pages as plain pages, built by Sphinx, MyST and furo
    with no extension of ours: cold, no-op and edit (adding a page) builds, for scale."""
    work, src = copy_of_the_site("bench-stock-")
    write_records(src)
    plain = work / "plain"
    pages = write_stock_records(src / "records", plain)
    numbers = itertools.count(90000)
    out = Path(tempfile.mkdtemp(prefix="bench-stock-out-"))
    figures: dict[str, list[float]] = {key: [] for key in ("cold", "noop", "edit", "peak")}
    for _ in range(runs):
        seconds, peak = sphinx_build(plain, out, plain, fresh=True, extra=[])
        figures["cold"].append(seconds)
        figures["peak"].append(peak)
        figures["noop"].append(sphinx_build(plain, out, plain, False, [])[0])
        for _ in range(EDITS_PER_BUILD):
            number = next(numbers)
            page = plain / "records" / "restore-tests" / f"RT-{number:05d}.md"
            page.write_text(plain_page(restore_test(number, 2, "2026-11-30")))
            figures["edit"].append(sphinx_build(plain, out, plain, False, [])[0])
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    median = {key: statistics.median(values) for key, values in figures.items()}
    return {
        "name": STOCK,
        "needs": 0,
        "pages": pages,
        "cold_s": median["cold"],
        "noop_s": median["noop"],
        "edit_s": median["edit"],
        "peak_mb": median["peak"],
        "runs": runs,
        "edits": len(figures["edit"]),
    }


def frameworks(runs: int) -> list[dict]:
    """The real site's cold build against the same site whose framework pages (SOC 2,
    ISO 27001, the Statement of Applicability) are their rows as plain MyST tables:
    what the frameworks cost beyond what Sphinx and MyST spend on the same tables.
    The two builds alternate."""
    work, src = copy_of_the_site("bench-frameworks-")
    plain_work, plain = copy_of_the_site("bench-plain-tables-")
    out = Path(tempfile.mkdtemp(prefix="bench-frameworks-out-"))
    sphinx_build(src, out, src, fresh=True, extra=[])
    needs = needs_built(out)
    write_plain_frameworks(plain, out)
    figures: dict[str, list[tuple[float, float]]] = {"frameworks": [], "plain tables": []}
    for _ in range(max(runs, 5)):  # the difference is a tenth of a second: more runs
        for name, source in (("frameworks", src), ("plain tables", plain)):
            figures[name].append(sphinx_build(source, out, source, fresh=True, extra=[]))
    for folder in (work, plain_work, out):
        shutil.rmtree(folder, ignore_errors=True)
    return [
        {
            "name": name,
            "needs": needs if name == "frameworks" else 0,
            "cold_s": statistics.median(seconds for seconds, _ in built),
            "peak_mb": statistics.median(peak for _, peak in built),
            "runs": len(built),
        }
        for name, built in figures.items()
    ]


def corpus(size: int, runs: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"bench-corpus-{size}-"))
    shape = write_corpus(work, size)

    def edit():
        title = edit_one_rule(work)

        def check(out: Path) -> None:
            # the edit is on a policy page; a checklist page links the rule by its title
            html = (out / "checklists" / "checklist-0001.html").read_text()
            if title not in html:
                raise SystemExit(f"after the edit, checklist-0001 does not show {title!r}")

        return check

    result = measure(f"{shape['needs']} needs", work, work, runs, edit)
    result["pages"] = shape["pages"]
    result["size"] = size
    shutil.rmtree(work, ignore_errors=True)
    return result


def growth(results: list[dict]) -> None:
    for before, after in itertools.pairwise(results):
        after["growth_from_previous"] = math.log(after["cold_s"] / before["cold_s"]) / math.log(
            after["needs"] / before["needs"]
        )


def print_table(results: list[dict]) -> None:
    header = (
        f"{'corpus':<14}{'needs':>7}{'cold s':>9}{'off':>7}{'no-op s':>9}{'edit s':>8}"
        f"{'off':>7}{'preview edit s':>16}{'peak MB':>9}{'growth':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        k = r.get("growth_from_previous")
        print(
            f"{r['name']:<14}{r['needs']:>7}"
            f"{_seconds(r, 'cold_s', 9)}{_seconds(r, 'cold_off_s', 7)}"
            f"{_seconds(r, 'noop_s', 9)}{_seconds(r, 'edit_s', 8)}{_seconds(r, 'edit_off_s', 7)}"
            f"{_seconds(r, 'preview_edit_s', 16)}{r['peak_mb']:>9.0f}"
            f"{'' if k is None else f'{k:.2f}':>8}"
        )
    print("\n(off: the same builds with every speedup off, -D anchor_speedups=0)")
    if any(r["name"] == STOCK for r in results):
        print(
            "(stock pages: the records corpus's record pages as plain MyST pages, built with"
            " no extension of ours)"
        )
    if any(r["name"] == "plain tables" for r in results):
        print(
            "(frameworks: the real site, cold; plain tables: the same with its framework pages"
            " as their rows in plain MyST tables)"
        )
    for line in verdicts(results):
        print(line)


def verdicts(results: list[dict]) -> list[str]:
    """Each target measured in this run: its ratio to its reference, met or not."""
    rows = {str(r.get("size", r["name"])): r for r in results}
    lines = []
    for (corpus_name, figure), ((ref_corpus, ref_figure), limit) in TARGETS.items():
        measured = rows.get(corpus_name, {}).get(figure)
        if measured is None:
            continue
        what = f"{corpus_name} {figure[:-2]}"
        reference = rows.get(ref_corpus, {}).get(ref_figure)
        if reference is None:
            lines.append(f"target {what}: no {ref_corpus} {ref_figure[:-2]} in this run")
            continue
        ratio = measured / reference
        verdict = "met" if ratio <= limit else "NOT MET"
        lines.append(
            f"target {what} <= {limit:g} x {ref_corpus} {ref_figure[:-2]}: "
            f"{measured:.2f} s / {reference:.2f} s = {ratio:.2f}, {verdict}"
        )
    return lines


def _seconds(result: dict, figure: str, width: int) -> str:
    # a figure a row does not measure (the stock pages have no speedups, no preview)
    return f"{result[figure]:>{width}.2f}" if figure in result else f"{'—':>{width}}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the real site and 1,000 needs")
    parser.add_argument("--sizes", type=int, nargs="*", help="corpus sizes, in needs")
    parser.add_argument(
        "--records", action="store_true", help="with --quick: the records corpus too"
    )
    parser.add_argument(
        "--stock",
        action="store_true",
        help="also the records corpus's record pages as plain pages, with no extension of ours",
    )
    parser.add_argument(
        "--frameworks",
        action="store_true",
        help="also the real site against its framework pages as plain tables",
    )
    parser.add_argument("--runs", type=int, help="runs per figure (median); default 3, quick 1")
    parser.add_argument("--json", type=Path, default=REPO / "build" / "bench" / "results.json")
    args = parser.parse_args()
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    runs = args.runs or (1 if args.quick else 3)
    results = [real_site(runs)]
    if not args.quick or args.records:
        results.append(records(runs))
    if args.stock:
        results.append(stock(runs))
    if args.frameworks:
        results += frameworks(runs)
    corpora = [corpus(size, runs if size < 20000 else max(1, runs // 3)) for size in sizes]
    growth(corpora)
    results += corpora
    print_table(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"machine_cores": os.cpu_count(), "results": results}, indent=1)
    )
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
