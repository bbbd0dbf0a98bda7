"""Samples an auditor can re-draw: for the audit period (``anchor_audit_period``),
each rule that records evidence gets a sample of its population.

- **Size**, from how often the control operates (``anchor_sample_sizes``, by
  default annual 1, quarterly 2, monthly 2, weekly 5, daily 25, several a day
  40), never more than the population. A recurring rule's frequency is its
  ``every N UNIT``; a rule that operates per event, its records' count per
  day over the days from its first record in the period to its last.
- **Population hash**: SHA-256 of the population's lines, one per record in ID
  order: ``ID<TAB>field=value<TAB>...`` (the fields as written, by name), so
  any change to a record of the population changes it.
- **Seed**: SHA-256 of ``FIRST:LAST``, the rule's ID and the population hash,
  each on a line of its own.
- **Selection**: each record's rank is SHA-256 of the seed (hex) followed by
  the record's ID; the sample is the records of the lowest ranks.

The same population always gives the same sample; ``samples.csv`` carries the
hashes, so anyone can draw it again with ``sha256sum`` and a sort. An empty
population says the control did not occur in the period, never that it was met.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from ..columns import Column, View
from ..evidence.operation import audit_period, operation_report, requirement_of
from ..exports.files import add_export, csv_bytes
from ..exports.workbook import add_sheet
from ..model import SAMPLES_CSV
from ..store import Record
from ..traceability.report import trace_report

#: Sample sizes by how often a control operates.
SAMPLE_SIZES = {
    "annual": 1,
    "quarterly": 2,
    "monthly": 2,
    "weekly": 5,
    "daily": 25,
    "several a day": 40,
}
#: The longest interval, in days, of each frequency (else annual).
FREQUENCIES = (
    ("several a day", 0.5),
    ("daily", 1),
    ("weekly", 7),
    ("monthly", 31),
    ("quarterly", 92),
)
#: An interval's unit in days.
UNIT_DAYS = {
    "minutes": 1 / 1440,
    "hours": 1 / 24,
    "days": 1,
    "business days": 7 / 5,
    "weeks": 7,
    "months": 30.44,
}
#: What a sample of an empty population says.
DID_NOT_OCCUR = "did not occur in the period"


def frequency_of(interval_days: float) -> str:
    """The frequency of a control that operates every ``interval_days`` days."""
    return next((name for name, most in FREQUENCIES if interval_days <= most), "annual")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def population_hash(records: list[Record]) -> str:
    lines = (
        "\t".join([r.need_id, *(f"{k}={v}" for k, v in sorted(r.values.items()))])
        for r in sorted(records, key=lambda r: r.need_id)
    )
    return sha256("\n".join(lines))


def draw(period: tuple[date, date], rule_id: str, records: list[Record], size: int):
    """The seed and the sample: the IDs of the ``size`` records of the lowest rank."""
    seed = sha256(
        f"{period[0].isoformat()}:{period[1].isoformat()}\n{rule_id}\n{population_hash(records)}"
    )
    ranked = sorted(records, key=lambda r: sha256(seed + r.need_id))
    return seed, sorted(r.need_id for r in ranked[:size])


#: A sample's rows: a row per record drawn (one for an empty population).
SAMPLES = View(
    "Samples",
    (
        Column(0, "Rule"),
        Column(1, "Title"),
        Column(2, "Period"),
        Column(3, "Frequency"),
        Column(4, "Population"),
        Column(5, "Sample size"),
        Column(6, "Population SHA-256"),
        Column(7, "Seed"),
        Column(8, "Record drawn"),
    ),
)


def sample_recipes(app: Sphinx) -> list[tuple] | None:
    period = audit_period(app)
    if period is None:
        return None
    start, end = period
    operation = operation_report(app)
    sizes = {**SAMPLE_SIZES, **app.config.anchor_sample_sizes}
    rules = {r["id"]: r for r in trace_report(app).rules}
    recipes = []
    for rule_id, op in sorted(operation.rules.items()):
        rule = rules.get(rule_id)
        requirement = requirement_of(rule) if rule is not None else None
        if requirement is None:
            continue  # shown by checklist runs alone, or by nothing that records
        records = []
        for record_id in op.population:
            record = operation.records[record_id]
            day = operation.moments.date_of(record)
            if day is not None and start <= day <= end:
                records.append((day, record))
        shown_period = f"{start.isoformat()}:{end.isoformat()}"  # what the seed is made of
        if not records:
            recipes.append((rule_id, rule["title"], shown_period, "", 0, 0, "", "", DID_NOT_OCCUR))
            continue
        every = requirement.recurrence
        if every is not None and every.what == "every":
            frequency = frequency_of(every.n * UNIT_DAYS[every.unit])
        else:
            days = [d for d, _ in records]
            span = (max(days) - min(days)).days + 1
            frequency = frequency_of(span / len(records))
        population = [r for _, r in records]
        size = min(sizes[frequency], len(population))
        seed, drawn = draw(period, rule_id, population, size)
        digest = population_hash(population)
        for record_id in drawn:
            recipes.append(
                (
                    rule_id,
                    rule["title"],
                    shown_period,
                    frequency,
                    len(population),
                    size,
                    digest,
                    seed,
                    record_id,
                )
            )
    return recipes


def samples_rows(app: Sphinx) -> list[list[object]] | None:
    recipes = sample_recipes(app)
    return None if recipes is None else SAMPLES.rows(recipes)


def check_sample_sizes(_app: Sphinx, config: Config) -> None:
    """``anchor_sample_sizes`` names frequencies this module knows, each a whole
    number of at least one record: a mistyped one would be ignored."""
    for frequency, size in config.anchor_sample_sizes.items():
        if frequency not in SAMPLE_SIZES:
            raise ConfigError(
                f"anchor_sample_sizes names the frequency {frequency!r}, which is not one of "
                f"{', '.join(SAMPLE_SIZES)}; write one of those as its key"
            )
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(
                f"anchor_sample_sizes gives {frequency!r} the size {size!r}; write a whole "
                "number of records, 1 or more"
            )


def setup_samples(app: Sphinx) -> None:
    app.add_config_value("anchor_sample_sizes", {}, "env", types=(dict,))
    app.connect("config-inited", check_sample_sizes)


def declare_samples_exports(app: Sphinx) -> None:
    add_sheet(app, SAMPLES.name, samples_rows)
    if audit_period(app) is not None:
        add_export(
            app,
            SAMPLES_CSV,
            lambda app: csv_bytes(samples_rows(app)),
            "the audit period's samples as CSV",
        )
