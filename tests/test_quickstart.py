"""The README's Quick start, read from the README and run as written in a fresh copy
of the checkout, with Debian's ``/usr/bin/python3`` as a fresh Debian 12 has it:
no pip and no ensurepip (``python3-pip`` and ``python3-venv`` not installed)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from anchor_sop import model
from conftest import README, REPO

DEBIAN_PYTHON = Path("/usr/bin/python3")


def quick_start_commands() -> list[str]:
    """The commands of the Quick start's code block, without their comments."""
    section = README.read_text(encoding="utf-8").split("\n## Quick start\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    assert block, "README's Quick start has no sh code block"
    return [line.split("#", 1)[0].strip() for line in block[1].splitlines() if line.strip()]


def bare_debian_python(folder: Path) -> Path:
    """Debian's interpreter with its standard library, less what Debian packages apart:
    ``ensurepip`` (python3-venv) and the dist-packages that hold pip (python3-pip)."""
    if not DEBIAN_PYTHON.exists():
        pytest.fail(f"{DEBIAN_PYTHON} is missing: this test needs Debian's own Python")
    stdlib = Path(
        subprocess.run(
            [DEBIAN_PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # Python finds its library beside the real file it runs from: a copy, not a link
    python = folder / "bin" / "python3"
    python.parent.mkdir(parents=True)
    shutil.copy2(DEBIAN_PYTHON.resolve(), python)
    library = folder / "lib" / stdlib.name
    library.mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name != "ensurepip":
            (library / entry.name).symlink_to(entry)
    return python


def fresh_copy(destination: Path) -> Path:
    """The checkout's files as a clone of it would have them (tracked and new files,
    nothing git ignores: no .nox, no build)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def clean_environment() -> dict[str, str]:
    """This process's environment without the test session's virtual environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "NOX_CURRENT_SESSION"}
    }
    env["PATH"] = os.pathsep.join(
        part for part in env["PATH"].split(os.pathsep) if not part.startswith(str(REPO))
    )
    return env


def test_the_quick_start_runs_as_written_with_debians_bare_python(tmp_path):
    commands = quick_start_commands()
    assert [shlex.split(c)[:4] for c in commands] == [
        ["python3", "noxw.py", "-s", "docs"],
        ["python3", "noxw.py", "-s", "tests"],
    ]
    python = bare_debian_python(tmp_path / "debian")
    for module in ("pip", "ensurepip"):
        probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, check=False)
        assert probe.returncode == 1, f"the bare interpreter still has {module}"
    checkout = fresh_copy(tmp_path / "clone")
    env = clean_environment()

    def run(command: str, *extra: str) -> subprocess.CompletedProcess[str]:
        words = shlex.split(command)
        assert words[0] == "python3"
        return subprocess.run(
            [str(python), *words[1:], *extra],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )

    docs = run(commands[0])
    assert docs.returncode == 0, docs.stdout[-3000:] + docs.stderr[-3000:]
    assert "noxw.py: installing nox" in docs.stderr
    assert "Session docs was successful" in docs.stderr
    assert (checkout / ".nox" / "_noxw").is_dir()
    intro = checkout / "build" / "html" / "intro.html"
    assert "Anchor" in intro.read_text(encoding="utf-8")

    # the second command, given one quick test file as README says it may be
    tests = run(commands[1], "--", "-n", "0", "tests/test_rules_logic.py")
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert "noxw.py: installing" not in tests.stderr  # nox is installed once
    assert re.search(r"\b\d{2,} passed\b", tests.stdout), tests.stdout[-2000:]
    assert "Session tests was successful" in tests.stderr


def test_every_session_command_in_readme_and_messages_is_the_quick_starts():
    program = " ".join(shlex.split(quick_start_commands()[0])[:2])
    assert program == model.NOX
    # the users' sessions in README, the maintainers' in ARCHITECTURE's table of them
    architecture = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    maintainers = architecture.split("## Maintainers' sessions", 1)[1].split("\n## ", 1)[0]
    docs = README.read_text(encoding="utf-8") + maintainers
    runners = [r.lstrip("`(") for r in re.findall(r"(\S+ \S+) -s [a-z]+\b", docs)]
    assert len(runners) > 15
    assert set(runners) == {program}, sorted(set(runners))
    assert model.nox_command("record", "a.md") == "python3 noxw.py -s record -- a.md"
