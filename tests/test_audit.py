"""The audit pack: manifest, reproducibility, the PDF, the changes report.

The pack is built as a person builds it (``python -m anchor_sop.audit``, what
``nox -s audit`` runs): twice for the real site, to compare the bytes, and for
a small project in a git repository of its own with two commits whose edits
are known, for the changes report.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest

from conftest import EXT, REPO


def run_audit(root: Path, out: Path, *args: str, env: dict | None = None):
    # the pack's dates come from the commit, not from the caller's pinned clock
    pinned = ("SOURCE_DATE_EPOCH", "ANCHOR_TODAY")
    environment = {k: v for k, v in os.environ.items() if k not in pinned}
    environment["PYTHONPATH"] = str(EXT)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "anchor_sop.audit", "--root", str(root), "--out", str(out), *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def pack_path(result) -> Path:
    assert result.returncode == 0, result.stderr
    return Path(re.search(r"Audit pack: (\S+)", result.stdout)[1])


class Pack:
    """An audit pack's zip, read back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as archive:
            self.infos = archive.infolist()
            self.files = {info.filename: archive.read(info) for info in self.infos}
        self.prefix = self.infos[0].filename.split("/")[0]
        self.manifest = json.loads(self.read("manifest.json"))

    def read(self, name: str) -> bytes:
        return self.files[f"{self.prefix}/{name}"]

    def csv(self, name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.read(name).decode("utf-8"))))

    def pdf(self):
        return pypdf.PdfReader(io.BytesIO(self.read("anchor-sop.pdf")))


@pytest.fixture(scope="session")
def site_packs(tmp_path_factory) -> tuple[Pack, Pack]:
    """The real site's pack, built twice from the same commit into different folders."""
    first = pack_path(run_audit(REPO, tmp_path_factory.mktemp("pack-a")))
    second = pack_path(run_audit(REPO, tmp_path_factory.mktemp("pack-b")))
    return Pack(first), Pack(second)


# --- the real site's pack ----------------------------------------------------------


def test_same_commit_builds_a_byte_identical_pack(site_packs):
    first, second = site_packs
    assert first.path != second.path
    assert first.path.read_bytes() == second.path.read_bytes()


def test_manifest_hashes_every_file_of_the_pack(site_packs):
    pack, _ = site_packs
    listed = {entry["path"]: entry for entry in pack.manifest["files"]}
    in_zip = {name.split("/", 1)[1] for name in pack.files} - {"manifest.json"}
    assert set(listed) == in_zip
    for path, entry in listed.items():
        data = pack.read(path)
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], path
        assert len(data) == entry["bytes"], path


def test_manifest_names_the_commit_the_tree_and_the_tools(site_packs):
    pack, _ = site_packs

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    manifest = pack.manifest
    assert manifest["commit"] == git("rev-parse", "HEAD")
    assert manifest["working_tree_clean"] == (git("status", "--porcelain") == "")
    commit_time = int(git("log", "-1", "--format=%ct"))
    assert manifest["build_date"] == datetime.fromtimestamp(commit_time, tz=UTC).isoformat()
    for tool in ("sphinx", "sphinx-needs", "weasyprint", "sphinx-simplepdf", "python"):
        assert re.match(r"\d+\.\d+", manifest["tools"][tool]), tool
    assert pack.prefix == f"anchor-sop-audit-{manifest['commit'][:12]}"


def test_pack_holds_the_site_pdf_and_exports(site_packs):
    pack, _ = site_packs
    names = {name.split("/", 1)[1] for name in pack.files}
    assert {"html/intro.html", "html/index.html", "html/traceability/matrix.html"} <= names
    assert {
        "anchor-sop.pdf",
        "exports/needs.json",
        "exports/traceability.csv",
        "exports/traceability.xlsx",
        "exports/review-status.csv",
        "exports/soa.csv",
        "exports/samples.csv",
        "exports/criteria.csv",
        "exports/oscal-component-definition.json",
    } <= names
    # the Statement of Applicability decides every Annex A control; the samples are
    # drawn from the pack's period (every record)
    soa = pack.csv("exports/soa.csv")
    assert len(soa) == 1 + 93
    assert {row[2] for row in soa[1:]} == {"applicable", "undecided"}
    header, *samples = pack.csv("exports/samples.csv")
    assert header[0] == "Rule" and header[-1] == "Record drawn"
    assert {row[2] for row in samples} == {"0001-01-01:9999-12-31"}
    assert len(samples) > 5
    assert not any(n.endswith((".buildinfo", "schema_violations.json")) for n in names)
    # entries sorted, one timestamp, plain files
    assert [i.filename for i in pack.infos] == sorted(i.filename for i in pack.infos)
    assert len({i.date_time for i in pack.infos}) == 1


