"""What a rule says about the records that show it at work, and checking it.

A rule names the kind of record that evidences it, and what those records
must show, on its own page::

    :::{rule} Restore tests run quarterly
    :id: RST-01
    :evidence: restore-test
    :requires: result is pass; every 3 months per system
    :::

``:evidence:`` is a record kind (:mod:`anchor_sop.model.kinds`), optionally narrowed by one field
or more: ``incident where severity is Critical, High``, ``change where type is
emergency and changes is DNS`` (a field holding several values matches when one
of them is listed).
``:requires:`` is a list of conditions, separated by ``;``:

=====================================  ==============================================
``F is set``                           each record has F
``F is V[, V]``                        F is one of the values
``F differs from G``                   e.g. ``approved-by differs from by``
``F before G``                         F's moment comes before G's
``F within N UNIT of G``               F at most N units after G
``all items done``                     a checklist run: no item failed
``every N UNIT [per system]``          a record, every N units (for every managed system)
``one per system before G``            a record for each managed system before its G
=====================================  ==============================================

UNIT is minutes, hours, days, business days (Monday to Friday: the sources
name no holidays), weeks or months (calendar months, from the last record).
With ``every`` or ``one per system``, the other conditions say which records
count (a *passing* restore test); without them, each record that fails a
condition is a finding. The figures are the rule's: changing "3 months" to "1
month" is an edit of the option, nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..clock import add_months
from ..model import NEED_LINKS
from ..model.kinds import CHECKLIST_RUN, DATE, DATETIME, KINDS, LINK, MANAGED_SYSTEM_KIND, Kind

UNITS = ("minutes", "hours", "business days", "days", "weeks", "months")
#: A unit as written: singular or plural ("1 week", "3 months").
_UNIT = "(?P<unit>" + "|".join(f"{unit[:-1]}s?" for unit in UNITS) + ")"
_FIELD = r"[a-z][a-z-]*"
PATTERNS = {
    "every": re.compile(rf"^every (?P<n>\d+) {_UNIT}(?P<per> per system)?$"),
    "before_system": re.compile(rf"^one per system before (?P<other>{_FIELD})$"),
    "all_done": re.compile(r"^all items done$"),
    "set": re.compile(rf"^(?P<field>{_FIELD}) is set$"),
    "within": re.compile(
        rf"^(?P<field>{_FIELD}) within (?P<n>\d+) {_UNIT} of (?P<other>{_FIELD})$"
    ),
    "before": re.compile(rf"^(?P<field>{_FIELD}) before (?P<other>{_FIELD})$"),
    "differs": re.compile(rf"^(?P<field>{_FIELD}) differs from (?P<other>{_FIELD})$"),
    "is": re.compile(rf"^(?P<field>{_FIELD}) is (?P<values>.+)$"),
}
EVIDENCE_PATTERN = re.compile(rf"^(?P<kind>{_FIELD})(?: where (?P<where>.+))?$")
WHERE_PATTERN = re.compile(rf"^(?P<field>{_FIELD}) is (?P<values>.+)$")


class RequirementError(ValueError):
    """What is wrong with an ``:evidence:`` or ``:requires:`` option, and the fix."""

    def __init__(self, option: str, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.option, self.problem, self.fix = option, problem, fix


@dataclass(frozen=True)
class Condition:
    """One condition of ``:requires:`` (``what`` names its pattern)."""

    what: str
    text: str
    field: str = ""
    other: str = ""
    values: tuple[str, ...] = ()
    n: int = 0
    unit: str = ""
    per_system: bool = False


@dataclass(frozen=True)
class Requirement:
    """A rule's evidence: which records, and what they must show."""

    kind: str
    #: Which records: each field, and the values one of which it holds.
    where: tuple[tuple[str, tuple[str, ...]], ...]
    conditions: tuple[Condition, ...]

    @property
    def recurrence(self) -> Condition | None:
        return next((c for c in self.conditions if c.what in ("every", "before_system")), None)

    @property
    def per_record(self) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if c.what not in ("every", "before_system"))

    def describe(self) -> str:
        kind = KINDS[self.kind].title.lower()
        text = f"{kind} records"
        if self.where:
            text += " where " + " and ".join(
                f"{name} is {', '.join(values)}" for name, values in self.where
            )
        if self.conditions:
            text += ": " + "; ".join(c.text for c in self.conditions)
        return text


