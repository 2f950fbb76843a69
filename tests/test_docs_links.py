"""The docs stand on their own: every repository path they name exists, and nothing points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = sorted((ROOT / "docs").glob("*.md"))
DOCS = [ROOT / "README.md", *DOCS_DIR, ROOT / "e2e" / "README.md"]
IDS = [str(doc.relative_to(ROOT)) for doc in DOCS]

# a path into one of the code folders, not part of a longer path or URL (`/_sandbox/*` is a route, not a folder);
# wallet_config/ is left out: the docs name files ops create there (drafts, history, a new merchant's file)
REPO_PATH = re.compile(r"(?<![\w./-])(?:bff|sandbox|docs|tests|e2e|bench|scripts)/[\w./-]*")
PLACEHOLDER = re.compile(r"[<{*]")  # `tests/test_x.py -k …` is fine; `bff/templates/<flow>/` names no one file
URL = re.compile(r"(?<![a-z0-9+.-])(?!file:)[a-z][a-z0-9+.-]*://\S+")  # a file:// URL is a path, checked below
# paths on the machine the docs were written on; a deployment's own paths (/etc/kabao, /opt/kabao) are fine
OUTSIDE = re.compile(r"(?<![\w.-])(?:\.\./|~/|/(?:work|home|Users|root|tmp|mnt|private)/|[A-Z]:\\|file://)")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _text(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def repository_paths(text: str) -> set[str]:
    """The repository paths a text names (without placeholders or trailing punctuation)."""
    found = set()
    text = URL.sub(" ", text)
    for match in REPO_PATH.finditer(text):
        path = match.group(0).rstrip(".,:;")
        end = match.end()
        if end < len(text) and PLACEHOLDER.match(text[end]):
            continue
        found.add(path)
    return found


def links(text: str) -> list[tuple[str, int]]:
    """Every Markdown link and image target, with the line it is on (1-based)."""
    found = []
    for block in MarkdownIt("commonmark").parse(text):
        for token in block.children or []:
            target = token.attrGet("href") if token.type == "link_open" else token.attrGet("src")
            if token.type in ("link_open", "image") and target is not None:
                found.append((str(target), block.map[0] + 1 if block.map else 0))
    return found


def references_start(text: str) -> int | None:
    """The line of a last-level-two `References` heading, when it is the doc's last section."""
    headings = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.startswith("## ")]
    if headings and headings[-1][1].strip().lower() == "## references":
        return headings[-1][0]
    return None


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_every_repository_path_a_doc_names_exists(doc: Path):
    missing = sorted(path for path in repository_paths(_text(doc)) if not (ROOT / path).exists())
    assert not missing, f"{doc.name} names paths that don't exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_no_path_in_a_doc_points_outside_the_repository(doc: Path):
    lines = [
        f"line {n}: {match.group(0)!r}"
        for n, line in enumerate(_text(doc).splitlines(), 1)
        for match in OUTSIDE.finditer(URL.sub(" ", line))
    ]
    assert not lines, f"{doc.name} points outside the repository: {lines}"


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_links_stay_in_the_repository_and_web_links_only_in_references(doc: Path):
    text = _text(doc)
    references = references_start(text)
    problems = []
    for target, line in links(text):
        if SCHEME.match(target):
            in_references = references is not None and line > references
            if not target.startswith(("https://", "http://")) or not in_references:
                problems.append(f"line {line}: {target} (web links go in a last '## References' list)")
            continue
        path = target.split("#", 1)[0]
        resolved = (doc.parent / path).resolve()
        if target.startswith("/") or not resolved.is_relative_to(ROOT):
            problems.append(f"line {line}: {target} leaves the repository")
        elif path and not resolved.exists():
            problems.append(f"line {line}: {target} doesn't exist")
    assert not problems, f"{doc.name}: {problems}"


def test_the_readme_docs_table_lists_every_file_in_docs():
    section = _text(ROOT / "README.md").split("\n## Docs\n", 1)[-1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(" `") for line in section.splitlines() if line.startswith("| `")}
    unlisted = [str(doc.relative_to(ROOT)) for doc in DOCS_DIR if str(doc.relative_to(ROOT)) not in rows]
    unlisted += [f.name for f in sorted((ROOT / "docs").rglob("*")) if f.is_file() and f.name not in section]
    assert not unlisted, f"README.md's Docs table misses {unlisted}"


@pytest.mark.parametrize(
    ("text", "outside"),
    [
        ("see `../shared/DESIGN.md`", True),
        ("[design](../shared/DESIGN.md)", True),
        ("read /work/shared/DESIGN.md first", True),
        ("<file:///work/shared/DESIGN.md>", True),
        ("prints `file: key.path: problem`", False),
        ("the env file `/etc/kabao/env` on each machine", False),
        ("`bff/web/launch.py` and `/_sandbox/reset`", False),
    ],
)
def test_the_outside_check_tells_a_path_beside_the_repository_from_a_deployments(text: str, outside: bool):
    assert bool(OUTSIDE.search(URL.sub(" ", text))) is outside


def test_repository_paths_skip_urls_routes_and_placeholders():
    text = "`bff/cards/handles.py`, `/_sandbox/faults`, https://example.com/docs/x, `tests/<name>.py`, `docs/`."
    assert repository_paths(text) == {"bff/cards/handles.py", "docs/"}
