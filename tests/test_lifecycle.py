"""Review due dates, statuses, owners and exceptions, with the date pinned."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from conftest import policy_page, warnings_of

# With today pinned to 2026-11-23 and a 12-month interval:
PAGES = {
    "current": policy_page("Current Policy", "CUR", "2026-04-04"),  # due 2027-04-04
    "soon": policy_page("Soon Policy", "SOON", "2025-12-10"),  # due 2026-12-10: in 17 days
    "overdue": policy_page("Overdue Policy", "OVD", "2025-10-01"),  # due 2026-10-01
    "short": policy_page(
        "Short Policy", "SHRT", "2026-08-01", ":review-interval: 3\n"
    ),  # 2026-11-01
    "draft": policy_page("Draft Policy", "DRF", "2020-01-01", ":status: draft\n"),
    "status": "# Review status\n\n```{review-status}\n```\n",
    "owners": "# Owners\n\n```{owners}\n```\n",
}


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("ANCHOR_TODAY", "2026-11-23")


def soup(app, name: str) -> BeautifulSoup:
    return BeautifulSoup((app.outdir / f"{name}.html").read_text(), "html.parser")


def test_banners_follow_the_review_state(build):
    app = build(PAGES)
    assert soup(app, "current").select(".anchor-review-banner") == []
    soon = soup(app, "soon").select_one(".anchor-review-due-soon")
    assert (
        "Review due on 2026-12-10 (in 17 days), owner Anchor MSP Operations Lead."
        in soon.get_text()
    )
    overdue = soup(app, "overdue").select_one(".anchor-review-overdue")
    assert (
        "Review overdue since 2026-10-01, owner Anchor MSP Operations Lead." in overdue.get_text()
    )
    # a document's own interval wins over the site-wide 12 months
    assert "Review overdue since 2026-11-01" in soup(app, "short").get_text()


def test_overdue_documents_are_warnings_by_default(build):
    warnings = warnings_of(build(PAGES))
    assert len(warnings) == 2, warnings
    assert (
        "overdue.md:6: WARNING: The review of policy 'Overdue Policy' is overdue since 2026-10-01"
        in warnings[0] + warnings[1]
    )
    assert (
        "short.md:6: WARNING: The review of policy 'Short Policy' is overdue since 2026-11-01"
        in warnings[0] + warnings[1]
    )
    # a draft is not in force: its review is not enforced
    assert all("Draft Policy" not in w for w in warnings)


def test_off_setting_silences_them(build):
    assert warnings_of(build(PAGES, anchor_lifecycle_enforcement="off")) == []


def test_fail_setting_stops_the_build(build):
    from anchor_sop.lifecycle.reviews import LifecycleError

    with pytest.raises(
        LifecycleError, match="2 overdue reviews or expired exceptions, listed above"
    ):
        build(PAGES, anchor_lifecycle_enforcement="fail")


def test_unknown_setting_is_refused(build):
    from anchor_sop.lifecycle.reviews import LifecycleError

    with pytest.raises(LifecycleError, match="set it to one of warn, fail, off"):
        build(PAGES, anchor_lifecycle_enforcement="strict")


def test_review_status_rows_sorted_by_due_date(build):
    app = build(PAGES, anchor_lifecycle_enforcement="off")
    rows = [
        [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in soup(app, "status").select("table.anchor-review-status tbody tr")
    ]
    assert [r[0] for r in rows] == [
        "Draft Policy",
        "Overdue Policy",
        "Short Policy",
        "Soon Policy",
        "Current Policy",
    ]
    assert rows[1] == [
        "Overdue Policy",
        "policy",
        "Anchor MSP Operations Lead",
        "2025-10-01",
        "2026-10-01",
        "overdue",
        "approved",
    ]
    assert rows[3][4:6] == ["2026-12-10", "due soon"]
    assert rows[4][4:6] == ["2027-04-04", "current"]
    assert rows[0][-1] == "draft"


def test_draft_is_marked_on_the_page_and_in_the_navigation(build):
    app = build(PAGES, anchor_lifecycle_enforcement="off")
    page = soup(app, "draft")
    assert "is a draft. It is not in force" in page.select_one(".anchor-status-banner").get_text()
    nav = [a.get_text(strip=True) for a in page.select(".sidebar-tree a")]
    assert "Draft Policy (draft)" in nav
    assert "Current Policy" in nav


def test_owners_page_lists_documents_and_their_rules(build):
    app = build(PAGES, anchor_lifecycle_enforcement="off")
    page = soup(app, "owners")
    assert page.select_one(".anchor-owner").get_text() == "Anchor MSP Operations Lead"
    entries = [li.get_text(" ", strip=True) for li in page.select("article li")]
    assert "Overdue Policy (policy) — 1 rules: OVD-01" in entries


EXCEPTION = """# Exceptions