def _values(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in re.split(r",|\bor\b", text) if v.strip())


def _unit(text: str) -> str:
    return text if text.endswith("s") else f"{text}s"


def parse_requirement(evidence: str, requires: str, config=None) -> Requirement:
    """The requirement the two options state; :class:`RequirementError` when they do not.
    With the build's ``config``, values of a field whose choices it names are checked."""
    match = EVIDENCE_PATTERN.match(evidence)
    if match is None or match["kind"] not in KINDS:
        raise RequirementError(
            "evidence",
            f"':evidence: {evidence}' does not name a kind of record",
            f"write one of {', '.join(KINDS)}, optionally followed by "
            "'where FIELD is VALUE[, VALUE] [and FIELD is VALUE]'",
        )
    kind = KINDS[match["kind"]]
    where = []
    for clause in (match["where"] or "").split(" and ") if match["where"] else ():
        narrowed = WHERE_PATTERN.match(clause.strip())
        if narrowed is None:
            raise RequirementError(
                "evidence",
                f"'where {match['where']}' narrows by {clause.strip()!r}, which is not "
                "'FIELD is VALUE[, VALUE]'",
                "write each field as 'FIELD is VALUE[, VALUE]', joined by 'and'",
            )
        values = _values(narrowed["values"])
        _check_field("evidence", kind, narrowed["field"], values, config)
        if narrowed["field"] in dict(where):
            raise RequirementError(
                "evidence",
                f"'where' names the field {narrowed['field']!r} twice",
                "list its values once, separated by commas",
            )
        where.append((narrowed["field"], values))
    conditions = []
    for text in (part.strip() for part in requires.split(";")):
        if not text:
            continue
        conditions.append(_condition(kind, " ".join(text.split()), config))
    if sum(1 for c in conditions if c.what in ("every", "before_system")) > 1:
        raise RequirementError(
            "requires",
            "':requires:' has more than one 'every' or 'one per system'",
            "keep one; a rule with two periods is two rules",
        )
    return Requirement(kind.directive, tuple(where), tuple(conditions))


def _condition(kind: Kind, text: str, config) -> Condition:
    for what, pattern in PATTERNS.items():
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        condition = Condition(
            what=what,
            text=text,
            field=groups.get("field") or "",
            other=groups.get("other") or "",
            values=_values(groups["values"]) if groups.get("values") else (),
            n=int(groups["n"]) if groups.get("n") else 0,
            unit=_unit(groups["unit"]) if groups.get("unit") else "",
            per_system=bool(groups.get("per")),
        )
        _check_condition(kind, condition, config)
        return condition
    raise RequirementError(
        "requires",
        f"The condition {text!r} is not one the build knows",
        "write 'F is set', 'F is V', 'F differs from G', 'F before G', 'F within N UNIT "
        "of G', 'all items done', 'every N UNIT [per system]' or 'one per system before G' "
        f"(fields of a {kind.directive}: {', '.join(kind.fields_by_name)})",
    )


def _check_field(
    option: str, kind: Kind, name: str, values: tuple[str, ...] = (), config=None
) -> None:
    spec = kind.fields_by_name.get(name)
    if spec is None:
        raise RequirementError(
            option,
            f"A {kind.directive} has no field {name!r}",
            f"use one of {', '.join(kind.fields_by_name)}",
        )
    if spec.choices_config and config is None:
        return  # the project's list: checked where the build's configuration is at hand
    choices = spec.choices_in(config)
    bad = [v for v in values if choices and v not in choices]
    if bad:
        raise RequirementError(
            option,
            f"{bad[0]!r} is not a value of a {kind.directive}'s {name}",
            f"use {', '.join(choices)}",
        )


