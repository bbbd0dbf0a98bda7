"""Placing a record in the checkout: ``python3 noxw.py -s record -- FILE...``.

A record made in the browser is numbered from the build the operator had open,
so two operators recording at once make the same ID. Placing gives each file
its final number from the checkout it goes into: the number written when it is
free there (for incidents, only when it is the next in the sequence), else the
next free number of its kind; it writes the page with ``open(..., "x")``, so it
never writes over a file, and prints the ``git`` lines that commit it.

Two operators who placed the same number on two branches meet at the merge as a
conflict (both added the same page). ``--resolve`` settles it: the record that
was published first keeps its number and the other one is placed again, under
the next free number. Nothing is lost at any step.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..model import id_number, nox_command
from ..model.kinds import KINDS, RECORDS_FOLDER, Kind

#: A record directive's opening line: its fence, its kind and the ID it is given.
OPENING = re.compile(r"^(?P<fence>:{3,})\{(?P<kind>[a-z-]+)\}[ \t]+(?P<id>\S+)[ \t]*$", re.M)


def place_command(file: str) -> str:
    """The command that places ``file`` (a path from the checkout's top)."""
    return nox_command("record", shlex.quote(file))


class PlaceError(Exception):
    """Why a file cannot be placed, and what to do."""


@dataclass(frozen=True)
class Placed:
    record_id: str
    written_id: str
    path: Path
    #: The file it came from, when placing it moved it within the checkout.
    moved_from: Path | None


def record_of(text: str) -> tuple[Kind, re.Match]:
    """The kind of the one record ``text`` holds, and its opening line."""
    openings = [m for m in OPENING.finditer(text) if m["kind"] in KINDS]
    if len(openings) != 1:
        found = "no record" if not openings else f"{len(openings)} records"
        raise PlaceError(
            f"holds {found}; a record file holds one, opened by a line such as "
            f"':::{{incident}} INC-001' (one of {', '.join(KINDS)})"
        )
    return KINDS[openings[0]["kind"]], openings[0]


def taken_ids(folder: Path, leave_out: Path | None = None) -> list[str]:
    """Every ID a page of ``folder`` is named by or holds: all of them are taken."""
    taken = []
    for page in sorted(folder.glob("*.md")):
        if leave_out is not None and page.resolve() == leave_out.resolve():
            continue
        taken.append(page.stem)
        taken += [m["id"] for m in OPENING.finditer(page.read_text(encoding="utf-8"))]
    return taken


def final_id(kind: Kind, written: str, taken: list[str]) -> str:
    """The number a record keeps (the one written, when free) or gets (the next free
    of its kind; for a sequential kind, only the next number is free)."""
    free = kind.next_free_id(taken)
    number = id_number(written)
    if number is None or number[0] != kind.prefix:
        return free
    if kind.sequential:
        return written if number == id_number(free) else free
    numbers = {id_number(t) for t in taken}
    return free if number in numbers else written


def place(root: Path, text: str, source: Path | None = None) -> Placed:
    """Write the record ``text`` to its page in ``root``'s records, under its final
    number; ``source``, when a page of the records already (a misnamed one), is the
    file it moves from. A file from elsewhere (a download) is left where it is."""
    kind, opening = record_of(text)
    records = root / "source" / RECORDS_FOLDER
    folder = records / kind.folder
    folder.mkdir(parents=True, exist_ok=True)
    inside = source is not None and source.resolve().is_relative_to(records.resolve())
    while True:
        record_id = final_id(kind, opening["id"], taken_ids(folder, source if inside else None))
        page = text[: opening.start("id")] + record_id + text[opening.end("id") :]
        path = folder / f"{record_id}.md"
        try:
            with path.open("x", encoding="utf-8") as out:  # never over a file
                out.write(page)
        except FileExistsError:
            continue  # placed meanwhile by someone else: the next number
        break
    moved = None
    if inside and source.resolve() != path.resolve():
        source.unlink()
        moved = source
    return Placed(record_id, opening["id"], path, moved)


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def resolve(root: Path) -> tuple[list[Placed], list[Path], bool]:
    """Settle every record page both sides of a merge (or rebase) added: the side
    published first keeps the page, the other is placed again. Returns what was
    placed, the pages kept, and whether a rebase is under way."""
    stages: dict[str, dict[int, str]] = {}
    for entry in _git(root, "ls-files", "-u", "-z", "--", f"source/{RECORDS_FOLDER}").split("\0"):
        if entry:
            info, path = entry.split("\t", 1)
            _mode, blob, stage = info.split()
            stages.setdefault(path, {})[int(stage)] = blob
    if not stages:
        raise PlaceError("no record page is in conflict: there is nothing to resolve")
    rebasing = any(
        (root / _git(root, "rev-parse", "--git-path", name).strip()).exists()
        for name in ("rebase-merge", "rebase-apply")
    )
    # in a merge, "theirs" (stage 3) is what was pulled, published first; a rebase
    # replays your commits onto it, so there "ours" (stage 2) was published first
    published, mine = (2, 3) if rebasing else (3, 2)
    placed, kept = [], []
    for path, blobs in sorted(stages.items()):
        if set(blobs) != {2, 3}:
            raise PlaceError(
                f"{path} is in conflict, but not as a record both sides added; resolve it by hand"
            )
        target = root / path
        target.write_text(_git(root, "cat-file", "blob", blobs[published]), encoding="utf-8")
        kept.append(target)
        placed.append(place(root, _git(root, "cat-file", "blob", blobs[mine])))
    return placed, kept, rebasing


def _relative(root: Path, path: Path) -> str:
    try:
        return shlex.quote(path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return shlex.quote(str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{nox_command('record')} --",
        description="Place records in the checkout under their final numbers, or settle "
        "a merge in which two operators added the same record page.",
    )
    parser.add_argument("files", nargs="*", type=Path, help="record files (a download)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the checkout")
    parser.add_argument(
        "--resolve", action="store_true", help="settle record pages both sides added"
    )
    args = parser.parse_args(argv)
    root = args.root
    if args.resolve == bool(args.files):
        parser.error("name the record files to place, or give --resolve alone")
    placed: list[Placed] = []
    kept: list[Path] = []
    failed = False
    try:
        if args.resolve:
            placed, kept, rebasing = resolve(root)
    except (PlaceError, subprocess.CalledProcessError) as error:
        print(f"Not resolved: {error}", file=sys.stderr)
        return 1
    for file in args.files:
        try:
            text = file.read_text(encoding="utf-8")
            placed.append(place(root, text, file))
        except (OSError, UnicodeDecodeError, PlaceError) as error:
            print(f"Not placed: {file}: {error}", file=sys.stderr)
            failed = True
    for path in kept:
        print(f"Kept {_relative(root, path)}: it was published first.")
    for p in placed:
        renumbered = f" (written as {p.written_id}, whose number is taken)"
        print(
            f"Placed {p.record_id} at {_relative(root, p.path)}"
            + (renumbered if p.record_id != p.written_id else "")
        )
    if placed:
        paths = [
            *(_relative(root, k) for k in kept),
            *(_relative(root, p.path) for p in placed),
            *(_relative(root, p.moved_from) for p in placed if p.moved_from),
        ]
        ids = ", ".join(p.record_id for p in placed)
        print("Then commit:")
        print(f"  git add -A -- {' '.join(paths)}")
        if args.resolve:
            print("  git rebase --continue" if rebasing else "  git commit --no-edit")
        else:
            print(f"  git commit -m {shlex.quote(f'Record {ids}')}")
    return 1 if failed else 0
