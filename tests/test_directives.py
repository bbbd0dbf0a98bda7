"""The README's examples, built: the doctree each directive produces, and what it renders.

As in sphinx-design, the documented snippets are the test inputs and the
doctrees are compared with reviewed snapshots in tests/snapshots/
(``pytest --snapshot-update`` rewrites them; review the diff).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import SNIPPET_PAGES, readme_snippets, snippet_pages, warnings_of

SNAPSHOTS = Path(__file__).parent / "snapshots"
# the records' snippets are built by test_evidence, the frameworks' by test_frameworks
RECORD_SNIPPETS = ("restore_test", "checklist_run", "evidence", "satisfies", "soa")


@pytest.fixture
def snippets_app(build):
    snippets = readme_snippets()
    assert set(snippets) == {*SNIPPET_PAGES, *RECORD_SNIPPETS}
    return build(snippet_pages())


def test_readme_snippets_build_without_warnings(snippets_app):
    assert warnings_of(snippets_app) == []


@pytest.mark.parametrize("name", list(SNIPPET_PAGES))
def test_doctree_snapshot(snippets_app, name, request):
    doctree = snippets_app.env.get_doctree(name)
    text = doctree.pformat().replace(str(snippets_app.srcdir), "<srcdir>")
    snapshot = SNAPSHOTS / f"{name}.doctree.txt"
    if request.config.getoption("--snapshot-update"):
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text)
    assert text == snapshot.read_text()


def soup_of(app, name: str) -> BeautifulSoup:
    return BeautifulSoup((app.outdir / f"{name}.html").read_text(), "html.parser")


def test_rule_renders_id_permalink_and_verifying_items(snippets_app):
    soup = soup_of(snippets_app, "policy")
    rule = soup.find(id="BKP-03")
    assert rule.select_one(".anchor-id").get_text() == "BKP-03"
    assert rule.select_one("a.headerlink")["href"] == "#BKP-03"
    assert "Keep 7 daily, 4 weekly and 6 monthly backups." in rule.get_text()
    verified_by = rule.select(".anchor-trace-list a")
    assert [a["href"] for a in verified_by] == ["checklist.html#HAC-05"]
    assert "Backups configured and first backup completed" in verified_by[0].get_text()


def test_not_verifiable_rule_states_its_reason(snippets_app):
    rule = soup_of(snippets_app, "policy").find(id="BKP-04")
    assert "not checklist-verifiable: Where backups are stored" in rule.get_text()
    assert rule.select(".anchor-trace-list a") == []


def test_policy_header_card(snippets_app):
    card = soup_of(snippets_app, "policy").select_one(".anchor-doc-header.sd-card")
    fields = {
        dt.get_text(strip=True).rstrip(":"): dd.get_text(strip=True)
        for dt, dd in zip(card.find_all("dt"), card.find_all("dd"), strict=True)
    }
    assert fields == {
        "Owner": "Anchor MSP Operations Lead",
        "Last reviewed": "2026-04-04",
        "Status": "approved",
        "ID prefix": "BKP",
    }
    assert card.select_one(".sd-badge.sd-bg-success").get_text() == "approved"


def test_checklist_renders_checkboxes_with_labels_and_links(snippets_app):
    soup = soup_of(snippets_app, "checklist")
    item = soup.find("li", id="HAC-05")
    label = item.find("label", class_="anchor-check")
    box = label.find("input", type="checkbox")
    assert box["data-item"] == "HAC-05"
    assert "Backups configured and first backup completed" in label.get_text()
    assert [a["href"] for a in item.select(".anchor-trace-list a")] == ["policy.html#BKP-03"]
    controls = soup.select_one(".anchor-checklist-controls")
    assert controls.find("button", class_="anchor-reset")
    assert controls.select_one(".anchor-progress").get_text() == "1 item"


def test_matrix_is_an_accessible_table(snippets_app):
    soup = soup_of(snippets_app, "matrix")
    table = soup.select_one("table.anchor-matrix-table")
    assert table.caption.get_text(strip=True).startswith("Responsibility matrix")
    heads = table.thead.find_all("th")
    assert [th.get_text(strip=True) for th in heads] == [
        "Domain",
        "Anchor",
        "EGI / Mast",
        "Governing rules",
    ]
    assert {th["scope"] for th in heads} == {"col"}
    row = table.find("tr", id="RM-04")
    assert row.th["scope"] == "row"
    assert row.th.get_text(strip=True) == "Backups and restore"
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert cells[0] == "Owns A"  # the accountable party carries the badge
    assert cells[1] == "Identifies backup-eligible data"
    assert row.find_all("td")[2].a["href"] == "policy.html#BKP-03"
    assert soup.select_one(".anchor-matrix-legend")


def test_needs_json_holds_links_and_back_links(snippets_app):
    data = json.loads((snippets_app.outdir / "needs.json").read_text())
    needs = data["versions"][data["current_version"]]["needs"]
    assert needs["HAC-05"]["type"] == "item"
    assert needs["HAC-05"]["verifies"] == ["BKP-03"]
    # sphinx-needs names the reverse column <link>_back; a wrong name would list nothing
    assert needs["BKP-03"]["verifies_back"] == ["HAC-05"]
    assert needs["BKP-04"]["not_verifiable"].startswith("Where backups are stored")
    assert needs["RM-04"]["accountable"] == "Anchor"
    assert needs["RM-04"]["governed_by"] == ["BKP-03"]


BLOCK = {"div", "p", "ul", "ol", "li", "table", "dl", "section", "pre", "h1", "h2", "h3"}
# phrasing-only elements; <a> is transparent, checked through its <p> parent
INLINE = {"span", "label", "strong", "em", "code", "button"}


@pytest.mark.parametrize("name", list(SNIPPET_PAGES))
def test_html_has_unique_ids_and_no_block_inside_inline(snippets_app, name):
    soup = soup_of(snippets_app, name)
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for tag in soup.find_all(INLINE):
        nested = [child.name for child in tag.find_all(BLOCK)]
        assert nested == [], (tag.name, tag.get("class"), nested)
    for tag in soup.find_all("p"):
        assert tag.find_all(BLOCK) == [], tag