def _moment_type(kind: Kind, name: str) -> str:
    """DATE or DATETIME: of the field, or of the date of the record a link names."""
    spec = kind.fields_by_name[name]
    if spec.type == LINK:
        target = KINDS[NEED_LINKS[spec.link]["target_types"][0]]
        return target.fields_by_name[target.date_field].type
    return spec.type


def _dated(kind: Kind, name: str, option: str = "requires") -> None:
    _check_field(option, kind, name)
    spec = kind.fields_by_name[name]
    if spec.type not in (DATE, DATETIME) and not (spec.type == LINK and spec.link):
        raise RequirementError(
            option,
            f"The {kind.directive}'s {name} is not a moment",
            f"compare fields that hold a date or a date and time "
            f"({', '.join(f.name for f in kind.fields if f.type in (DATE, DATETIME))})",
        )


def _check_condition(kind: Kind, c: Condition, config) -> None:
    if c.what in ("set", "is"):
        _check_field("requires", kind, c.field, c.values if c.what == "is" else (), config)
    elif c.what == "differs":
        _check_field("requires", kind, c.field)
        _check_field("requires", kind, c.other)
    elif c.what in ("before", "within"):
        _dated(kind, c.field)
        _dated(kind, c.other)
        if c.unit in ("minutes", "hours"):
            for name in (c.field, c.other):
                if _moment_type(kind, name) == DATE:
                    raise RequirementError(
                        "requires",
                        f"The {kind.directive}'s {name} is a date, counted in {c.unit}",
                        "count a date in days, business days, weeks or months",
                    )
    elif c.what == "all_done" and kind is not CHECKLIST_RUN:
        raise RequirementError(
            "requires",
            "'all items done' is a condition of a checklist-run",
            "remove it, or evidence the rule with checklist-run records",
        )
    elif c.what == "before_system":
        if "system" not in kind.fields_by_name:
            raise RequirementError(
                "requires",
                f"A {kind.directive} is not about one system",
                "use 'every N UNIT' without 'per system'",
            )
        _dated(MANAGED_SYSTEM_KIND, c.other)
    elif c.what == "every" and c.per_system and "system" not in kind.fields_by_name:
        raise RequirementError(
            "requires",
            f"A {kind.directive} is not about one system",
            "remove 'per system'",
        )


# --- time -------------------------------------------------------------------------


def holds(kind: Kind, record_values: dict[str, str], name: str, values: tuple[str, ...]) -> bool:
    """Whether a record's field holds one of ``values`` (one of its values, for a field
    that holds several)."""
    value = record_values.get(name)
    if value is None:
        return False
    return any(v in values for v in kind.fields_by_name[name].values_of(value))


def add_business_days(day: date, n: int) -> date:
    """The ``n``-th working day (Monday to Friday) after ``day``."""
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


Moment = date | datetime


def deadline(start: Moment, n: int, unit: str) -> Moment:
    """The last moment ``n`` ``unit`` after ``start``: a date stays a date, a date and
    time keeps its offset (and, in days and longer, its time of day)."""
    if unit == "minutes":
        return start + timedelta(minutes=n)
    if unit == "hours":
        return start + timedelta(hours=n)
    if unit == "days":
        return start + timedelta(days=n)
    if unit == "weeks":
        return start + timedelta(weeks=n)
    # (a datetime is a date too: its day moves the same; the date says what is meant)
    day = start.date() if isinstance(start, datetime) else start  # pragma: no mutate
    moved = add_months(day, n) if unit == "months" else add_business_days(day, n)
    if isinstance(start, datetime):
        return datetime.combine(moved, start.timetz())
    return moved


def later_than(moment: Moment, limit: Moment) -> bool:
    """Whether ``moment`` is after ``limit``; a date against a date and time compares
    days (the date and time's own day, at its own offset)."""
    if isinstance(moment, datetime) != isinstance(limit, datetime):
        moment = moment.date() if isinstance(moment, datetime) else moment
        limit = limit.date() if isinstance(limit, datetime) else limit
    return moment > limit


def day_of(moment: Moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment
