"""The manual carries every fact of the source documents, in the right section.

The expectations below are read off the five source documents (the design
spec, the Production Ownership Policy, the Incident Response Procedure, the
Production Change Policy and the Cerberus operational SOP), not off the site.
"""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

# page -> (need type, ID prefix, how many)
NEED_COUNTS = {
    "production-ownership/production-ownership-policy": [
        ("rule", "PO", 6),
        ("responsibility", "RM", 12),
    ],
    "system-handoff-acceptance/managed-production-acceptance-criteria": [("rule", "MPA", 9)],
    "system-handoff-acceptance/handoff-acceptance-checklist": [("item", "HAC", 10)],
    "client-onboarding/new-managed-system-onboarding-checklist": [("item", "ONB", 15)],
    "monitoring-and-alerting/alert-severity-matrix": [("rule", "SEV", 5)],
    "monitoring-and-alerting/slack-alert-routing-policy": [("rule", "SLK", 7)],
    "monitoring-and-alerting/sms-escalation-policy": [("rule", "SMS", 5)],
    "backup-and-restore/backup-policy": [("rule", "BKP", 7)],
    "backup-and-restore/restore-testing-policy": [("rule", "RST", 5)],
    "secrets-management/secrets-management-policy": [("rule", "SEC", 7)],
    "security-operations/security-monitoring-policy": [("rule", "SMON", 6)],
    "security-operations/cloudflare-ownership-admin-policy": [("rule", "CF", 5)],
    "incident-response/incident-response-procedure": [("rule", "IR", 25)],
    "change-management/production-change-policy": [("rule", "CHG", 6)],
    "runbooks/cerberus-operations-runbook": [("item", "CRB", 6)],
    "about/exceptions": [("exception", "EXC", 1)],
}

# The responsibility matrix of the Production Ownership Policy, row by row.
MATRIX = [
    ("Production monitoring", "Owns", "—", "Anchor"),
    ("Alerting and escalation", "Owns", "Receives alerts for app-level issues", "Anchor"),
    ("Log aggregation", "Owns infrastructure", "Produces structured logs", "Anchor"),
    ("Backups and restore", "Owns", "Identifies backup-eligible data", "Anchor"),
    (
        "Secrets management",
        "Owns Vault, rotation, access",
        "Declares secrets during handoff",
        "Anchor",
    ),
    ("Security (host, network, edge)", "Owns", "—", "Anchor"),
    (
        "Incident response",
        "Owns triage, resolution",
        "Provides app-level expertise when escalated",
        "Anchor",
    ),
    ("DNS and Cloudflare", "Owns", "Requests changes via Anchor", "Anchor"),
    ("Deploys to production", "Provides the environment", "Executes deploys", "EGI / Mast"),
    ("Application code", "—", "Owns", "EGI / Mast"),
    ("Pre-production environments", "—", "Owns", "EGI / Mast"),
    ("Application testing", "—", "Owns", "EGI / Mast"),
]

