"""Run nox from an environment of its own: ``python3 noxw.py -s docs``.

The first run makes a virtual environment in ``.nox/_noxw`` and installs nox there
(the ``nox`` dependency group of ``pyproject.toml``), so it works with the system
Python of Debian and Ubuntu, whose pip refuses to install outside a virtual
environment (PEP 668), as well as with python.org's Python on macOS and Windows. Where
the Python has no ``ensurepip`` (Debian without ``python3-venv``), pip is fetched from
PyPI and checked against the digest PyPI publishes. Later runs start nox at once.
Uses the standard library only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
HOME = ROOT / ".nox" / "_noxw"
PYPI_PIP = "https://pypi.org/pypi/pip/json"


def fail(message: str) -> None:
    print(f"noxw.py: {message}", file=sys.stderr)
    raise SystemExit(2)


def requirements() -> list[str]:
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["dependency-groups"]["nox"]


def interpreter() -> Path:
    return HOME / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def fetch_pip(folder: Path) -> Path:
    """The newest pip wheel from PyPI, checked against the SHA-256 PyPI gives for it."""
    with urllib.request.urlopen(PYPI_PIP, timeout=60) as answer:
        release = json.load(answer)
    wheel = next(f for f in release["urls"] if f["filename"].endswith("-py3-none-any.whl"))
    address = urllib.parse.urljoin(PYPI_PIP, wheel["url"])  # a mirror may give it relative
    with urllib.request.urlopen(address, timeout=120) as answer:
        content = answer.read()
    if hashlib.sha256(content).hexdigest() != wheel["digests"]["sha256"]:
        fail(f"the download of {wheel['filename']} does not match PyPI's digest; run again")
    path = folder / wheel["filename"]
    path.write_bytes(content)
    return path


def install(wanted: list[str]) -> None:
    has_ensurepip = importlib.util.find_spec("ensurepip") is not None
    print(f"noxw.py: installing {' '.join(wanted)} into {HOME} (once)", file=sys.stderr)
    venv.EnvBuilder(clear=True, with_pip=has_ensurepip).create(HOME)
    python = str(interpreter())
    pip_args = ["install", "--quiet", "--disable-pip-version-check", *wanted]
    if has_ensurepip:
        subprocess.run([python, "-m", "pip", *pip_args], check=True)
    else:  # a pip wheel runs pip from inside itself, as get-pip does
        with tempfile.TemporaryDirectory() as folder:
            pip = fetch_pip(Path(folder))
            subprocess.run([python, str(pip / "pip"), *pip_args], check=True)
    (HOME / "requirements.txt").write_text("\n".join(wanted) + "\n", encoding="utf-8")


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 -- said plainly before tomllib fails
        fail(f"the manual needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = requirements()
    marker = HOME / "requirements.txt"
    installed = marker.read_text(encoding="utf-8").splitlines() if marker.exists() else None
    if installed != wanted or not interpreter().exists():
        try:
            install(wanted)
        except (OSError, ValueError, LookupError, StopIteration, subprocess.SubprocessError) as e:
            fail(f"could not install nox into {HOME}: {e}")
    return subprocess.call([str(interpreter()), "-m", "nox", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
