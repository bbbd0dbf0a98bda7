"""The published site in a real browser: what an operator sees and clicks.

The site is served on 127.0.0.1 with the host's headers (vercel.json), so
every page here also runs under the production Content Security Policy.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import REPO, SPEC_SECTIONS, site_pages

CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
# pages that are not part of the manual's navigation
NOT_IN_NAVIGATION = {"404.html", "index.html", "genindex.html", "permalink.html", "search.html"}


class Watch:
    """What went wrong while a page loaded: console errors, failures, foreign requests."""

    def __init__(self, page, origin: str) -> None:
        self.problems: list[str] = []
        self.origin = origin
        page.on(
            "console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}")
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("response", self._response)
        page.route("**/*", self._route)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and not response.url.endswith("/404-probe"):
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.origin) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.problems.append(f"request to another host: {url}")
            route.abort()


@pytest.fixture
def context(browser):
    context = browser.new_context()
    context.add_init_script(CSP_RECORDER)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def test_every_page_loads_cleanly_under_the_csp(site, server, context):
    page = context.new_page()
    watch = Watch(page, server)
    for path in site_pages(site):
        page.goto(f"{server}/{path}", wait_until="networkidle")
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (path, violations)
    assert watch.problems == []


def test_sidebar_title_and_page_order(server, page):
    page.goto(f"{server}/intro.html")
    top_level = page.locator(".sidebar-tree li.toctree-l1 > a").all_inner_texts()
    assert top_level[:13] == SPEC_SECTIONS
    page.goto(f"{server}/backup-and-restore/backup-policy.html")
    page.click("a.sidebar-brand")
    assert page.url == f"{server}/intro.html"
    page.goto(f"{server}/intro.html")
    page.click("a.next-page")
    assert page.url == f"{server}/production-ownership/index.html"
    page.click("a.next-page")
    assert page.url.endswith("/production-ownership/production-ownership-policy.html")
    page.click("a.prev-page")
    assert page.url == f"{server}/production-ownership/index.html"


def test_every_page_is_reachable_from_the_start_page(site, server, page):
    seen, todo = set(), ["intro.html"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        page.goto(f"{server}/{path}")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url = urlparse(urljoin(page.url, href))
            if url.netloc == urlparse(server).netloc and url.path.endswith(".html"):
                todo.append(url.path.lstrip("/"))
    assert set(site_pages(site)) - NOT_IN_NAVIGATION <= seen


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("BKP-03", "backup-policy.html"),
        ("off-host", "backup-policy.html"),
        ("break-glass", None),
        ("Twilio SMS escalation", "sms-escalation-policy.html"),
    ],
    ids=["rule-id", "words", "nothing", "phrase"],
)
def test_search_finds_rules_by_id_and_words(server, page, query, expected):
    page.goto(f"{server}/search.html?q={query}")
    page.wait_for_selector("#search-results .search-summary, #search-results p")
    page.wait_for_function("!document.querySelector('#search-progress')?.textContent")
    hrefs = page.eval_on_selector_all("#search-results ul.search li a", "a => a.map(x => x.href)")
    if expected is None:
        assert hrefs == []
    else:
        assert any(expected in href for href in hrefs), hrefs


CHECKLIST = "system-handoff-acceptance/handoff-acceptance-checklist.html"


def test_checklist_ticks_by_mouse_and_keyboard_persist_and_reset(server, page):
    page.goto(f"{server}/{CHECKLIST}")
    progress = page.locator(".anchor-progress")
    assert progress.inner_text() == "0 of 10 done"
    page.get_by_label("HAC-01 Acceptance criteria met").click()  # the label ticks it
    page.locator('input[data-item="HAC-02"]').focus()
    page.keyboard.press("Space")
    assert progress.inner_text() == "2 of 10 done"

    page.reload()
    assert page.locator('input[data-item="HAC-01"]').is_checked()
    assert page.locator('input[data-item="HAC-02"]').is_checked()
    assert not page.locator('input[data-item="HAC-03"]').is_checked()
    assert page.locator(".anchor-progress").inner_text() == "2 of 10 done"

    # another checklist page keeps its own ticks
    page.goto(f"{server}/client-onboarding/new-managed-system-onboarding-checklist.html")
    assert page.locator(".anchor-progress").inner_text() == "0 of 15 done"

    page.goto(f"{server}/{CHECKLIST}")
    page.get_by_role("button", name="Reset checklist").click()
    assert page.locator(".anchor-progress").inner_text() == "0 of 10 done"
    page.reload()
    assert page.locator("input.anchor-check-input:checked").count() == 0


def test_matrix_is_grouped_by_policy_filtered_as_one_and_sorted_per_policy(server, page):
    page.goto(f"{server}/traceability/matrix.html")
    parts = page.locator(".anchor-table-group-part")
    assert parts.count() > 10
    headings = parts.locator("p.rubric").all_inner_texts()
    # the policy's rules as its page writes them
    written = (REPO / "source/backup-and-restore/backup-policy.md").read_text().count("{rule}")
    assert f"Backup Policy ({written} rules)" in headings
    # a jump link per policy, to its heading
    jumps = page.locator(".anchor-jump a")
    assert jumps.count() == parts.count()
    assert page.locator("#matrix-backup-policy").inner_text() == (
        f"Backup Policy ({written} rules)"
    )
    last = parts.last.locator("p.rubric")
    assert last.bounding_box()["y"] > 2000  # far down the page
    jumps.last.click()
    assert page.url.endswith("#" + last.get_attribute("id"))
    # scrolled to it (smoothly: furo's scroll-behavior)
    last.evaluate(
        "e => new Promise(done => { const check = () => { const y = "
        "e.getBoundingClientRect().top; y >= 0 && y < 200 ? done() : setTimeout(check, 50); }; "
        "check(); })"
    )

    rows = page.locator("table.anchor-trace-matrix tbody tr")
    total = rows.count()
    assert total > 50
    page.get_by_label("Filter the rows of the tables below").fill("restore")
    visible = page.locator("table.anchor-trace-matrix tbody tr:visible")
    assert 0 < visible.count() < total
    assert all("restore" in text.lower() for text in visible.all_inner_texts())
    assert page.locator(".anchor-filter-count").inner_text() == f"{visible.count()} of {total} rows"
    # a policy none of whose rows match is hidden, heading and all
    shown = parts.filter(has=page.locator("tbody tr:visible"))
    assert 0 < page.locator(".anchor-table-group-part:visible").count() == shown.count()
    assert page.locator(".anchor-table-group-part:visible").count() < parts.count()

    page.get_by_label("Filter the rows of the tables below").fill("")
    assert page.locator(".anchor-table-group-part:visible").count() == parts.count()
    first = parts.first
    ids = first.locator("tbody tr td:nth-child(1)")
    sort_by_rule = first.get_by_role("button", name="Rule")
    sort_by_rule.click()
    assert ids.all_inner_texts() == sorted(
        ids.all_inner_texts(), key=lambda i: (i.split("-")[0], int(i.split("-")[1]))
    )
    sorted_by = first.locator("th[aria-sort]")
    assert sorted_by.inner_text() == "Rule"
    assert sorted_by.get_attribute("aria-sort") == "ascending"
    sort_by_rule.click()
    assert ids.all_inner_texts()[0] > ids.all_inner_texts()[-1]


CHART_TEXT_SIZES = """() => Array.from(document.querySelectorAll("svg.anchor-chart text"), (text) =>
    parseFloat(getComputedStyle(text).fontSize) * text.ownerSVGElement.getScreenCTM().a)"""


@pytest.mark.parametrize("width", [400, 1400])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_is_wider_than_the_screen_and_chart_text_stays_readable(
    browser, site, server, width, scheme
):
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    too_wide, small_text, unreachable, charts = {}, {}, {}, 0
    for path in site_pages(site):
        if path in ("permalink.html", "index.html"):
            continue  # redirect helpers
        page.goto(f"{server}/{path}")
        if (scroll := page.evaluate("document.documentElement.scrollWidth")) > width:
            too_wide[path] = scroll
        sizes = page.evaluate(CHART_TEXT_SIZES)
        charts += bool(sizes)
        if sizes and min(sizes) < 11:
            small_text[path] = min(sizes)
        # what is wider than its box scrolls inside it, and takes focus to do so
        stuck = page.evaluate(
            """() => Array.from(document.querySelectorAll(".table-wrapper, pre, figure"))
            .filter((box) => box.scrollWidth > box.clientWidth && box.tabIndex < 0)
            .map((box) => box.className)"""
        )
        if stuck:
            unreachable[path] = stuck
    theme = page.evaluate("getComputedStyle(document.body).backgroundColor")
    context.close()
    assert (too_wide, small_text, unreachable) == ({}, {}, {})
    assert charts >= 2  # the review status and the findings pages draw charts
    assert (theme == "rgb(255, 255, 255)") == (scheme == "light")


def test_on_a_phone_every_table_reads_as_cards(browser, server):
    context = browser.new_context(viewport={"width": 400, "height": 740})
    page = context.new_page()
    for path, table in (
        ("traceability/matrix.html", "table.anchor-trace-matrix"),
        ("client-onboarding/managed-systems.html", "table.anchor-register"),
        ("production-ownership/production-ownership-policy.html", "table.anchor-matrix-table"),
        ("monitoring-and-alerting/alert-severity-matrix.html", "article table"),
        ("traceability/statement-of-applicability.html", "table.anchor-soa"),
        ("traceability/soc2.html", "table.anchor-framework-criteria"),
    ):
        page.goto(f"{server}/{path}")
        row = page.locator(f"{table} tbody tr").first
        assert row.evaluate("r => getComputedStyle(r).display") == "block", path
        box = row.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 400, path
        # each cell says its column; the header row is there for screen readers only
        cells = row.locator("td, th")
        labels = cells.evaluate_all("cells => cells.map(c => c.dataset.label)")
        headers = page.locator(f"{table} thead th").first.locator("xpath=..").locator("th")
        assert labels == [h.strip() for h in headers.all_text_contents()], path
        label = cells.first.evaluate("c => getComputedStyle(c, '::before').content")
        assert label == f'"{labels[0]}: "', path
        assert page.locator(f"{table} thead").first.bounding_box()["height"] <= 1, path
        # the cards, the jump links and a chart's scrolling box pass axe as well
        serious = [
            v["id"]
            for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], (path, serious)
    page.goto(f"{server}/traceability/findings.html")
    assert [
        v["id"]
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ] == []
    # the same tables are tables at desktop width
    page.set_viewport_size({"width": 1400, "height": 900})
    row = page.locator("article table tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "table-row"
    context.close()


def test_at_desktop_width_wide_tables_take_the_width_the_page_has(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    for path, table in (
        ("traceability/matrix.html", "table.anchor-trace-matrix"),
        ("client-onboarding/managed-systems.html", "table.anchor-register"),
        ("traceability/statement-of-applicability.html", "table.anchor-soa"),
    ):
        page.goto(f"{server}/{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1400, path
        content = page.locator("article").bounding_box()
        # furo's reading column is 46em (736 px); past the sidebar the page has ~1000
        assert content["width"] > 950, path
        assert page.locator(table).first.bounding_box()["width"] <= content["width"] + 1, path
    page.goto(f"{server}/backup-and-restore/backup-policy.html")
    assert page.locator("article").bounding_box()["width"] < 800  # prose keeps its column
    context.close()


def test_a_criterion_and_the_rules_mapped_to_it_link_both_ways(server, page):
    page.goto(f"{server}/traceability/soc2.html")
    row = page.locator("table.anchor-framework-criteria tbody tr").filter(
        has=page.locator("td:first-child", has_text=re.compile(r"^\s*A1\.2\s*$"))
    )
    rules = row.locator("td").nth(2)
    assert rules.locator(".anchor-link-proposed").count() == 4  # BKP-01 to BKP-04
    rules.locator("a", has_text="BKP-01").click()
    page.wait_for_url("**/backup-and-restore/backup-policy.html#BKP-01")
    rule = page.locator("#BKP-01")
    satisfies = rule.locator(".anchor-trace", has_text="Satisfies:")
    assert sorted(satisfies.locator(".anchor-id").all_text_contents()) == ["A.8.13", "A1.2"]
    satisfies.locator("a", has_text="A1.2").click()
    page.wait_for_url("**/traceability/soc2.html#A1.2")
    expect(page.locator("[id='A1.2']")).to_be_in_viewport()  # scrolled to, smoothly
    # and the criterion lists the rule back
    satisfied_by = page.locator("[id='A1.2'] .anchor-trace .anchor-id").all_text_contents()
    assert satisfied_by == ["BKP-01", "BKP-02", "BKP-03", "BKP-04"]


def test_permalink_by_rule_id(server, page):
    page.goto(f"{server}/permalink.html?id=BKP-03")
    page.wait_for_url("**/backup-and-restore/backup-policy.html#BKP-03")
    assert page.locator("#BKP-03").is_visible()


def test_unknown_address_gets_the_404_page(server, page):
    response = page.goto(f"{server}/no/such/page.html")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    page.click("text=Go to the start page of Anchor SOP")
    assert page.url == f"{server}/intro.html"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_any_page(browser, site, server, scheme):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    axe = Axe()
    found = {}
    for path in site_pages(site):
        if path in ("permalink.html", "index.html"):
            continue  # redirect helpers with no content of their own
        page.goto(f"{server}/{path}", wait_until="networkidle")
        results = axe.run(page)
        serious = [
            f"{v['id']}: {v['nodes'][0]['target']} {v['nodes'][0].get('failureSummary', '')[:200]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[path] = serious
    context.close()
    assert found == {}


def test_print_layout_of_a_checklist(server, page):
    page.goto(f"{server}/{CHECKLIST}")
    page.emulate_media(media="print")
    for hidden in (
        ".sidebar-drawer",
        ".toc-drawer",
        ".anchor-checklist-controls",
        ".related-pages",
    ):
        assert not page.locator(hidden).first.is_visible(), hidden
    boxes = page.locator("input.anchor-check-input")
    assert boxes.count() == 10
    assert boxes.first.is_visible()
    footer = page.locator(".anchor-print-url")
    assert footer.inner_text() == f"Printed from {server}/{CHECKLIST}"
    item = page.locator("li#HAC-01")
    assert item.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    # the list itself may split between items (furo keeps lists whole, which
    # pushes a long checklist off the page)
    items = page.locator("ol.anchor-checklist-items")
    assert items.evaluate("e => getComputedStyle(e).breakInside") == "auto"
    assert len(page.pdf(format="A4")) > 10_000  # Chromium lays the page out for paper


def test_print_layout_of_a_policy_and_the_matrix(server, page):
    page.goto(f"{server}/backup-and-restore/backup-policy.html")
    page.emulate_media(media="print")
    assert page.locator("#BKP-01").evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    assert not page.locator(".sidebar-drawer").is_visible()
    page.goto(f"{server}/traceability/matrix.html")
    page.emulate_media(media="print")
    head = page.locator("table.anchor-trace-matrix thead").first
    assert head.evaluate("e => getComputedStyle(e).display") == "table-header-group"
    assert (
        page.locator("table.anchor-trace-matrix tr")
        .nth(3)
        .evaluate("e => getComputedStyle(e).breakInside")
        == "avoid"
    )
    assert not page.locator(".anchor-filter-bar").is_visible()
