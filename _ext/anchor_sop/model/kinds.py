"""The kinds of operating record, each stated once: its directive, ID prefix,
folder, register and fields.

A record is one page, ``source/records/<folder>/<ID>.md``, titled by its ``#``
heading and holding one record directive whose argument is its ID::

    # Quarterly restore test of Cerberus

    :::{restore-test} RT-001
    :system: SYS-01
    :tested-on: 2026-03-02
    ...
    :::

The fields are the ones the source documents give for each register (the
incident log's seven, a change record's who, what, when, why and rollback
plan, ...). A field's type says how its value is checked; a field that names
another record is a sphinx-needs link, so the build checks it like every link
and each page shows the other side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from . import AS_WRITTEN, INCIDENT, MANAGED_SYSTEM, POSTMORTEM, next_free_id

#: Field types: free text, a person, a date (YYYY-MM-DD), a date and time with its
#: offset, one of ``choices``, a link to a record, a checklist's ID prefix, a page.
TEXT, PERSON, DATE, DATETIME, CHOICE, LINK, CHECKLIST, PAGE = (
    "text",
    "person",
    "date",
    "datetime",
    "choice",
    "link",
    "checklist",
    "page",
)
#: What a field whose value the sources do not give may say instead: a known gap.
UNKNOWN = "unknown"
#: The severities of the incident log (the alert severity matrix's levels).
SEVERITIES = ("Critical", "High", "Medium", "Low")
#: Records are numbered by the hundred at least: RUN-001.
RECORD_ID_WIDTH = 3
#: Results of one checklist item in a run.
ITEM_RESULTS = ("done", "not applicable", "failed")


@dataclass(frozen=True)
class Field:
    """One field of a record kind, written as the option ``:name:``."""

    name: str
    type: str = TEXT
    label: str = ""
    required: bool = False
    #: Required when another field has one of these values: (field, values).
    required_when: tuple[str, tuple[str, ...]] | None = None
    choices: tuple[str, ...] = ()
    #: The need link a LINK field is (model.NEED_LINKS).
    link: str = ""
    #: Whether ``unknown`` is allowed, shown as a known gap.
    may_be_unknown: bool = False
    #: The name of the need field that holds it (sphinx-needs' own ``status``, or a
    #: name that is not one of sphinx-needs' core fields).
    need_field: str = ""
    #: The configuration value that lists the choices, when the project names them.
    choices_config: str = ""
    #: Whether it holds several of its choices, separated by commas.
    many: bool = False
    #: When it applies (the form shows it): (field, values); by default when it is
    #: required, or always.
    applies_when: tuple[str, tuple[str, ...]] | None = None

    @property
    def stored_as(self) -> str:
        return self.need_field or self.link or self.name.replace("-", "_")

    @property
    def heading(self) -> str:
        return self.label or self.name.replace("-", " ").capitalize()

    @property
    def condition(self) -> tuple[str, tuple[str, ...]] | None:
        """When it applies: ``applies_when``, else ``required_when``, else always."""
        return self.applies_when or self.required_when

    def choices_in(self, config) -> tuple[str, ...]:
        """The choices: its own, or the configuration's list it names."""
        return tuple(getattr(config, self.choices_config)) if self.choices_config else self.choices

    def values_of(self, value: str) -> tuple[str, ...]:
        """What a value as written holds: one choice, or several (``many``)."""
        if not self.many:
            return (value,)
        return tuple(v.strip() for v in value.split(",") if v.strip())


#: What a change may change: the areas the change policy's scope names.
CHANGE_AREAS_CONFIG = "anchor_change_areas"
CHANGE_AREAS = (
    "infrastructure",
    "configuration",
    "monitoring",
    "alerting",
    "backups",
    "secrets",
    "DNS",
    "security settings",
)


@dataclass(frozen=True)
class Kind:
    """A kind of operating record."""

    #: The directive, and the need type.
    directive: str
    title: str
    prefix: str
    #: ``source/records/<folder>/``.
    folder: str
    #: The register page's name, as the section shows it.
    register: str
    fields: tuple[Field, ...]
    #: The field that dates the record (what a period or the audit period counts).
    date_field: str
    color: str = "#D6E4F0"
    #: Sections its page has, in order (the template's).
    sections: tuple[str, ...] = ()
    #: Whether its numbers run without a gap or repeat (the incident log's IDs).
    sequential: bool = False
    #: What its form on the register's page is called.
    form_title: str = ""
    #: Digits of its numbers, at least (the register's own: SYS-01, RUN-001).
    id_width: int = RECORD_ID_WIDTH
    #: The fields its register shows, after ID and title, headed by their labels.
    register_fields: tuple[str, ...] = ()
    fields_by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields_by_name", {f.name: f for f in self.fields})

    def next_free_id(self, taken: Iterable[str]) -> str:
        """The ID after the highest number of the kind among ``taken``, in its width."""
        return next_free_id(self.prefix, taken, self.id_width)


SYSTEM_FIELD = Field("system", LINK, "System", required=True, link=MANAGED_SYSTEM)

MANAGED_SYSTEM_KIND = Kind(
    directive="managed-system",
    register_fields=("team", "status", "accepted-on"),
    form_title="Register a system",
    title="Managed system",
    prefix="SYS",
    folder="systems",
    register="Managed systems",
    date_field="accepted-on",
    id_width=2,
    fields=(
        Field(
            "team",
            CHOICE,
            "Development team",
            required=True,
            choices=("EGI", "Mast"),
            may_be_unknown=True,
        ),
        Field(
            "status",
            CHOICE,
            required=True,
            choices=("onboarding", "managed", "offboarded"),
            need_field="status",
        ),
        Field(
            "accepted-on",
            DATE,
            "Accepted on",
            required_when=("status", ("managed", "offboarded")),
            may_be_unknown=True,
        ),
        Field("runbook", PAGE),
    ),
)

CHECKLIST_RUN = Kind(
    directive="checklist-run",
    register_fields=("checklist", "system", "run-by", "run-at", "signed-off-by"),
    form_title="Record a run",
    title="Checklist run",
    prefix="RUN",
    folder="checklist-runs",
    register="Checklist runs",
    date_field="run-at",
    fields=(
        Field("checklist", CHECKLIST, required=True),
        SYSTEM_FIELD,
        Field("run-by", PERSON, "Run by", required=True),
        Field("run-at", DATETIME, "Run at", required=True),
        Field("signed-off-by", PERSON, "Signed off by"),
        Field("signed-off-at", DATETIME, "Signed off at", required_when=("signed-off-by", ("*",))),
    ),
)

INCIDENT_KIND = Kind(
    directive="incident",
    register_fields=("detected", "severity", "system", "commander", "status", "postmortem"),
    form_title="Log an incident",
    title="Incident",
    prefix="INC",
    folder="incidents",
    register="Incident log",
    date_field="detected",
    sequential=True,
    fields=(
        Field("detected", DATETIME, "Detected", required=True),
        Field("severity", CHOICE, required=True, choices=SEVERITIES),
        SYSTEM_FIELD,
        Field("commander", PERSON, "Incident commander", required=True),
        Field(
            "status",
            CHOICE,
            required=True,
            choices=("Open", "Contained", "Resolved", "Closed"),
            need_field="status",
        ),
        Field("resolved", DATETIME, required_when=("status", ("Resolved", "Closed"))),
        Field("closed", DATETIME, required_when=("status", ("Closed",))),
        Field("postmortem", LINK, link=POSTMORTEM),
    ),
)

POSTMORTEM_KIND = Kind(
    directive="postmortem",
    register_fields=("incident", "held-on"),
    form_title="Write a postmortem",
    title="Postmortem",
    prefix="PM",
    folder="postmortems",
    register="Postmortems",
    date_field="held-on",
    fields=(
        Field("incident", LINK, required=True, link=INCIDENT),
        Field("held-on", DATE, "Held on", required=True),
    ),
    sections=(
        "Summary",
        "Timeline",
        "Root cause",
        "Lessons learned",
        "Action items",
        "Updates made",
    ),
)

#: A normal change's steps (submitted, reviewed, approved, scheduled, verified),
#: and what an emergency change adds (the change policy's change types).
NORMAL = ("type", ("normal",))
EMERGENCY = ("type", ("emergency",))

CHANGE = Kind(
    directive="change",
    register_fields=("type", "system", "by", "executed", "outcome"),
    form_title="Record a change",
    title="Change",
    prefix="CR",
    folder="changes",
    register="Change log",
    date_field="executed",
    fields=(
        Field(
            "type",
            CHOICE,
            required=True,
            choices=("standard", "normal", "emergency"),
            need_field="change_type",
        ),
        SYSTEM_FIELD,
        Field(
            "changes",
            CHOICE,
            "Areas changed",
            required=True,
            choices_config=CHANGE_AREAS_CONFIG,
            many=True,
        ),
        Field("by", PERSON, "Who", required=True),
        Field("executed", DATETIME, "When (executed)", required=True),
        Field("why", TEXT, "Why", required=True),
        Field("rollback-plan", TEXT, "Rollback plan", required=True),
        Field("submitted", DATETIME, applies_when=NORMAL),
        Field("reviewed", DATETIME, applies_when=NORMAL),
        Field("reviewed-by", PERSON, "Reviewed by", applies_when=NORMAL),
        Field("approved", DATETIME, applies_when=NORMAL),
        Field("approved-by", PERSON, "Approved by", applies_when=NORMAL),
        Field("scheduled", DATETIME, applies_when=NORMAL),
        Field("verified", DATETIME, applies_when=NORMAL),
        Field(
            "documented",
            DATETIME,
            required_when=("type", ("emergency",)),
            applies_when=("type", ("standard", "emergency")),
        ),
        Field("lead-reviewed", DATETIME, "Operations Lead's review", applies_when=EMERGENCY),
        Field("outcome", CHOICE, required=True, choices=("succeeded", "failed")),
        Field("rolled-back", DATETIME, "Rolled back", required_when=("outcome", ("failed",))),
        Field("incident", LINK, required_when=("outcome", ("failed",)), link=INCIDENT),
    ),
)

RESTORE_TEST = Kind(
    directive="restore-test",
    register_fields=("system", "tested-on", "result", "integrity-verified", "tested-by"),
    form_title="Record a restore test",
    title="Restore test",
    prefix="RT",
    folder="restore-tests",
    register="Restore test log",
    date_field="tested-on",
    fields=(
        SYSTEM_FIELD,
        Field("tested-on", DATE, "Tested on", required=True),
        Field("backup", TEXT, "Backup used", required=True),
        Field("result", CHOICE, required=True, choices=("pass", "fail")),
        Field(
            "integrity-verified",
            CHOICE,
            "Data integrity verified",
            required=True,
            choices=("yes", "no"),
        ),
        Field("tested-by", PERSON, "Tested by", required=True),
        Field("incident", LINK, required_when=("result", ("fail",)), link=INCIDENT),
    ),
)

SECURITY_REVIEW = Kind(
    directive="security-review",
    register_fields=("reviewed-on", "by", "findings"),
    form_title="Record a security review",
    title="Security review",
    prefix="SRV",
    folder="security-reviews",
    register="Security reviews",
    date_field="reviewed-on",
    fields=(
        Field("reviewed-on", DATE, "Reviewed on", required=True),
        Field("by", PERSON, "Reviewed by", required=True),
        Field("findings", TEXT, "Findings", required=True),
    ),
)

DECISION = Kind(
    directive="decision",
    register_fields=("decided-on", "revisit-on"),
    form_title="Record a decision",
    title="Decision",
    prefix="DEC",
    folder="decisions",
    register="Decision log",
    date_field="decided-on",
    fields=(
        Field("decided-on", DATE, "Date", required=True),
        Field("revisit-on", DATE, "Revisit date"),
    ),
    sections=(
        "Decision",
        "Context",
        "Options considered",
        "Decision rationale",
        "Consequences accepted",
    ),
)

KINDS: dict[str, Kind] = {
    kind.directive: kind
    for kind in (
        MANAGED_SYSTEM_KIND,
        CHECKLIST_RUN,
        INCIDENT_KIND,
        POSTMORTEM_KIND,
        CHANGE,
        RESTORE_TEST,
        SECURITY_REVIEW,
        DECISION,
    )
}
#: The folder every record page is in.
RECORDS_FOLDER = "records"


def record_need_types() -> list[dict]:
    return [
        {"directive": k.directive, "title": k.title, "prefix": "", "color": k.color}
        for k in KINDS.values()
    ]


def record_need_fields() -> dict[str, dict]:
    """Every record field that is not a link or sphinx-needs' ``status``, as text."""
    names = {
        f.stored_as: f.heading
        for k in KINDS.values()
        for f in k.fields
        if not f.link and f.stored_as != "status"
    }
    names["results"] = "results"
    names["example"] = "example"
    return {
        name: {
            "description": f"{heading} (a field of an operating record).",
            "schema": {"type": "string"},
            "nullable": True,
            **AS_WRITTEN,
        }
        for name, heading in sorted(names.items())
    }
