"""Sphinx configuration of the Anchor SOP site (the pages are in source/)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "Anchor SOP"
author = "Anchor MSP"
copyright = "Anchor MSP"

extensions = ["myst_parser", "sphinx_design", "sphinx_needs", "anchor_sop"]

root_doc = "intro"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nitpicky = True

# The roles that may own a policy, checklist or template.
anchor_owner_roles = ["Anchor MSP Operations Lead"]

# Pages the design spec lists for the future: (page, section it will live in).
anchor_planned_pages = [
    ("On-call rotation schedule", "monitoring-and-alerting"),
    ("Incident response playbook", "incident-response"),
    ("Access request procedure", "access-control"),
    ("Offboarding checklist (removing a system from Anchor management)", "client-onboarding"),
    ("SLA definitions per client", "client-onboarding"),
    ("Logging standards (structured log format requirements)", "logging-and-metrics"),
    ("Metrics naming conventions", "logging-and-metrics"),
    ("Network security policy", "security-operations"),
    ("Vulnerability management policy", "security-operations"),
    ("Capacity planning process", "logging-and-metrics"),
    ("Disaster recovery plan", "backup-and-restore"),
]

html_theme = "furo"
html_title = "Anchor SOP"
html_favicon = str(HERE / "source" / "_static" / "favicon.svg")
html_copy_source = False
html_show_sourcelink = False
# internal site: no links out to the tools' home pages in the footer
html_show_sphinx = False
html_theme_options = {"navigation_with_keys": True}
anchor_trace_baseline = str(HERE / "traceability-baseline.json")

# 404.html, served by the host for unknown addresses (absolute links: any depth)
html_extra_path = [str(HERE / "source" / "_extra")]
exclude_patterns = ["_extra"]
