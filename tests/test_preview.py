"""The live preview (``nox -s serve``): builds forked from a warm process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect

from anchor_sop.preview import WarmBuilds, build_in_child, pages_only
from conftest import EXT, copy_site, root_pages, serving, site_pages, warnings_of, write_pages


def sphinx_args(srcdir: Path, out: Path, *extra: str) -> list[str]:
    return ["-q", *extra, "-d", str(out / ".doctrees"), str(srcdir), str(out)]


def test_a_warm_build_writes_the_site_a_fresh_process_writes(site, tmp_path):
    srcdir = copy_site(tmp_path / "source")
    # the first build warms this process; the second starts from what it loaded
    assert build_in_child(sphinx_args(srcdir, tmp_path / "first")) == 0
    assert build_in_child(sphinx_args(srcdir, tmp_path / "warm", "-W", "--keep-going")) == 0
    warm = tmp_path / "warm"
    pages = site_pages(site)
    assert "traceability/matrix.html" in pages
    different = [
        page
        for page in [*pages, "searchindex.js", "needs.json"]
        if (site.outdir / page).read_bytes() != (warm / page).read_bytes()
    ]
    assert different == []


def stamp_project(srcdir: Path) -> Path:
    """A project whose own extension, ``stamp.py`` (returned), writes its STAMP into
    ``stamp.txt`` at the end of each build: which code a build ran is known."""
    write_pages(srcdir, {"page": "# Page\n\nText.\n"})
    (srcdir / "conf.py").write_text(
        (srcdir / "conf.py").read_text()
        + f"sys.path.insert(0, {str(srcdir)!r})\nextensions.append('stamp')\n"
    )
    stamp = srcdir / "stamp.py"
    stamp.write_text(
        "def setup(app):\n"
        "    app.connect('build-finished', lambda app, exc: (app.outdir / 'stamp.txt')"
        ".write_text(STAMP))\n"
        "STAMP = 'first'\n"
    )
    return stamp


def test_the_preview_keeps_installed_modules_and_drops_the_projects(tmp_path):
    """Run in a fresh interpreter: what it had loaded before the build is known."""
    srcdir = tmp_path / "src"
    stamp = stamp_project(srcdir)
    script = f"""