# Facts each page must state, word for word (names, numbers, channels, commands).
FACTS = {
    "monitoring-and-alerting/alert-severity-matrix": [
        "Service down, data loss risk",
        "#alerts-critical + SMS",
        "15 minutes",
        "Immediate",
        "Degraded service, partial outage",
        "1 hour",
        "After 1 hour",
        "Anomaly, threshold breach",
        "Next business day",
        "Informational, trends",
        "Weekly review",
        "critical",
        "high",
        "medium",
        "low",
    ],
    "monitoring-and-alerting/slack-alert-routing-policy": [
        "#alerts-critical",
        "#alerts-high",
        "#alerts-medium",
        "#alerts-low",
        "24/7",
        "general or unmonitored channel",
        "via webhook",
    ],
    "monitoring-and-alerting/sms-escalation-policy": [
        "Critical severity alerts only",
        "Twilio SMS",
        "primary on-call → secondary on-call → team lead",
        "10 minutes",
        "within 15 minutes",
        "On-call rotation schedule",
    ],
    "backup-and-restore/backup-policy": [
        "Restic",
        "Databases: daily",
        "Configuration: on change",
        "Media/uploads: daily",
        "7 daily, 4 weekly and 6 monthly",
        "off-host",
        "Prometheus metrics",
        "High severity alert",
        "runbook",
    ],
    "backup-and-restore/restore-testing-policy": [
        "quarterly",
        "Select a recent backup → restore it to an isolated environment → verify data integrity → document the result",
        "as an incident",
        "immediate investigation",
        "past quarter",
    ],
    "secrets-management/secrets-management-policy": [
        "No exceptions",
        "environment files, git repos, CI/CD variables at rest, or config files on disk",
        "API keys: quarterly",
        "Database credentials: quarterly",
        "TLS certificates: auto-renewed",
        "not by individual person",
        "Vault audit log",
    ],
    "security-operations/security-monitoring-policy": [
        "Wazuh",
        "file integrity monitoring",
        "CrowdSec",
        "automated IP blocking",
        "severity/Slack/SMS pipeline",
        "Grafana security dashboard",
        "Anchor's schedule",
    ],
    "security-operations/cloudflare-ownership-admin-policy": [
        "DNS records, WAF rules, page rules, or TLS certificates",
        "scoped per service, stored in Vault",
        "Emergency DNS changes",
    ],
    "incident-response/incident-response-procedure": [
        "#anchor-incidents",
        "Phase 1: Detection",
        "Phase 2: Triage",
        "Phase 3: Containment",
        "Phase 4: Eradication",
        "Phase 5: Recovery",
        "Phase 6: Post-Incident",
        "within 15 minutes",
        "within 10 minutes",
        "within 30 minutes",
        "next standup",
        "BRB Protocol",
        "24-48 hours",
        "within 5 business days",
        "written recovery notification",
        "Open, Contained, Resolved, Closed",
        "Sequential identifier",
        "Detection timestamp",
        "phases 1, 2, 4 and 5 only",
    ],
    "change-management/production-change-policy": [
        "adding a new Grafana dashboard, updating an alert threshold, adding a new Uptime Kuma check",
        "modifying Alertmanager routing, changing backup schedules, updating Cloudflare WAF rules, rotating Vault credentials",
        "DNS failover during an outage, emergency secret rotation after a leak, blocking a malicious IP",
        "retroactively within 24 hours",
        "Rollback plan",
        "Alert the team in Slack",
        "No change bypasses this policy",
    ],
    "runbooks/cerberus-operations-runbook": [
        "cd cerberus/deploy",
        "docker compose --profile observability up -d",
        '{job="docker"}',
        "/audit/support-tickets",
        "Cerberus Operations Dashboard",
        "blackbox exporter",
        "Postgres exporter metrics",
        "Redis exporter metrics",
        "cAdvisor container CPU/usage",
        "Loki error log stream",
        "./cerberus/scripts/health-check.sh",
        "BACKUP_RETENTION_DAYS=14 BACKUP_PASSPHRASE='<passphrase>' ./cerberus/scripts/backup.sh",
        "BACKUP_PASSPHRASE='<passphrase>' ./cerberus/scripts/verify-backup.sh cerberus/backups/<archive>.tgz.enc",
        "find -mtime",
        "ANOMALY_THRESHOLD=50 ./cerberus/scripts/scheduled-audit-check.sh",
        "auth.login",
        "notification.email",
        "notification.ws",
        "every 15 minutes",
        "./cerberus/scripts/update-patch.sh",
        "Maintenance mode ON",
        "Post-deploy health checks",
        "Maintenance mode OFF",
        "POST /notifications/admin-alert",
        "notification.admin_alert",
        "POST /notifications/support-ticket",
        "GET /audit/support-tickets",
    ],
    "runbooks/runbook-template": [
        "Service name",
        "Owner",
        "Architecture summary",
        "Dependencies",
        "Common operations",
        "Monitoring",
        "Troubleshooting",
        "Escalation contacts",
        "PostgreSQL",
    ],
    "decision-logs/decision-log-template": [
        "Date",
        "Decision",
        "Context",
        "Options considered",
        "Decision rationale",
        "Consequences accepted",
        "Revisit date",
        "sphinx-needs",
    ],
}


def needs_of(site) -> dict:
    data = json.loads((site.outdir / "needs.json").read_text())
    return data["versions"][data["current_version"]]["needs"]


def text_of(site, docname: str) -> str:
    """The page's prose, white space folded, then its code blocks as written."""
    soup = BeautifulSoup((site.outdir / f"{docname}.html").read_text(), "html.parser")
    article = soup.select_one("article")
    prose = " ".join(article.get_text(" ").split()).replace("\u2019", "'")
    code = "\n".join(pre.get_text() for pre in article.find_all("pre"))
    return prose + "\n" + code


