"""Measure build speed and memory: the real site and synthetic corpora.

    python bench/run.py [--quick] [--sizes 1000 5000 20000] [--runs 3] [--json FILE]

For the real site and each corpus size it measures, as whole ``sphinx-build``
processes run as ``nox -s docs`` runs them (``-j auto``: one worker per core):
a cold build (fresh output), a no-op rebuild, a one-page edit rebuild (and
checks that another page shows the edit), and the peak memory (RSS) of the
cold build. "Preview edit" is the same edit rebuilt as ``nox -s serve``
rebuilds it: serially, in a child forked from a process that has loaded what
a build imports (``anchor_sop.preview``). Each figure is the median of
``--runs`` runs; each cold build is followed by ``EDITS_PER_BUILD`` edits,
and as many preview edits are made, so the edit figures, the cheapest to
measure and the tightest targets, are medians of several runs at any size.
It prints one table, with the growth exponent of the cold build between
consecutive sizes (time ∝ needs^k), and writes the same
figures as JSON.
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

from corpus import REPO, edit_one_rule, write_corpus

sys.path.insert(0, str(REPO / "_ext"))
from anchor_sop.preview import build_in_child

QUICK_SIZES = [1000]
FULL_SIZES = [1000, 5000, 20000]
#: One-page edits measured after each cold build (at 20,000 needs a tenth of its time).
EDITS_PER_BUILD = 3


#: Extra sphinx-build arguments (``--stock-rendering`` measures furo's own sidebar,
#: docutils' own table rows and Sphinx's own English search language).
EXTRA_ARGS: list[str] = []


def sphinx_build(src: Path, out: Path, confdir: Path, fresh: bool) -> tuple[float, float]:
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
        *EXTRA_ARGS,
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


def preview_build(src: Path, out: Path, confdir: Path) -> float:
    """One build as ``nox -s serve`` runs it (serial, forked from a warm process)."""
    args = ["-q", "-W", "--keep-going", "-c", str(confdir), "-d", str(out / ".doctrees")]
    start = time.perf_counter()
    code = build_in_child([*args, *EXTRA_ARGS, str(src), str(out)])
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"preview build of {src} failed (exit code {code})")
    return seconds


def measure(name: str, src: Path, confdir: Path, runs: int, edit) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    cold, noop, edited, previewed, memory = [], [], [], [], []
    for _ in range(runs):
        seconds, peak = sphinx_build(src, out, confdir, fresh=True)
        cold.append(seconds)
        memory.append(peak)
        noop.append(sphinx_build(src, out, confdir, fresh=False)[0])
        for _ in range(EDITS_PER_BUILD):
            check = edit()
            edited.append(sphinx_build(src, out, confdir, fresh=False)[0])
            if check is not None:
                check(out)
    preview_build(src, out, confdir)  # no-op: loads what a build imports, as the preview does
    for _ in range(len(edited)):
        check = edit()
        previewed.append(preview_build(src, out, confdir))
        if check is not None:
            check(out)
    needs = needs_built(out)
    shutil.rmtree(out, ignore_errors=True)
    return {
        "name": name,
        "needs": needs,
        "cold_s": statistics.median(cold),
        "noop_s": statistics.median(noop),
        "edit_s": statistics.median(edited),
        "preview_edit_s": statistics.median(previewed),
        "peak_mb": statistics.median(memory),
        "runs": runs,
        "edits": len(edited),
    }


def real_site(runs: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-site-src-"))
    src = work / "source"
    shutil.copytree(REPO / "source", src)
    (src / "conf.py").write_text(
        f"__file__ = {str(REPO / 'conf.py')!r}\n"
        "exec(compile(open(__file__).read(), __file__, 'exec'))\n"
    )
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
    shutil.rmtree(work, ignore_errors=True)
    return result


def growth(results: list[dict]) -> None:
    for before, after in itertools.pairwise(results):
        after["growth_from_previous"] = math.log(after["cold_s"] / before["cold_s"]) / math.log(
            after["needs"] / before["needs"]
        )


def print_table(results: list[dict]) -> None:
    header = (
        f"{'corpus':<14}{'needs':>7}{'cold s':>9}{'no-op s':>9}{'edit s':>8}"
        f"{'preview edit s':>16}{'peak MB':>9}{'growth':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        k = r.get("growth_from_previous")
        print(
            f"{r['name']:<14}{r['needs']:>7}{r['cold_s']:>9.2f}{r['noop_s']:>9.2f}"
            f"{r['edit_s']:>8.2f}{r['preview_edit_s']:>16.2f}{r['peak_mb']:>9.0f}"
            f"{'' if k is None else f'{k:.2f}':>8}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the real site and 1,000 needs")
    parser.add_argument("--sizes", type=int, nargs="*", help="corpus sizes, in needs")
    parser.add_argument("--runs", type=int, help="runs per figure (median); default 3, quick 1")
    parser.add_argument("--json", type=Path, default=REPO / "build" / "bench" / "results.json")
    parser.add_argument(
        "--stock-rendering",
        action="store_true",
        help="furo's sidebar on every page, docutils' table rows, Sphinx's search language",
    )
    args = parser.parse_args()
    if args.stock_rendering:
        for switch in ["anchor_fast_navigation", "anchor_fast_tables", "anchor_fast_search"]:
            EXTRA_ARGS.extend(["-D", f"{switch}=0"])
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    runs = args.runs or (1 if args.quick else 3)
    results = [real_site(runs)]
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
