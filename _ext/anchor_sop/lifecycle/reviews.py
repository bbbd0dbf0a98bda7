"""Reviews and statuses: what the build knows about each document's life.

- Every policy, checklist and template is due for review ``review-interval``
  months (default ``anchor_review_interval_months``) after its last review.
  A ``review_banner`` placeholder, written under the document's header card,
  becomes a notice when the review is due within ``DUE_SOON_DAYS`` and a
  warning banner once it is overdue. Draft and retired documents carry a
  status banner, and their title in the navigation says so.
- Overdue reviews and expired exceptions (:mod:`anchor_sop.directives.exception`)
  are warnings, a build failure, or nothing, as ``anchor_lifecycle_enforcement``
  says (warn / fail / off).

"Today" comes from :mod:`anchor_sop.clock`; when it changes, every page that
shows a date-dependent state is rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError

from .. import clock
from ..diagnostics import report
from ..model import DUE_SOON_DAYS, ENFORCEMENT_MODES, counted
from ..render import RESOLVE_EVENT
from ..state import env_state
from ..store import (
    DocumentRecord,
    ExceptionRecord,
    all_documents,
    all_exceptions,
    doc_store,
    stores,
)


class LifecycleError(SphinxError):
    category = "Lifecycle enforcement"


# --- review dates -----------------------------------------------------------------


def next_review(record: DocumentRecord, default_months: int) -> date:
    return clock.add_months(record.last_reviewed, record.review_months or default_months)


def review_state(due: date, today: date) -> str:
    if due < today:
        return "overdue"
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due soon"
    return "current"


def exception_state(record: ExceptionRecord, today: date) -> str:
    if record.example:
        return "example"
    if record.expires < today:
        return "expired"
    return "active" if record.start <= today else "not yet started"


class review_banner(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for the review notice of the page's record ``index``.

    Whether a review is due depends on the day the page is written, so
    the resolver below turns it into a notice (or nothing) then.
    """


def _resolve_review_banners(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    today = clock.today()
    for node in list(doctree.findall(review_banner)):
        record = doc_store(app.env, node["docname"]).documents[node["index"]]
        due = next_review(record, app.config.anchor_review_interval_months)
        state = review_state(due, today)
        if state == "current" or record.last_reviewed == date.min:
            node.replace_self([])
            continue
        banner = nodes.admonition(
            classes=[
                "anchor-review-banner",
                f"anchor-review-{state.replace(' ', '-')}",
                "danger" if state == "overdue" else "note",
            ]
        )
        if state == "overdue":
            banner += nodes.title(text="Review overdue")
            text = f"Review overdue since {due.isoformat()}, owner {record.owner}."
        else:
            banner += nodes.title(text="Review due soon")
            text = (
                f"Review due on {due.isoformat()} (in {(due - today).days} days), "
                f"owner {record.owner}."
            )
        banner += nodes.paragraph(text=text)
        node.replace_self(banner)


def _mark_draft_titles(app: Sphinx, doctree: nodes.document) -> None:
    """Say "(draft)" or "(retired)" after the page's title in navigation and links."""
    env = app.env
    records = doc_store(env, env.docname).documents
    if not records or records[0].status not in ("draft", "retired"):
        return
    mark = nodes.Text(f" ({records[0].status})")
    if env.docname in env.titles:
        env.titles[env.docname] += mark.copy()
    # the navigation takes the title from the page's table of contents
    if (toc := env.tocs.get(env.docname)) is not None:
        first_link = next(iter(toc.findall(nodes.reference)), None)
        if first_link is not None:
            first_link += mark.copy()


# --- enforcement ------------------------------------------------------------------


def check_lifecycle(app: Sphinx, env: BuildEnvironment) -> None:
    mode = app.config.anchor_lifecycle_enforcement
    if mode not in ENFORCEMENT_MODES:
        raise LifecycleError(
            f"anchor_lifecycle_enforcement is {mode!r}; set it to one of "
            f"{', '.join(ENFORCEMENT_MODES)} in conf.py"
        )
    if mode == "off":
        return
    today = clock.today()
    problems = 0
    for record in all_documents(env):
        if record.last_reviewed == date.min or record.status != "approved":
            continue
        due = next_review(record, app.config.anchor_review_interval_months)
        if due < today:
            problems += 1
            report(
                (record.docname, record.review_lineno),
                "review_overdue",
                f"The review of {record.kind} {record.title!r} is overdue since "
                f"{due.isoformat()} (owner {record.owner})",
                "review it, then set ':last-reviewed:' to the day of the review",
            )
    for record in all_exceptions(env):
        if exception_state(record, today) == "expired":
            problems += 1
            report(
                (record.docname, record.lineno),
                "exception_expired",
                f"The exception {record.need_id} for {record.system} expired on "
                f"{record.expires.isoformat()}",
                "revoke and remove it, or renew it with a new approval and ':expires:' date",
            )
    if problems and mode == "fail":
        raise LifecycleError(
            counted(
                problems,
                "overdue review or expired exception",
                "overdue reviews or expired exceptions",
            ).capitalize()
            + ", listed above. "
            "The release setting (anchor_lifecycle_enforcement = 'fail') stops the build."
        )


def _rewrite_on_new_day(_app: Sphinx, env: BuildEnvironment) -> Iterable[str]:
    """When the date changed since the last build, rewrite every date-dependent page:
    documents (review banners), exceptions (their state) and the registers and views."""
    today = clock.today()
    if env_state(env).today == today:
        return []
    env_state(env).today = today
    return sorted(
        docname
        for docname, store in stores(env).items()
        if store.documents or store.exceptions or store.shows_all or store.follows
    )


def setup_reviews(app: Sphinx) -> None:
    app.add_config_value("anchor_review_interval_months", 12, "env", types=(int,))
    app.add_config_value("anchor_lifecycle_enforcement", "warn", "env", types=(str,))
    app.add_node(review_banner)
    app.connect("doctree-read", _mark_draft_titles, priority=600)
    app.connect("env-get-updated", _rewrite_on_new_day)
    app.connect("env-check-consistency", check_lifecycle)
    app.connect(RESOLVE_EVENT, _resolve_review_banners)