@pytest.mark.parametrize("docname", list(NEED_COUNTS))
def test_need_counts_per_page(site, docname):
    needs = needs_of(site)
    for need_type, prefix, count in NEED_COUNTS[docname]:
        ids = sorted(
            n["id"] for n in needs.values() if n["docname"] == docname and n["type"] == need_type
        )
        assert ids == [f"{prefix}-{i:02d}" for i in range(1, count + 1)]


def test_no_need_outside_the_listed_pages(site):
    """Besides the listed pages, a need is a record: one per page, named by its ID."""
    needs = needs_of(site).values()
    criteria = [n for n in needs if n["type"] == "criterion"]
    needs = [n for n in needs if n["type"] != "criterion"]
    assert {n["docname"] for n in needs if not n["docname"].startswith("records/")} == set(
        NEED_COUNTS
    )
    # the frameworks' criteria, as needs on their pages
    assert sorted((n["docname"], n["framework"]) for n in criteria) == sorted(
        [("traceability/soc2", "soc2")] * 61 + [("traceability/iso27001", "iso27001")] * 93
    )
    records = {n["docname"]: n["id"] for n in needs if n["docname"].startswith("records/")}
    assert all(docname.endswith(f"/{need_id}") for docname, need_id in records.items())
    assert sorted(records.values()) == [
        "CR-000",
        "DEC-000",
        "INC-000",
        "PM-000",
        "RT-000",
        "RUN-000",
        "SRV-000",
        "SYS-00",
        "SYS-01",
    ]


@pytest.mark.parametrize("docname", list(FACTS))
def test_facts_are_stated(site, docname):
    text = text_of(site, docname)
    missing = [fact for fact in FACTS[docname] if fact not in text]
    assert missing == []


def test_responsibility_matrix_rows(site):
    soup = BeautifulSoup(
        (site.outdir / "production-ownership/production-ownership-policy.html").read_text(),
        "html.parser",
    )
    rows = soup.select("table.anchor-matrix-table tbody tr")
    seen = []
    for row in rows:
        domain = row.th.get_text(strip=True)
        anchor, dev = (td for td in row.find_all("td")[:2])
        accountable = "Anchor" if anchor.select_one(".anchor-accountable") else "EGI / Mast"
        assert bool(anchor.select_one(".anchor-accountable")) != bool(
            dev.select_one(".anchor-accountable")
        )
        for cell in (anchor, dev):
            for badge in cell.select(".anchor-accountable"):
                badge.decompose()
        seen.append((domain, anchor.get_text(strip=True), dev.get_text(strip=True), accountable))
    assert seen == MATRIX


def test_handoff_acceptance_criteria_item_verifies_each_criterion(site):
    needs = needs_of(site)
    assert needs["HAC-01"]["verifies"] == [f"MPA-{i:02d}" for i in range(1, 9)]
    for i in range(1, 9):
        assert "HAC-01" in needs[f"MPA-{i:02d}"]["verifies_back"]


def test_cerberus_checks_verify_backup_restore_and_rotation_rules(site):
    needs = needs_of(site)
    assert needs["CRB-02"]["verifies"] == ["BKP-01", "BKP-02"]
    assert needs["CRB-03"]["verifies"] == ["RST-01", "RST-02"]
    assert needs["CRB-05"]["verifies"] == ["SEC-04"]


def test_every_rule_is_verified_or_says_why_not_or_is_a_listed_gap(site):
    """A rule no item verifies shows that on the page; none is silently unlinked."""
    needs = needs_of(site)
    for need in needs.values():
        if need["type"] != "rule" or need["verifies_back"]:
            continue
        rule_text = (
            BeautifulSoup((site.outdir / f"{need['docname']}.html").read_text(), "html.parser")
            .find(id=need["id"])
            .get_text(" ")
        )
        expected = (
            "not checklist-verifiable"
            if need["not_verifiable"]
            else "its records show it at work"
            if need["evidence"]
            else "No checklist item verifies this rule yet."
        )
        assert expected in " ".join(rule_text.split()), need["id"]


