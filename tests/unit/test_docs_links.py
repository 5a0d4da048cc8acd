"""The repository holds its own reference: every `docs/<file>.md#anchor` that code, the README or
the template cites exists, every link between the docs resolves, and neither the docs nor the
README points at documents outside the repository."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# Where citations of docs/ are written: code, tests, the template, the build, the README.
CITING = ("layers", "local", "functions", "tests", "bench", "statemachine", "README.md", "Makefile", "template.yaml")
CITED = re.compile(r"(?<![\w/.-])docs/(?P<file>[\w.-]+\.md)(?:#(?P<anchor>[\w-]+))?")
DOC_LINK = re.compile(r"\]\((?P<file>[\w.-]+\.md)?(?:#(?P<anchor>[\w-]+))?\)")
# Citations of the contracts outside the repository that docs/ replaces: their folder, the CSV
# contract's name, and the API and one-machine contracts cited by section number (a docs file may
# name its sibling file; a section number after the name is the outside contract's). Spelled in
# pieces so that this file does not cite them itself.
OUTSIDE = re.compile("|".join((r"\.\./" + "shared", "csv" + "-contract",
                               r"(?<![\w/.-])(?:api|local[-]run)\.md(?:'s)?\s+(?:sections?\b|§|\d)")))


@cache
def anchors(doc: Path) -> frozenset[str]:
    """The anchors a Markdown file offers: its `<a id>`s and its headings' GitHub slugs."""
    text = doc.read_text(encoding="utf-8")
    ids = set(re.findall(r'<a id="([\w-]+)"></a>', text))
    headings = re.findall(r"(?m)^#{1,6} (.+)$", text)
    return frozenset(ids | {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings})


def citing_files() -> list[Path]:
    files: list[Path] = []
    for name in CITING:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [f for f in candidates if f.is_file() and f.suffix in {".py", ".md", ".yaml", ".json", ".js", ""}
                  and "__pycache__" not in f.parts and "artifacts" not in f.parts
                  and f != Path(__file__).resolve()]  # this file cites a missing anchor on purpose
    return files


def broken_citations(files: list[Path]) -> list[str]:
    broken = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            for cite in CITED.finditer(line):
                doc = DOCS / cite["file"]
                if not doc.is_file() or (cite["anchor"] and cite["anchor"] not in anchors(doc)):
                    broken.append(f"{path.relative_to(ROOT)}:{number}: {cite.group(0)}")
    return broken


def test_given_the_repository_when_its_docs_citations_are_read_then_each_file_and_anchor_exists() -> None:
    files = citing_files()
    assert any(CITED.search(f.read_text(encoding="utf-8", errors="replace")) for f in files)
    assert broken_citations(files) == []


def test_given_a_citation_of_a_missing_anchor_when_checked_then_it_is_reported(tmp_path: Path) -> None:
    citing = tmp_path / "module.py"
    citing.write_text('"""Rows (docs/csv-format.md#what-a-row-does, docs/csv-format.md#no-such-section)."""\n')
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(f"{__name__}.ROOT", tmp_path)
        assert [b.split(": ", 1)[1] for b in broken_citations([citing])] == ["docs/csv-format.md#no-such-section"]


@pytest.mark.parametrize("doc", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_given_a_docs_file_when_its_links_are_followed_then_each_lands(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    broken = []
    for link in DOC_LINK.finditer(text):
        target = DOCS / link["file"] if link["file"] else doc
        if not target.is_file() or (link["anchor"] and link["anchor"] not in anchors(target)):
            broken.append(link.group(0))
    assert broken == []


@pytest.mark.parametrize("path", [*sorted(DOCS.glob("*.md")), ROOT / "README.md"], ids=lambda p: p.name)
def test_given_the_reference_when_read_then_nothing_points_outside_the_repository(path: Path) -> None:
    outside = [m.group(0) for m in OUTSIDE.finditer(path.read_text(encoding="utf-8"))]
    assert outside == []


def test_given_the_code_when_read_then_no_comment_cites_a_contract_outside_the_repository() -> None:
    # Code, tests, the template and the build cite docs/ (issue 16): none names the outside contracts.
    outside = [f"{path.relative_to(ROOT)}:{number}: {m.group(0)}"
               for path in citing_files() if path.suffix != ".md"
               for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
               for m in OUTSIDE.finditer(line)]
    assert outside == []


MODULE = re.compile(r"(?<![\w/<>.-])(?P<path>[\w-]+(?:/[\w.-]+)*\.py)\b")


def missing_modules(text: str, known: list[str]) -> list[str]:
    """The .py paths a document names that no file of the repository ends with."""
    return [m["path"] for m in MODULE.finditer(text)
            if not any(f == m["path"] or f.endswith("/" + m["path"]) for f in known)]


@pytest.mark.parametrize("path", [*sorted(DOCS.glob("*.md")), ROOT / "README.md"], ids=lambda p: p.name)
def test_given_the_reference_when_it_names_a_module_or_test_then_the_file_exists(path: Path) -> None:
    known = [str(f.relative_to(ROOT)) for f in ROOT.rglob("*.py")
             if not {".venv", ".venv-checkov", "node_modules", ".git"} & set(f.parts)]
    assert missing_modules(path.read_text(encoding="utf-8"), known) == []


def test_given_a_module_that_moved_when_named_then_it_is_reported() -> None:
    assert missing_modules("see `tests/unit/test_sealing.py` and `passwords/sealing.py`",
                           ["layers/roster/roster/passwords/sealing.py"]) == ["tests/unit/test_sealing.py"]
