"""The facts of the authoring model, each stated once.

Every other module imports what it needs from here: the ID scheme, the need
types and link names sphinx-needs is configured with, and the document
statuses.
"""

from __future__ import annotations

import re

#: A document prefix: an upper-case letter, then 1-7 upper-case letters or digits.
PREFIX_PATTERN = r"[A-Z][A-Z0-9]{1,7}"
#: A need ID: the prefix of its document, a hyphen and a two- or three-digit number.
ID_REGEX = re.compile(rf"^(?P<prefix>{PREFIX_PATTERN})-(?P<number>[0-9]{{2,3}})$")
PREFIX_REGEX = re.compile(rf"^{PREFIX_PATTERN}$")
ID_EXAMPLE = "BKP-03"

#: Need types, by the directive name sphinx-needs knows them under.
RULE = "rule"
ITEM = "item"
DOMAIN = "responsibility"
EXCEPTION = "exception"

#: Link types: an item verifies rules; a responsibility-matrix row is governed by rules.
VERIFIES = "verifies"
GOVERNED_BY = "governed_by"
#: An approved exception exempts rules, for a system, for a time.
EXEMPTS = "exempts"
#: Exceptions have IDs of their own prefix: EXC-01, EXC-02, ...
EXCEPTION_PREFIX = "EXC"

#: Field of a rule: why no checklist item can verify it.
NOT_VERIFIABLE = "not_verifiable"
#: Field of a responsibility-matrix row: the party accountable for the domain.
ACCOUNTABLE = "accountable"
#: Field of rules and items: the status of the document they are in.
DOC_STATUS = "doc_status"
#: Field of a rule: the fingerprint of its normalised text (see fingerprint.py).
FINGERPRINT = "fingerprint"
#: Fields of an exception.
EXCEPTION_FIELDS = ("system", "approved_by", "start", "expires")

NEED_TYPES = [
    {"directive": RULE, "title": "Rule", "prefix": "", "color": "#BFD8D2"},
    {"directive": ITEM, "title": "Checklist item", "prefix": "", "color": "#FEDCD2"},
    {"directive": DOMAIN, "title": "Responsibility", "prefix": "", "color": "#DDDDDD"},
    {"directive": EXCEPTION, "title": "Exception", "prefix": "", "color": "#F6E3A1"},
]

NEED_LINKS = {
    VERIFIES: {
        "incoming": "verified by",
        "outgoing": "verifies",
        "target_types": [RULE],
    },
    GOVERNED_BY: {
        "incoming": "governs",
        "outgoing": "governed by",
        "target_types": [RULE],
    },
    EXEMPTS: {
        "incoming": "exempted by",
        "outgoing": "exempts",
        "target_types": [RULE],
    },
}

NEED_FIELDS = {
    NOT_VERIFIABLE: {
        "description": "Why no checklist item can verify this rule.",
        "schema": {"type": "string"},
        "nullable": True,
    },
    ACCOUNTABLE: {
        "description": "The party accountable for a responsibility domain.",
        "schema": {"type": "string"},
        "nullable": True,
    },
    DOC_STATUS: {
        "description": "The status of the document the need is in (draft, approved, retired).",
        "schema": {"type": "string"},
        "nullable": True,
    },
    FINGERPRINT: {
        "description": "SHA-256 of the rule's normalised title and statement.",
        "schema": {"type": "string"},
        "nullable": True,
    },
    **{
        name: {
            "description": f"The {name.replace('_', ' ')} of an exception.",
            "schema": {"type": "string"},
            "nullable": True,
        }
        for name in EXCEPTION_FIELDS
    },
}

#: How many days before its due date a review is "due soon".
DUE_SOON_DAYS = 30
#: What the build does about overdue reviews and expired exceptions.
ENFORCEMENT_MODES = ("warn", "fail", "off")

#: Document statuses, in lifecycle order.
STATUSES = ("draft", "approved", "retired")
#: Colour of each status badge (sphinx-design's semantic colours).
STATUS_COLORS = {"draft": "warning", "approved": "success", "retired": "secondary"}


def backlink(link: str) -> str:
    """The name sphinx-needs gives the reverse direction of a link type."""
    return f"{link}_back"