import json, sys
sys.path[:0] = [{str(EXT)!r}, {str(srcdir)!r}]
import stamp  # the preview process has the project's code loaded, as `python -m` has
from anchor_sop.preview import build_in_child, is_installed
before = dict(sys.modules)
codes = [build_in_child({sphinx_args(srcdir, tmp_path / "out")!r})]
loaded = [name for name in sys.modules if name not in before]
edited = open({str(stamp)!r}).read().replace("'first'", "'second'")
open({str(stamp)!r}, "w").write(edited)
codes.append(build_in_child({sphinx_args(srcdir, tmp_path / "out")!r}))
print(json.dumps([codes, loaded, [n for n in loaded if not is_installed(sys.modules[n])]]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    codes, loaded, loaded_from_the_project = json.loads(done.stdout.splitlines()[-1])
    assert codes == [0, 0]
    # what the first build imported is loaded now: MyST's parser, furo's code styles...
    assert {"myst_parser.parsers.mdit", "markdown_it.main", "a11y_pygments"} <= set(loaded)
    assert loaded_from_the_project == []
    assert (tmp_path / "out" / "stamp.txt").read_text() == "second"


RESTORE_TEST = """# Restore test of Cerberus

:::{restore-test} RT-001
:system: SYS-01
:tested-on: 2026-11-30
:backup: Restic snapshot of 2026-11-29 (database)
:result: pass
:integrity-verified: yes
:tested-by: Operator
:::
"""


def test_a_rebuild_from_the_standby_writes_what_a_fresh_child_writes(tmp_path):
    """The same builds (the site, then a record added), one through the standby and
    one through fresh children: every page, the search index and needs.json agree."""
    srcdir = copy_site(tmp_path / "source")
    builds = WarmBuilds(sphinx_args(srcdir, tmp_path / "standby", "-W", "--keep-going"))
    try:
        assert builds.build() == 0
        assert builds.from_standby is False  # the first build has no standby to go on from
        assert build_in_child(sphinx_args(srcdir, tmp_path / "fresh")) == 0
        assert builds.ready(timeout=120)
        (srcdir / "records" / "restore-tests" / "RT-001.md").write_text(RESTORE_TEST)
        assert builds.build() == 0
        assert builds.from_standby is True
    finally:
        builds.close()
    assert build_in_child(sphinx_args(srcdir, tmp_path / "fresh")) == 0
    # and from nothing: an edit rebuild leaves no page stale (the sidebar of every page)
    assert build_in_child(sphinx_args(srcdir, tmp_path / "cold")) == 0
    standby, fresh, cold = tmp_path / "standby", tmp_path / "fresh", tmp_path / "cold"
    # the standby was set up before the record was written, and still shows it
    assert "RT-001" in (standby / "records" / "systems" / "SYS-01.html").read_text()
    pages = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*.html"))
    assert "records/restore-tests/RT-001.html" in pages
    compared = [*pages, "searchindex.js", "needs.json"]
    assert [page for page in compared if read(fresh, page) != read(standby, page)] == []
    compared.remove("searchindex.js")  # Sphinx orders its terms as pages were fed
    assert [page for page in compared if read(cold, page) != read(standby, page)] == []
    assert search_index(cold) == search_index(standby)


def read(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()


def search_index(folder: Path) -> dict:
    """The search index, without the words no page holds any more (Sphinx keeps them,
    with no pages, after an edit) and in any order."""
    text = (folder / "searchindex.js").read_text()
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    for key in ("terms", "titleterms"):
        index[key] = {word: pages for word, pages in index[key].items() if pages != []}
    return index


def test_a_change_to_code_discards_the_standby(tmp_path):
    """A fresh child sets itself up after the change: the edited extension applies."""
    srcdir = tmp_path / "src"
    stamp = stamp_project(srcdir)
    out = tmp_path / "out"
    builds = WarmBuilds(sphinx_args(srcdir, out))
    try:
        assert builds.build() == 0
        assert builds.ready(timeout=60)  # set up with the first stamp.py
        stamp.write_text(stamp.read_text().replace("'first'", "'second'"))
        assert not pages_only([stamp])
        assert builds.build(fresh=True) == 0
        assert builds.from_standby is False
    finally:
        builds.close()
    assert (out / "stamp.txt").read_text() == "second"


def test_only_saved_pages_go_on_from_the_standby():
    assert pages_only([Path("source/records/incidents/INC-001.md")])
    assert not pages_only([Path("source/page.md"), Path("conf.py")])
    assert not pages_only([Path("_ext/anchor_sop/templates/layout.html")])
    assert not pages_only([])  # the first build: nothing saved, nothing set up yet


def test_a_standby_that_ended_gives_way_to_a_fresh_child(tmp_path):
    srcdir = tmp_path / "src"
    write_pages(srcdir, {"page": "# Page\n\nThe first text.\n"})
    out = tmp_path / "out"
    builds = WarmBuilds(sphinx_args(srcdir, out))
    try:
        assert builds.build() == 0
        assert builds.ready(timeout=60)
        builds._standby._process.kill()  # as when its set-up fails: it is gone
        builds._standby._process.join()
        (srcdir / "page.md").write_text("# Page\n\nThe edited text.\n")
        assert builds.build() == 0
        assert builds.from_standby is False
    finally:
        builds.close()
    assert "The edited text." in (out / "page.html").read_text()


def test_a_failed_warm_build_returns_its_exit_code(tmp_path):
    srcdir = tmp_path / "src"
    # the checklist's items verify rules of a page that is not there
    write_pages(srcdir, {"checklist": root_pages("errors")["checklist"]})
    code = build_in_child(sphinx_args(srcdir, tmp_path / "out", "-W"))
    assert code not in (0, None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_preview_shows_an_edit_in_the_open_page(browser, tmp_path):
    srcdir = tmp_path / "src"
    write_pages(srcdir, {"page": "# Page\n\nThe first text.\n"})
    port = free_port()
    out = tmp_path / "out"
    command = ["-m", "anchor_sop.preview", "--port", str(port), *sphinx_args(srcdir, out)]
    preview = subprocess.Popen(
        [sys.executable, *command],
        env={**os.environ, "PYTHONPATH": str(EXT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/page.html"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url) as response:
                    assert b"The first text." in response.read()
                break
            except OSError:
                assert preview.poll() is None, preview.stdout.read()
                assert time.monotonic() < deadline, "the preview did not start serving"
                time.sleep(0.2)
        page = browser.new_page()
        page.goto(url)
        assert page.locator("article").inner_text().count("The first text.") == 1
        (srcdir / "page.md").write_text("# Page\n\nThe edited text.\n")
        # sphinx-autobuild's script reloads the open page once the rebuild is done
        page.get_by_text("The edited text.").wait_for(timeout=30_000)
        page.close()
    finally:
        preview.terminate()
        preview.wait(timeout=10)
    assert "Rebuilding" in preview.stdout.read()


# --- the preview shows what is wrong --------------------------------------------------

BAD_DATE = """# Backup Policy

:::{policy}
:id-prefix: BKP
:owner: Anchor MSP Operations Lead
:last-reviewed: 04/04/2026
:::

## Purpose

Why.

## Scope

What.

## Exceptions

None.
"""


def test_the_preview_shows_each_warning_on_its_page_and_a_count_elsewhere(build, browser):
    app = build(
        {"policy": BAD_DATE, "other": "# Other page\n\nText.\n"}, anchor_preview_warnings=True
    )
    warnings = warnings_of(app)
    # at the line of the option whose value is wrong
    assert len(warnings) == 1 and "policy.md:6" in warnings[0]
    kept = json.loads((app.outdir / "_static" / "anchor-warnings.json").read_text())
    assert [w["page"] for w in kept] == ["policy.html"]
    with serving(app.outdir) as address:
        page = browser.new_page()
        page.goto(f"{address}/policy.html")
        banner = page.locator(".anchor-preview-warnings")
        expect(banner).to_be_visible()
        text = banner.inner_text()
        assert "1 warning in the last rebuild, 1 on this page" in text
        assert "src/policy.md:6" in text
        assert "which is not written as YYYY-MM-DD" in text
        assert "Fix: write it as YYYY-MM-DD" in text
        # the banner leaves furo's theme toggle free, on a phone and a desk
        for width in (400, 1400):
            page.set_viewport_size({"width": width, "height": 800})
            toggle = page.locator(".theme-toggle:visible").first.bounding_box()
            box = banner.bounding_box()
            assert toggle["y"] + toggle["height"] <= box["y"] or (
                box["y"] + box["height"] <= toggle["y"]
            ), width
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.goto(f"{address}/other.html")
        expect(page.locator(".anchor-preview-warnings")).to_contain_text(
            "1 warning in the last rebuild, none on this page."
        )
        assert (
            page.locator(".anchor-preview-warnings a")
            .get_attribute("href")
            .endswith("/policy.html")
        )
        page.close()


def test_a_published_build_has_no_preview_banner(build):
    app = build({"policy": BAD_DATE})
    assert not (app.outdir / "_static" / "anchor-warnings.json").exists()
    assert "anchor-preview.js" not in (app.outdir / "policy.html").read_text()