def test_review_status_csv_lists_every_document(site_packs):
    pack, _ = site_packs
    header, *rows = pack.csv("exports/review-status.csv")
    assert header[:6] == ["Document", "Kind", "Page", "ID prefix", "Owner", "Last reviewed"]
    pages = {row[2] for row in rows}
    assert "backup-and-restore/backup-policy" in pages
    assert "incident-response/postmortem-template" in pages
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[5]) and re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", row[6]
        )
        assert row[7] in ("current", "due soon", "overdue")


def _html(pack: Pack, page: str):
    """A page of the pack's site, without its permalink signs."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(pack.read(f"html/{page}.html"), "html.parser")
    for permalink in soup.select("a.headerlink"):
        permalink.decompose()
    return soup


def _page_texts(reader) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def _outline(reader) -> list[tuple[str, int]]:
    found = []

    def walk(entries):
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                found.append((entry.title, reader.get_destination_page_number(entry)))

    walk(reader.outline)
    return found


def test_pdf_has_a_cover_and_a_page_per_document(site_packs):
    pack, _ = site_packs
    reader = pack.pdf()
    texts = _page_texts(reader)
    commit = pack.manifest["commit"]
    assert "Anchor SOP" in texts[0] and commit in texts[0] and "Built" in texts[0]
    outline = _outline(reader)
    documents = [row[2] for row in pack.csv("exports/review-status.csv")[1:]]
    views = ["traceability/matrix", "about/review-status", "about/exceptions"]
    views += ["traceability/changes"]
    for page in documents + views:
        title = _html(pack, page).h1.get_text(" ", strip=True)
        pages = [number for name, number in outline if name == title]
        assert pages, f"no bookmark for {title!r}"
        # each document starts a page: its title is the page's first line
        assert any(texts[n].startswith(title) for n in pages), (title, texts[pages[0]][:80])


def test_pdf_holds_the_statement_of_applicability_control_by_control(site_packs):
    pack, _ = site_packs
    reader = pack.pdf()
    texts = _page_texts(reader)
    title = _html(pack, "traceability/statement-of-applicability").h1.get_text(" ", strip=True)
    [start] = [number for name, number in _outline(reader) if name == title]
    controls = [row[0] for row in pack.csv("exports/soa.csv")[1:]]
    assert len(controls) == 93
    # its header, then every Annex A control in order, each with its decision
    text = " ".join(texts[start:])
    assert text.index("Scope") < text.index("Approver") < text.index("A.5.1 ")
    found = [text.index(f"{control} ") for control in controls]
    assert found == sorted(found)
    after_last = text[found[-1] :]
    assert after_last.split()[0] == "A.8.34"
    assert {"undecided", "applicable"} <= set(text[found[0] : found[-1]].split())


def test_pdf_says_nothing_only_a_screen_can_do(site_packs):
    pack, _ = site_packs
    text = " ".join(_page_texts(pack.pdf())).lower()
    assert "rules)" in text  # the matrix's policy headings are there
    for screen_only in ("filter", "column heading", "to sort", "download the record"):
        assert screen_only not in text, screen_only


def test_pdf_links_stay_inside_the_pdf_and_resolve(site_packs):
    pack, _ = site_packs
    reader = pack.pdf()
    named = reader.named_destinations
    internal = 0
    for page in reader.pages:
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            action = annotation.get("/A") or {}
            assert "/URI" not in action, action.get("/URI")
            destination = annotation.get("/Dest") or action.get("/D")
            if destination is not None:
                internal += 1
                if isinstance(destination, str):
                    assert destination in named, destination
    assert internal > 300  # the contents, every need reference, every "verified by"


def _matrix_pages(pack) -> list[str]:
    """The text of each PDF page the traceability matrix is on, line by line."""
    return [
        text
        for text in (page.extract_text() for page in pack.pdf().pages)
        if "Evidenced by" in text and "Latest" in text and "Operating" in text
    ]


def test_pdf_matrix_holds_at_least_24_rules_a_page(site_packs):
    pack, _ = site_packs
    rules = {row[1] for row in pack.csv("exports/traceability.csv")[1:]}
    pages = _matrix_pages(pack)
    # a rule's ID is in the matrix's Rule column only (the other columns name items)
    on_page = [{rule for rule in rules if re.search(rf"\b{rule}\b", page)} for page in pages]
    assert set().union(*on_page) == rules
    counts = [len(ids) for ids in on_page]
    assert sum(counts) == len(rules), counts  # no row split across two pages
    # the full pages: between the first, under the heading, and the last
    assert min(counts[1:-1]) >= 24, counts


def test_pdf_tables_break_no_word_inside(site_packs):
    """A cell's line ends at a space or a hyphen: no word of the manual is cut in two
    (the "not verifiab / le" of a narrow column), and no ID."""
    pack, _ = site_packs
    words = set()
    for name in ("exports/traceability.csv", "exports/review-status.csv"):
        for row in pack.csv(name):
            words |= {w for cell in row for w in re.findall(r"[A-Za-z]{4,}", cell)}
    split = []
    for page in _matrix_pages(pack):
        lines = page.splitlines()
        for before, after in itertools.pairwise(lines):
            head = re.search(r"([A-Za-z]+)$", before)
            tail = re.match(r"([A-Za-z]+)", after)
            if head and tail and head[1] + tail[1] in words and head[1] not in words:
                split.append(f"{head[1]}|{tail[1]}")
        assert not re.search(r"\b[A-Z]{2,4}-\n\d", page)  # an ID kept whole
    assert split == []


def test_pdf_never_splits_a_rule_across_pages(site_packs):
    pack, _ = site_packs
    # white space left out: text extraction spaces inline code and links its own way
    texts = ["".join(text.split()) for text in _page_texts(pack.pdf())]
    needs = json.loads(pack.read("exports/needs.json"))
    needs = needs["versions"][needs["current_version"]]["needs"]
    rules = [n for n in needs.values() if n["type"] == "rule"]
    assert len(rules) > 90
    for rule in rules:
        shown = _html(pack, rule["docname"]).find(id=rule["id"])
        title = "".join(shown.select_one(".anchor-need-title").get_text().split())
        statement = shown.select_one(".anchor-need-body").get_text().split()
        last_words = "".join(statement[-3:])
        pages = [i for i, text in enumerate(texts) if title in text]
        assert pages, (rule["id"], title)
        # the rule's heading and the end of its statement are on the same page
        assert any(last_words in texts[i] for i in pages), (rule["id"], last_words)


# --- a project with known edits: the changes report -----------------------------------

CONF = f"""
import sys
sys.path.insert(0, {str(EXT)!r})
project = "Fixture"
extensions = ["myst_parser", "sphinx_design", "sphinx_needs", "anchor_sop"]
myst_enable_extensions = ["colon_fence"]
root_doc = "index"
html_theme = "furo"
anchor_owner_roles = ["Anchor MSP Operations Lead", "Anchor MSP Security Lead"]
"""

INDEX = """# Fixture