def test_owner_and_review_dates_from_the_sources(site):
    for docname, reviewed in [
        ("production-ownership/production-ownership-policy", "2026-04-04"),
        ("incident-response/incident-response-procedure", "2026-05-24"),
        ("change-management/production-change-policy", "2026-04-04"),
    ]:
        soup = BeautifulSoup((site.outdir / f"{docname}.html").read_text(), "html.parser")
        card = soup.select_one(".anchor-doc-header")
        fields = [f.get_text(strip=True) for f in card.find_all(["dt", "dd"])]
        assert fields[:4] == ["Owner:", "Anchor MSP Operations Lead", "Last reviewed:", reviewed]


def test_documentation_gaps_are_listed_in_one_place(site):
    text = text_of(site, "about/documentation-gaps")
    for gap in (
        "BRB Protocol",
        "On-call rotation schedule",
        "Restore procedure",
        "Central change log",
        "Designated backup of the Operations Lead",
        # a managed system's field the sources do not give
        "Cerberus: development team",
        "Cerberus: accepted on",
    ):
        assert gap in text


def test_planned_pages_name_their_sections(site):
    text = text_of(site, "about/planned-pages")
    assert "Disaster recovery plan — Backup and Restore" in text
    assert "Metrics naming conventions — Logging and Metrics" in text
    logging = text_of(site, "logging-and-metrics/index")
    assert "Logging standards (structured log format requirements)" in logging
    assert "Network security policy" not in logging


def test_real_site_traceability_is_clean(site):
    soup = BeautifulSoup((site.outdir / "traceability/index.html").read_text(), "html.parser")
    figures = {
        tr.find_all("td")[0].get_text(strip=True): tr.find_all("td")[1].get_text(strip=True)
        for tr in soup.select("table.anchor-trace-summary tbody tr")
    }
    assert figures["Gaps (rules not yet verified)"] == "0"
    assert figures["Suspect links"] == "0"
    assert figures["Unreviewed links"] == "0"  # the committed baseline covers every link
    assert figures["Rules in force"] == str(
        sum(
            count
            for entries in NEED_COUNTS.values()
            for kind, _, count in entries
            if kind == "rule"
        )
    )
    assert (site.outdir / "traceability.xlsx").is_file()


def test_every_link_of_the_site_reaches_its_need_both_ways(site):
    """needs.json, which auditors' tools read, holds no dead link and every back link:
    a criterion's dots are no part reference (A.8.13 is need A_8_13, not A's part)."""
    needs = needs_of(site)
    assert [i for i, n in needs.items() if n["has_dead_links"]] == []
    mapped = {(r, c) for r, n in needs.items() for c in n["satisfies"]}
    assert len(mapped) > 100
    assert mapped == {(r, c) for c, n in needs.items() for r in n["satisfies_back"]}
    assert ("BKP-01", "A_8_13") in mapped and needs["A_8_13"]["type"] == "criterion"
    # the pages show the criterion by its own ID, satisfied by its rules
    soup = BeautifulSoup((site.outdir / "traceability/iso27001.html").read_text(), "html.parser")
    criterion = soup.find(id="A.8.13")
    assert criterion.select_one(".anchor-id").get_text() == "A.8.13"
    assert "BKP-01" in [b.get_text() for b in criterion.select(".anchor-trace .anchor-id")]


def test_the_soc2_page_lists_every_criterion_with_its_rules_or_as_a_gap(site):
    soup = BeautifulSoup((site.outdir / "traceability/soc2.html").read_text(), "html.parser")
    rows = soup.select("table.anchor-framework-criteria tbody tr")
    assert len(rows) == 61
    mapped = gaps = 0
    for row in rows:
        cells = row.find_all("td")
        rules = [badge.get_text() for badge in cells[2].select(".anchor-id")]
        state = cells[5].get_text(strip=True)
        if rules:
            mapped += 1
            assert state != "no rule", cells[0].get_text()
        else:
            gaps += 1
            assert (cells[2].get_text(strip=True), state) == ("—", "no rule")
    assert mapped > 10 and gaps > 10
    named = soup.find(string=lambda text: text and text.startswith("No rule maps to"))
    assert f"No rule maps to {gaps} criteria" in named


def test_the_example_exception_is_not_shown_as_in_force_on_its_rule(site):
    rule = BeautifulSoup(
        (site.outdir / "production-ownership/production-ownership-policy.html").read_text(),
        "html.parser",
    ).find(id="PO-01")
    assert "Exceptions:" not in rule.get_text()
    register = (site.outdir / "about/exceptions.html").read_text()
    assert "EXC-01" in register
    assert "example" in register