```{{exceptions-register}}
```

:::{{policy-exception}} Debug access
:id: EXC-01
:exempts: CUR-01
:system: Example system
:approved-by: Anchor MSP Operations Lead
:start: 2026-11-01
:expires: {expires}
Debugging a data issue.
:::
"""


def test_active_exception_shows_on_its_rule_and_in_the_register(build):
    pages = {"current": PAGES["current"], "exceptions": EXCEPTION.format(expires="2026-12-01")}
    app = build(pages)
    assert warnings_of(app) == []
    rule = soup(app, "current").find(id="CUR-01")
    assert "Exceptions:" in rule.get_text()
    assert rule.find("a", href="exceptions.html#EXC-01")
    row = [
        td.get_text(" ", strip=True)
        for td in soup(app, "exceptions").select(".anchor-exceptions-register tbody td")
    ]
    assert row[2:] == [
        "Example system",
        "Anchor MSP Operations Lead",
        "2026-11-01",
        "2026-12-01",
        "active",
    ]


def test_a_new_day_rewrites_the_registers(build, make_app, monkeypatch):
    """No page changed, only the date: the registers show the states of the new day."""
    pages = {**PAGES, "exceptions": EXCEPTION.format(expires="2026-12-01")}
    first = build(pages, anchor_lifecycle_enforcement="off")
    first.cleanup()

    def states(app) -> dict[str, str]:
        """Each document's review state and each exception's state, by name or ID."""
        reviews = soup(app, "status").select("table.anchor-review-status tbody tr")
        exceptions = soup(app, "exceptions").select(".anchor-exceptions-register tbody tr")
        cells = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in reviews]
        found = {row[0]: row[5] for row in cells}  # the State column; Status follows
        for tr in exceptions:
            row = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
            found[row[0]] = row[-1]
        return found

    assert states(first)["Soon Policy"] == "due soon"
    assert states(first)["EXC-01"] == "active"

    monkeypatch.setenv("ANCHOR_TODAY", "2026-12-15")
    overrides = {"anchor_lifecycle_enforcement": "off"}
    later = make_app("html", srcdir=first.srcdir, freshenv=False, confoverrides=overrides)
    later.build()
    assert states(later)["Soon Policy"] == "overdue"
    assert states(later)["EXC-01"] == "expired"


def test_expired_exception_warns_until_removed_or_renewed(build):
    pages = {"current": PAGES["current"], "exceptions": EXCEPTION.format(expires="2026-11-20")}
    warnings = warnings_of(build(pages))
    assert len(warnings) == 1
    assert (
        "exceptions.md:6: WARNING: The exception EXC-01 for Example system expired on 2026-11-20"
        in warnings[0]
    )
    assert "Fix: revoke and remove it, or renew it" in warnings[0]


def test_expired_exception_fails_the_release_build(build):
    from anchor_sop.lifecycle.reviews import LifecycleError

    pages = {"current": PAGES["current"], "exceptions": EXCEPTION.format(expires="2026-11-20")}
    with pytest.raises(LifecycleError):
        build(pages, anchor_lifecycle_enforcement="fail")


def test_the_date_can_come_from_source_date_epoch(build, monkeypatch):
    monkeypatch.delenv("ANCHOR_TODAY")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01
    warnings = warnings_of(build({"soon": PAGES["soon"]}))
    assert warnings == []
    assert "in 9 days" in soup(build({"soon": PAGES["soon"]}), "soon").get_text()
