"""The site skeleton: strict build, the 13 sections in order, the landing page."""

from __future__ import annotations

import shutil
import subprocess
import sys

from bs4 import BeautifulSoup

from conftest import REPO, SPEC_SECTIONS, warnings_of


def page(site, name: str) -> BeautifulSoup:
    return BeautifulSoup((site.outdir / name).read_text(), "html.parser")


def test_site_builds_without_a_warning(site):
    assert warnings_of(site) == []


def test_sidebar_lists_the_sections_in_spec_order(site):
    soup = page(site, "intro.html")
    sidebar = soup.select_one(".sidebar-tree")
    top_level = [a.get_text(strip=True) for a in sidebar.select("li.toctree-l1 > a")]
    assert top_level[: len(SPEC_SECTIONS)] == SPEC_SECTIONS
    # the rest is the "About this manual" group, after the sections
    assert top_level[len(SPEC_SECTIONS) :] == [
        "Traceability",
        "Review status",
        "Owners",
        "Exceptions",
        "Planned pages",
        "Documentation gaps",
    ]


def test_sections_with_pages_are_collapsible_groups(site):
    soup = page(site, "intro.html")
    for item in soup.select(".sidebar-tree li.toctree-l1"):
        name = item.a.get_text(strip=True)
        if name in ("Logging and Metrics", "Access Control") or name not in SPEC_SECTIONS:
            continue
        assert "has-children" in item["class"], name
        assert item.select_one("input.toctree-checkbox"), name


def test_landing_page_cards_link_to_every_section_in_order(site):
    soup = page(site, "intro.html")
    cards = soup.select(".anchor-sections .sd-card")
    titles = [card.select_one(".sd-card-title a").get_text(strip=True) for card in cards]
    assert titles == SPEC_SECTIONS
    for card in cards:
        href = card.select_one(".sd-card-title a")["href"]
        assert href.endswith("/index.html")
        assert (site.outdir / href).is_file()
        assert card.select_one(".sd-card-text").get_text(strip=True)


def test_site_title_links_to_the_landing_page(site):
    soup = page(site, "backup-and-restore/backup-policy.html")
    brand = soup.select_one("a.sidebar-brand")
    assert brand["href"] == "../intro.html"
    assert brand.get_text(strip=True) == "Anchor SOP"


def test_operational_stack_table(site):
    soup = page(site, "intro.html")
    table = soup.find("section", id="operational-stack").find("table")
    rows = [
        [c.get_text(strip=True) for c in tr.find_all(["td", "th"])]
        for tr in table.tbody.find_all("tr")
    ]
    assert [r[0] for r in rows] == [
        "Grafana",
        "Prometheus",
        "Loki",
        "Alertmanager",
        "Uptime Kuma",
        "Wazuh",
        "CrowdSec",
        "PostHog",
        "Restic",
        "Vault",
        "Slack",
        "Twilio",
    ]
    assert rows[6] == ["CrowdSec", "Threat intelligence, auto-blocking", "Hosted console"]
    assert rows[11] == ["Twilio", "SMS escalation", "SaaS"]


def test_every_page_is_in_a_toctree(site):
    env = site.env
    reachable, todo = set(), [env.config.root_doc]
    while todo:
        doc = todo.pop()
        if doc not in reachable:
            reachable.add(doc)
            todo.extend(env.toctree_includes.get(doc, []))
    # a record is reached from its register (test_evidence), not the navigation
    assert reachable == {d for d in env.found_docs if not d.startswith("records/")}


def test_html_loads_nothing_from_other_hosts(site):
    for html in site.outdir.rglob("*.html"):
        soup = BeautifulSoup(html.read_text(), "html.parser")
        for tag in soup.find_all(["script", "link", "img", "iframe", "source"]):
            url = tag.get("src") or tag.get("href") or ""
            if (
                tag.name == "link"
                and "stylesheet" not in tag.get("rel", [])
                and "icon" not in tag.get("rel", [])
            ):
                continue
            assert not url.startswith(("http:", "https:", "//")), (html.name, url)


def test_favicon_is_published(site):
    soup = page(site, "intro.html")
    icon = soup.find("link", rel="icon")
    assert (site.outdir / icon["href"]).is_file()


def test_nox_docs_fails_with_the_place_of_a_warning(tmp_path):
    """The README's build command stops on a warning and names file and line."""
    copy = tmp_path / "repo"
    for part in ("_ext", "source"):
        shutil.copytree(REPO / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("conf.py", "noxfile.py", "pyproject.toml", "README.md"):
        shutil.copy(REPO / part, copy / part)
    broken = copy / "source" / "backup-and-restore" / "backup-policy.md"
    broken.write_text(broken.read_text().replace(":id: BKP-03", ":id: BKP-3"))
    result = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "docs", "--envdir", str(REPO / ".nox")],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "backup-policy.md:36: WARNING: The ID 'BKP-3' of the rule does not match" in output
    assert "Fix:" in output
    assert "Traceback" not in output
