"""Re-baseline the reviewed links after a person re-reviewed them.

    python -m anchor_sop.traceability.baseline NEEDS_JSON BASELINE_JSON [ID ...]

Writes, for each link "ITEM verifies RULE" and each mapping "RULE satisfies
CRITERION" in NEEDS_JSON, the rule's current fingerprint into BASELINE_JSON.
With IDs, only the links that touch those rules, items or criteria are
accepted; the others keep their reviewed fingerprint. With none, every
current link is accepted and links that no longer exist are dropped. The
file is sorted, one link a line, so its diff shows in review exactly which
links were accepted. ``nox -s baseline`` builds the site and
runs this.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..model import (
    FINGERPRINT,
    ITEM,
    RULE,
    SATISFIES,
    VERIFIES,
    counted,
    criterion_need_id,
)
from .report import link_key


def current_links(needs: dict) -> dict[str, dict[str, object]]:
    """Every link item → rule and mapping rule → criterion, by its key: its two ends
    and the rule's fingerprint now."""
    links = {}
    for need in needs.values():
        if need["type"] == ITEM:
            for rule_id in need.get(VERIFIES) or []:
                rule = needs.get(rule_id)
                if rule is not None and rule["type"] == RULE:
                    key = link_key(need["id"], rule_id)
                    links[key] = {"ends": (need["id"], rule_id), "value": rule[FINGERPRINT]}
        elif need["type"] == RULE:
            for criterion_id in need.get(SATISFIES) or []:
                if criterion_id in needs:
                    key = link_key(need["id"], criterion_id, SATISFIES)
                    links[key] = {"ends": (need["id"], criterion_id), "value": need[FINGERPRINT]}
    return links


def rebaseline(needs: dict, baseline: dict[str, str], ids: list[str]) -> dict[str, str]:
    links = current_links(needs)
    if not ids:
        return dict(sorted((key, link["value"]) for key, link in links.items()))
    # a criterion as the pages show it (A.8.13) is its need (A_8_13)
    wanted = {criterion_need_id(i) for i in ids}
    unknown = [i for i in ids if criterion_need_id(i) not in needs]
    if unknown:
        raise SystemExit(f"No need has the ID {', '.join(unknown)}; nothing was written.")
    accepted = {key: link["value"] for key, link in links.items() if set(link["ends"]) & wanted}
    return dict(sorted({**baseline, **accepted}.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("needs_json", type=Path)
    parser.add_argument("baseline_json", type=Path)
    parser.add_argument("ids", nargs="*", help="rules or items whose links were re-reviewed")
    args = parser.parse_args(argv)
    data = json.loads(args.needs_json.read_text())
    needs = data["versions"][data["current_version"]]["needs"]
    old = json.loads(args.baseline_json.read_text()) if args.baseline_json.is_file() else {}
    new = rebaseline(needs, old, args.ids)
    args.baseline_json.write_text(json.dumps(new, indent=1) + "\n")
    changed = sorted(k for k in new if old.get(k) != new[k])
    dropped = sorted(set(old) - set(new))
    print(
        f"{counted(len(changed), 'link').capitalize()} accepted, {len(dropped)} dropped, "
        f"{len(new)} in the baseline."
    )
    for key in changed:
        print(f"  accepted: {key}")
    for key in dropped:
        print(f"  dropped:  {key}")


if __name__ == "__main__":
    main()
