"""A checklist run recorded in a real browser: answered, signed off, downloaded, built.

A fixture project (two managed systems, a handoff checklist that needs a
sign-off) is built and opened from ``file://`` in Debian's Chromium; the
downloaded record is dropped into the project's records folder unchanged and
the project is built again, strictly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import answer_dialog, place_record, root_pages, warnings_of

EVIDENCE = root_pages("evidence")
SYSTEM = EVIDENCE["records/systems/SYS-01"]

SECOND_SYSTEM = SYSTEM.replace("Cerberus", "Hydra").replace("SYS-01", "SYS-02")
# the handoff checklist with a third item, to fail
THREE_ITEMS = EVIDENCE["checklist"].replace(
    "::::\n", ":::{item} Runbook reviewed\n:id: HOC-03\n:::\n::::\n", 1
)

PAGES = {
    "policy": EVIDENCE["policy"],
    "checklist": THREE_ITEMS,
    "registers": EVIDENCE["registers"].replace("restore-test", "checklist-run"),
    "trace": EVIDENCE["trace"],
    "records/systems/SYS-01": SYSTEM,
    "records/systems/SYS-02": SECOND_SYSTEM,
}

HOSTILE = [
    ':::\n:::{note}\n<script>alert("x")</script>',
    ": leading colon, 'single' and \"double\" quotes, a # hash",
    "Ωμέγα, 日本語, emoji 🚒",
]


@pytest.fixture
def project(checkout):
    return checkout(PAGES, "2026-04-20")


@pytest.fixture
def run_page(browser, project):
    _srcdir, app, _build = project
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((app.outdir / "checklist.html").as_uri())
    yield page
    assert errors == []
    context.close()


def start_run(page, system: str, by: str) -> None:
    page.select_option(".anchor-run-system", system)
    page.fill(".anchor-run-by", by)
    page.click(".anchor-run-begin")


def answer(page, item: str, result: str, note: str = "", evidence: str = "") -> None:
    box = page.locator(f"#{item} fieldset.anchor-run-answer")
    box.get_by_label(result, exact=True).check()
    if note:
        box.locator(".anchor-run-note textarea").fill(note)
    if evidence:
        box.locator(".anchor-run-evidence input").fill(evidence)


def download(page, target: Path) -> Path:
    with page.expect_download() as info:
        page.click(".anchor-run-download")
    name = info.value.suggested_filename
    info.value.save_as(target / name)
    return target / name


def finish_run(page, by: str, signer: str, target: Path) -> Path:
    """A run of every item done, signed off and downloaded into ``target``."""
    start_run(page, "SYS-01", by)
    for item in ("HOC-01", "HOC-02", "HOC-03"):
        answer(page, item, "done")
    page.fill(".anchor-run-signer", signer)
    page.click(".anchor-run-sign")
    return download(page, target)


def test_a_run_is_answered_signed_off_downloaded_and_built(run_page, project, tmp_path):
    srcdir, _app, build = project
    page = run_page
    assert page.locator(".anchor-run").is_visible()
    start_run(page, "SYS-01", "Dana Example")
    answer(page, "HOC-01", "done", evidence="https://grafana.example/d/1")
    answer(page, "HOC-02", "not applicable", note="no backups configured yet")
    answer(page, "HOC-03", "failed", note="runbook not yet written", evidence="ticket 42")
    progress = page.locator(".anchor-run-progress").inner_text()
    assert "1 done, 1 not applicable, 1 failed, 0 unanswered of 3" in progress

    # not signed off yet: the download is refused and says why
    page.click(".anchor-run-download")
    assert "not signed off" in page.locator(".anchor-run-message").inner_text()
    page.fill(".anchor-run-signer", "Anchor MSP Operations Lead")
    page.click(".anchor-run-sign")
    assert "Signed off by Anchor MSP Operations Lead" in page.inner_text(".anchor-run-signed")
    git = page.inner_text(".anchor-run-git")
    assert git == "python3 noxw.py -s record -- ~/Downloads/RUN-001.md"

    record = download(page, tmp_path / "downloads")
    assert record.name == "RUN-001.md"
    assert place_record(srcdir.parent, record).returncode == 0
    again = build()
    assert warnings_of(again) == []
    run_html = (again.outdir / "records/checklist-runs/RUN-001.html").read_text()
    assert "no backups configured yet" in run_html
    assert "runbook not yet written" in run_html and "ticket 42" in run_html
    assert 'href="https://grafana.example/d/1"' in run_html
    assert "RUN-001" in (again.outdir / "records/systems/SYS-01.html").read_text()
    assert "RUN-001" in (again.outdir / "registers.html").read_text()
    # the matrix names it as the latest evidence of the rules HOC-01 verifies
    assert "RUN-001" in (again.outdir / "trace.html").read_text()


def test_on_a_phone_the_git_lines_wrap_inside_their_box(run_page, tmp_path):
    page = run_page
    page.set_viewport_size({"width": 400, "height": 800})
    finish_run(page, "Dana Example", "Anchor MSP Operations Lead", tmp_path)
    git = page.locator(".anchor-run-commit pre")
    assert git.is_visible()
    box = git.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 400
    # nothing of the lines is cut off or hidden: they wrap, the box does not scroll
    assert git.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert "python3 noxw.py -s record -- ~/Downloads/RUN-001.md" in git.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400


def test_hostile_text_arrives_as_written_and_escaped(run_page, project, tmp_path):
    srcdir, _app, build = project
    page = run_page
    start_run(page, "SYS-01", 'Dana "the # operator": Example')
    answer(page, "HOC-01", "failed", note=HOSTILE[0], evidence=HOSTILE[2])
    answer(page, "HOC-02", "not applicable", note=HOSTILE[1])
    answer(page, "HOC-03", "done")
    page.fill(".anchor-run-signer", HOSTILE[2])
    page.click(".anchor-run-sign")
    record = download(page, tmp_path)
    runs = srcdir / "records" / "checklist-runs"
    runs.mkdir(parents=True)
    shutil.copy(record, runs / record.name)
    again = build()
    assert warnings_of(again) == []
    needs = json.loads((again.outdir / "needs.json").read_text())
    run = needs["versions"][""]["needs"]["RUN-001"]
    results = {entry[0]: entry for entry in json.loads(run["results"])}
    assert results["HOC-01"][2] == HOSTILE[0]  # the line breaks too
    assert results["HOC-01"][3] == HOSTILE[2]
    assert results["HOC-02"][2] == HOSTILE[1]
    assert run["run_by"] == 'Dana "the # operator": Example'
    assert run["signed_off_by"] == HOSTILE[2]
    html = (again.outdir / "records/checklist-runs/RUN-001.html").read_text()
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in html or (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    )
    assert "<script>alert" not in html
    assert "日本語" in html


def test_an_incomplete_run_cannot_be_downloaded(run_page):
    page = run_page
    downloads = []

    def note_download(download) -> None:  # Playwright calls a Python function, not a builtin
        downloads.append(download)

    page.on("download", note_download)
    start_run(page, "SYS-01", "Dana")
    answer(page, "HOC-01", "done")
    page.fill(".anchor-run-signer", "Lee")
    page.click(".anchor-run-sign")
    page.click(".anchor-run-download")
    assert "HOC-02 has no result" in page.inner_text(".anchor-run-message")
    answer(page, "HOC-02", "not applicable")
    page.click(".anchor-run-download")
    assert "HOC-02 is not applicable without a note" in page.inner_text(".anchor-run-message")
    page.click(".anchor-run-copy")
    assert "Not complete" in page.inner_text(".anchor-run-message")
    assert downloads == []


def test_copy_puts_the_record_on_the_clipboard(browser, project):
    _srcdir, app, _build = project
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto((app.outdir / "checklist.html").as_uri())
    start_run(page, "SYS-02", "Lee")
    answer(page, "HOC-01", "done")
    answer(page, "HOC-02", "failed", note="no backup yet")
    answer(page, "HOC-03", "done")
    page.fill(".anchor-run-signer", "Lee")
    page.click(".anchor-run-sign")
    page.click(".anchor-run-copy")
    expect(page.locator(".anchor-run-message")).to_have_text("Copied.")
    text = page.evaluate("navigator.clipboard.readText()")
    assert text.startswith("# Handoff run for Hydra\n\n:::{checklist-run} RUN-001\n")
    assert 'HOC-02: {"result":"failed","note":"no backup yet"}' in text
    assert 'HOC-03: {"result":"done"}' in text
    context.close()


def test_two_runs_keep_their_answers_apart_across_a_reload_and_reset_clears_one(run_page):
    page = run_page
    start_run(page, "SYS-01", "Dana")
    answer(page, "HOC-01", "done")
    start_run(page, "SYS-02", "Lee")
    answer(page, "HOC-01", "failed", note="no dashboard")
    page.reload()
    switches = page.locator(".anchor-run-switch")
    assert switches.count() == 2
    assert (
        page.locator(".anchor-run-switch[aria-pressed='true']")
        .inner_text()
        .startswith("RUN-002: SYS-02")
    )
    assert page.locator("#HOC-01 input[value='failed']").is_checked()
    page.click(".anchor-run-switch >> text=SYS-01")
    assert page.locator("#HOC-01 input[value='done']").is_checked()
    assert "RUN-001 for SYS-01 Cerberus" in page.inner_text(".anchor-run-progress")
    # reset asks first: declined, the run stays
    questions = answer_dialog(page, accept=False)
    page.click(".anchor-run-reset")
    assert questions == [
        "Reset RUN-001 for SYS-01? It has not been downloaded: its answers are lost."
    ]
    assert switches.count() == 2
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".anchor-run-reset")
    assert switches.count() == 1
    page.reload()
    assert page.locator(".anchor-run-switch").count() == 1
    assert "RUN-002 for SYS-02 Hydra" in page.inner_text(".anchor-run-progress")
    assert page.locator("#HOC-01 input[value='failed']").is_checked()


def test_the_form_is_keyboard_operable(run_page):
    page = run_page
    page.focus(".anchor-run-system")
    page.keyboard.press("ArrowDown")  # SYS-02
    page.keyboard.press("Tab")
    page.keyboard.type("Kim")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Start run
    assert "for SYS-02 Hydra, run by Kim" in page.inner_text(".anchor-run-progress")
    page.focus("#HOC-01 input[value='done']")
    page.keyboard.press("Space")
    assert "1 done" in page.inner_text(".anchor-run-progress")


def test_a_run_prints_with_its_answers_and_a_signature_line(run_page):
    page = run_page
    start_run(page, "SYS-01", "Dana")
    answer(page, "HOC-01", "failed", note="no dashboard yet", evidence="ticket 42")
    page.emulate_media(media="print")
    assert page.locator("#HOC-01 fieldset.anchor-run-answer").is_visible()
    assert page.locator("#HOC-01 input[value='failed']").is_checked()
    assert page.locator("#HOC-01 .anchor-run-note textarea").input_value() == "no dashboard yet"
    for hidden in (".anchor-run-start", ".anchor-run-actions", ".anchor-run-commit"):
        assert not page.locator(hidden).is_visible(), hidden
    signature = page.locator(".anchor-run-signoff").evaluate(
        "box => getComputedStyle(box, '::after').content"
    )
    assert "Signature" in signature


def test_a_downloaded_run_is_finished_and_start_run_begins_a_new_one(run_page, tmp_path):
    page = run_page
    finish_run(page, "Dana", "Lee", tmp_path)
    assert "this run is finished" in page.inner_text(".anchor-run-progress")
    # a colleague on the same browser starts a run for the same system
    start_run(page, "SYS-01", "Kim")
    progress = page.inner_text(".anchor-run-progress")
    assert progress.startswith("RUN-002 for SYS-01 Cerberus, run by Kim")
    assert "finished" not in progress
    assert not page.locator("#HOC-01 input[value='done']").is_checked()
    page.reload()
    switches = [s.strip() for s in page.locator(".anchor-run-switch").all_inner_texts()]
    assert switches == ["RUN-001: SYS-01 Cerberus (downloaded)", "RUN-002: SYS-01 Cerberus"]
    # the finished run is taken up only by choosing it, its answers kept
    page.click(".anchor-run-switch >> text=RUN-001")
    assert "run by Dana" in page.inner_text(".anchor-run-progress")
    assert page.locator("#HOC-03 input[value='done']").is_checked()
    questions = answer_dialog(page, accept=True)
    page.click(".anchor-run-reset")
    assert questions == ["Reset RUN-001 for SYS-01?"]  # downloaded: nothing is lost


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "Operator",
            "GIT_AUTHOR_EMAIL": "operator@example.org",
            "GIT_COMMITTER_NAME": "Operator",
            "GIT_COMMITTER_EMAIL": "operator@example.org",
        },
    )


def record_as(browser, site: Path, target: Path, by: str, failed_note: str) -> Path:
    """One operator, in a browser of their own, records a run of SYS-01 and downloads it."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto((site / "checklist.html").as_uri())
    start_run(page, "SYS-01", by)
    answer(page, "HOC-01", "done")
    answer(page, "HOC-02", "failed", note=failed_note)
    answer(page, "HOC-03", "done")
    page.fill(".anchor-run-signer", by)
    page.click(".anchor-run-sign")
    record = download(page, target)
    context.close()
    return record