```{toctree}
policy
checklist
changes
```
"""

CHANGES_PAGE = "# Changes since the last audit\n\n```{changes-since-audit}\n```\n"


def policy(owner: str, reviewed: str, rules: str) -> str:
    return f"""# Backup Policy

:::{{policy}}
:id-prefix: BKP
:owner: {owner}
:last-reviewed: {reviewed}
:::

## Purpose

Why the policy exists.

## Scope

What it covers.

## Policy

{rules}

## Exceptions

None.
"""


def rule(need_id: str, title: str, text: str) -> str:
    return f":::{{rule}} {title}\n:id: {need_id}\n{text}\n:::\n"


def checklist(items: str) -> str:
    return f"""# Backup checklist

::::{{checklist}} Backup checklist
:id-prefix: BCK
:owner: Anchor MSP Operations Lead
:last-reviewed: 2026-04-04

{items}
::::
"""


def item(need_id: str, title: str, verifies: str) -> str:
    return f":::{{item}} {title}\n:id: {need_id}\n:verifies: {verifies}\n:::\n"


def commit_all(repo: Path, message: str, when: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=repo, check=True, env=env)


def write_fixture(repo: Path, policy_text: str, checklist_text: str) -> None:
    source = repo / "source"
    source.mkdir(parents=True, exist_ok=True)
    (repo / "conf.py").write_text(CONF)
    (source / "index.md").write_text(INDEX)
    (source / "changes.md").write_text(CHANGES_PAGE)
    (source / "policy.md").write_text(policy_text)
    (source / "checklist.md").write_text(checklist_text)


@pytest.fixture(scope="module")
def edited_repo(tmp_path_factory) -> Path:
    """Two commits; the second makes the edits the expected report below lists."""
    repo = tmp_path_factory.mktemp("fixture-repo")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    write_fixture(
        repo,
        policy(
            "Anchor MSP Operations Lead",
            "2026-04-04",
            rule("BKP-01", "Daily backups", "Back up production data daily.")
            + rule("BKP-02", "Offsite copy", "Keep one copy offsite.")
            + rule("BKP-03", "Encrypted", "Encrypt every backup."),
        ),
        checklist(
            item("BCK-01", "Daily job configured", "BKP-01")
            + item("BCK-02", "Offsite copy exists", "BKP-02, BKP-03")
        ),
    )
    commit_all(repo, "first audit", "2026-05-01T12:00:00+00:00")
    write_fixture(
        repo,
        policy(
            "Anchor MSP Security Lead",  # owner changed
            "2026-10-01",  # reviewed again
            rule("BKP-01", "Daily backups", "Back up all production data every day.")  # text
            + rule("BKP-02", "Offsite copy", "Keep one copy offsite.")
            # BKP-03 removed, BKP-04 added
            + rule("BKP-04", "Restore test", "Test a restore every quarter."),
        ),
        checklist(
            item("BCK-01", "Daily job configured", "BKP-01")
            + item("BCK-02", "Offsite copy exists", "BKP-02")  # BKP-03 link removed
            + item("BCK-03", "Restore tested", "BKP-04")  # added, with its link
        ),
    )
    commit_all(repo, "second audit", "2026-11-01T12:00:00+00:00")
    return repo


POLICY_PAGE = "policy"
CHECKLIST_PAGE = "checklist"
EXPECTED_CHANGES = [
    ["added", "BCK-03", "Checklist item", CHECKLIST_PAGE, "", "Restore tested"],
    ["added", "BKP-04", "Rule", POLICY_PAGE, "", "Restore test: Test a restore every quarter."],
    ["removed", "BKP-03", "Rule", POLICY_PAGE, "Encrypted: Encrypt every backup.", ""],
    [
        "text changed",
        "BKP-01",
        "Rule",
        POLICY_PAGE,
        "Daily backups: Back up production data daily.",
        "Daily backups: Back up all production data every day.",
    ],
    [
        "owner changed",
        "BKP",
        "Document",
        POLICY_PAGE,
        "Anchor MSP Operations Lead",
        "Anchor MSP Security Lead",
    ],
    ["review date changed", "BKP", "Document", POLICY_PAGE, "2026-04-04", "2026-10-01"],
    ["link added", "BCK-03", "Checklist item", CHECKLIST_PAGE, "", "verifies BKP-04"],
    ["link removed", "BCK-02", "Checklist item", CHECKLIST_PAGE, "verifies BKP-03", ""],
]


@pytest.fixture(scope="module")
def since_pack(edited_repo, tmp_path_factory) -> Pack:
    result = run_audit(edited_repo, tmp_path_factory.mktemp("since"), "--since", "HEAD~1")
    return Pack(pack_path(result))


def test_changes_report_lists_the_known_edits(since_pack):
    header, *rows = since_pack.csv("exports/changes.csv")
    assert header == ["Change", "ID", "Kind", "Page", "Old", "New"]
    assert rows == EXPECTED_CHANGES
    assert since_pack.manifest["since"]["ref"] == "HEAD~1"
    assert "2026-05-01" in since_pack.manifest["since"]["label"]


def test_changes_report_is_a_page_of_the_pdf(since_pack):
    texts = _page_texts(since_pack.pdf())
    page = next(t for t in texts if t.startswith("Changes since the last audit"))
    assert "HEAD~1" in page
    assert "2 added, 1 removed, 1 text changed, 1 owner changed" in page
    assert "Back up all production data every day." in page


def test_fixture_pack_dates_come_from_the_commit(since_pack):
    assert since_pack.manifest["commit_date"].startswith("2026-11-01T12:00:00")
    assert since_pack.manifest["build_date"] == since_pack.manifest["commit_date"]
    assert since_pack.manifest["working_tree_clean"] is True
    assert {i.date_time for i in since_pack.infos} == {(2026, 11, 1, 12, 0, 0)}


def test_since_accepts_an_earlier_packs_zip_and_needs_json(edited_repo, since_pack, tmp_path):
    # the pack of the first commit, then the second compared with its zip and its needs.json
    first = tmp_path / "first"
    subprocess.run(
        ["git", "worktree", "add", "-q", str(first), "HEAD~1"], cwd=edited_repo, check=True
    )
    try:
        earlier = pack_path(run_audit(first, tmp_path / "first-pack"))
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(first)], cwd=edited_repo, check=True
        )
    needs_json = tmp_path / "needs.json"
    needs_json.write_bytes(Pack(earlier).read("exports/needs.json"))
    for since in (earlier, needs_json):
        pack = Pack(pack_path(run_audit(edited_repo, tmp_path / since.stem, "--since", str(since))))
        assert pack.csv("exports/changes.csv")[1:] == EXPECTED_CHANGES


def test_since_an_unknown_ref_is_one_clear_error(edited_repo, tmp_path):
    result = run_audit(edited_repo, tmp_path, "--since", "no-such-tag")
    assert result.returncode == 1
    assert result.stderr.startswith("audit: --since no-such-tag: no such file")
    assert "Fix:" in result.stderr and "Traceback" not in result.stderr


def test_without_the_pdf_tools_the_audit_says_how_to_get_them_and_the_site_still_builds(
    edited_repo, tmp_path
):
    # a Python that cannot import the PDF tools, as on a machine without them
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('weasyprint', 'sphinx_simplepdf'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    env = {"PYTHONPATH": f"{blocker}{os.pathsep}{EXT}"}
    result = run_audit(edited_repo, tmp_path / "out", env=env)
    assert result.returncode == 1
    assert "the PDF tools are not installed" in result.stderr
    assert "'python3 noxw.py -s audit'" in result.stderr and "Traceback" not in result.stderr
    site = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "-q",
            "-c",
            str(edited_repo),
            str(edited_repo / "source"),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert site.returncode == 0, site.stderr
    assert (tmp_path / "html" / "needs.json").is_file()


# --- the build's own outputs are reproducible ---------------------------------------


def test_xlsx_export_is_the_same_bytes_for_the_same_sources(build, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    pages = {
        "policy": policy(
            "Anchor MSP Operations Lead", "2026-04-04", rule("BKP-01", "Daily", "Back up.")
        ),
        "checklist": checklist(item("BCK-01", "Job", "BKP-01")),
    }
    first = build(pages)
    data = (first.outdir / "traceability.xlsx").read_bytes()
    (first.outdir / "traceability.xlsx").unlink()
    second = build(pages)
    assert (second.outdir / "traceability.xlsx").read_bytes() == data
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        # the parts are dated as XlsxWriter dates them; the document, at the build's moment
        assert {i.date_time for i in workbook.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2026-09-21T14:13:20Z" in workbook.read("docProps/core.xml")


def test_stock_need_containers_get_ids_from_the_need(build, tmp_path):
    """sphinx-needs renders imported needs itself, in a container with a uuid4 id."""
    imported = {
        "current_version": "",
        "project": "x",
        "versions": {
            "": {
                "needs": {
                    "EXT-01": {
                        "id": "EXT-01",
                        "type": "rule",
                        "title": "Imported rule",
                        "content": "Imported text.",
                        "docname": "other",
                        "lineno": 1,
                    }
                }
            }
        },
    }
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "imported.json").write_text(json.dumps(imported))
    pages = {"page": "# Page\n\n```{needimport} imported.json\n```\n"}
    first = build(pages, anchor_coverage_gate=False)
    html = (first.outdir / "page.html").read_text()
    assert 'id="SNCB-EXT-01"' in html
    assert not re.search(r'id="SNCB-[0-9a-f]{8}"', html)
    second = build(pages, anchor_coverage_gate=False)
    assert (second.outdir / "page.html").read_text() == html


# --- where the exports come from ----------------------------------------------------


def test_every_export_says_where_it_comes_from(site_packs):
    """exports.json names the commit, its date and the build's moment for the files
    beside it; the XLSX says the same in its properties and on its Summary sheet."""
    from openpyxl import load_workbook

    pack, _ = site_packs
    record = json.loads(pack.read("exports/exports.json"))
    assert record["commit"].split()[0] == pack.manifest["commit"]
    done = subprocess.run(
        ["git", "log", "-1", "--format=%cI", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert record["commit_date"] == done.stdout.strip()
    # the pack is built at the commit's moment
    assert record["built"] == pack.manifest["commit_date"]
    assert record["files"] == sorted(
        [
            "needs.json",
            "traceability.csv",
            "traceability.xlsx",
            "review-status.csv",
            "population.csv",
            "findings.csv",
            "criteria.csv",
            "soa.csv",
            "samples.csv",
            "oscal-component-definition.json",
        ]
    )

    book = load_workbook(io.BytesIO(pack.read("exports/traceability.xlsx")))
    assert book.sheetnames[0] == "Summary"
    assert book.sheetnames[-6:] == [
        "Review status", "Population", "Findings", "Criteria", "SoA", "Samples"
    ]  # fmt: skip
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Commit"] == record["commit"]
    assert summary["Commit date"] == record["commit_date"]
    assert summary["Built"] == record["built"]
    assert summary["Rules in force"] > 50
    assert record["commit"] in book.properties.subject
    assert record["built"] in book.properties.description
    review = [list(row) for row in book["Review status"].iter_rows(values_only=True)]
    csv_rows = pack.csv("exports/review-status.csv")
    assert [[cell or "" for cell in row] for row in review] == csv_rows
    assert all(book[name].auto_filter.ref for name in book.sheetnames)


def test_xlsx_ids_link_to_the_published_site_when_its_address_is_set(build):
    from openpyxl import load_workbook

    pages = {
        "policy": policy(
            "Anchor MSP Operations Lead", "2026-04-04", rule("BKP-01", "Daily", "Back up.")
        ),
        "checklist": checklist(item("BCK-01", "Job", "BKP-01")),
    }
    linked = build(pages, anchor_site_url="https://sop.example.invalid/")
    sheet = load_workbook(linked.outdir / "traceability.xlsx")["Matrix"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row}
    site = "https://sop.example.invalid"
    assert (cells["BKP-01"].hyperlink.target, cells["BKP-01"].hyperlink.location) == (
        f"{site}/policy.html",
        "BKP-01",
    )
    assert (cells["BCK-01"].hyperlink.target, cells["BCK-01"].hyperlink.location) == (
        f"{site}/checklist.html",
        "BCK-01",
    )
    assert cells["Daily"].hyperlink is None
    linked.cleanup()
    (linked.outdir / "traceability.xlsx").unlink()  # no view here: made again when missing
    plain = build(pages)
    sheet = load_workbook(plain.outdir / "traceability.xlsx")["Matrix"]
    assert all(cell.hyperlink is None for row in sheet.iter_rows() for cell in row)
