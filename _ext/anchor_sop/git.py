"""git, asked from the build: what the audit pack and the exports' provenance read."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    """git could not answer; the message says which command, where, and why."""


def git(folder: str | Path, *args: str) -> str:
    """What ``git ARGS`` prints in ``folder``, stripped."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        raise GitError(f"git {' '.join(args)} failed in {folder}: {detail.strip()}") from None
    return done.stdout.strip()