@pytest.mark.parametrize("pull", ["--no-rebase", "--rebase"])
def test_two_operators_recording_at_once_both_keep_their_record(
    browser, project, make_app, tmp_path, pull
):
    srcdir, app, _build = project
    origin = tmp_path / "origin.git"
    main = srcdir.parent
    assert git(main, "init", "-q", "-b", "main").returncode == 0
    git(main, "add", "-A")
    assert git(main, "commit", "-q", "-m", "the manual").returncode == 0
    assert git(main, "clone", "-q", "--bare", str(main), str(origin)).returncode == 0
    checkouts = {}
    for name in ("ana", "ben"):
        checkouts[name] = tmp_path / name
        assert git(tmp_path, "clone", "-q", str(origin), name).returncode == 0
    # both record from the same published build: both downloads are RUN-001
    ana = record_as(browser, app.outdir, tmp_path / "ana-downloads", "Ana", "Ana's failure")
    ben = record_as(browser, app.outdir, tmp_path / "ben-downloads", "Ben", "Ben's failure")
    assert ana.name == ben.name == "RUN-001.md"
    for name, record in (("ana", ana), ("ben", ben)):
        placed = place_record(checkouts[name], record)
        assert placed.returncode == 0, placed.stderr
        assert "Placed RUN-001 at source/records/checklist-runs/RUN-001.md" in placed.stdout
        git(checkouts[name], "add", "-A")
        assert git(checkouts[name], "commit", "-q", "-m", f"{name}'s run").returncode == 0
    assert git(checkouts["ana"], "push", "-q", "origin", "main").returncode == 0
    # Ben's push is refused; his pull stops at the conflict: nothing is overwritten
    assert git(checkouts["ben"], "push", "-q", "origin", "main").returncode != 0
    pulled = git(checkouts["ben"], "pull", pull, "origin", "main")
    assert pulled.returncode != 0
    assert "CONFLICT (add/add)" in pulled.stdout + pulled.stderr
    resolved = place_record(checkouts["ben"], "--resolve")
    assert resolved.returncode == 0, resolved.stderr
    assert "Kept source/records/checklist-runs/RUN-001.md: it was published first." in (
        resolved.stdout
    )
    assert "Placed RUN-002 at source/records/checklist-runs/RUN-002.md" in resolved.stdout
    git(checkouts["ben"], "add", "-A")
    finish = ["rebase", "--continue"] if pull == "--rebase" else ["commit", "--no-edit"]
    done = subprocess.run(
        ["git", *finish],
        cwd=checkouts["ben"],
        env={**os.environ, "GIT_EDITOR": "true", "GIT_AUTHOR_NAME": "Ben",
             "GIT_AUTHOR_EMAIL": "b@example.org", "GIT_COMMITTER_NAME": "Ben",
             "GIT_COMMITTER_EMAIL": "b@example.org"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert git(checkouts["ben"], "push", "-q", "origin", "main").returncode == 0
    runs = checkouts["ben"] / "source/records/checklist-runs"
    assert "Ana's failure" in (runs / "RUN-001.md").read_text()
    assert "Ben's failure" in (runs / "RUN-002.md").read_text()
    assert ":::{checklist-run} RUN-002" in (runs / "RUN-002.md").read_text()
    built = make_app("html", srcdir=checkouts["ben"] / "source", freshenv=True)
    built.build()
    built.cleanup()
    assert warnings_of(built) == []
    register = (built.outdir / "registers.html").read_text()
    assert "RUN-001" in register and "RUN-002" in register
    system = (built.outdir / "records/systems/SYS-01.html").read_text()
    assert "RUN-001" in system and "RUN-002" in system
