"""The README and docs/ hold together: links land, the fault table names real tests, `make`
targets exist.  Text only: no run, no subprocess (a few milliseconds)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
#: Screenshots the README shows, made from a real report by hand (not by the suite)
IMAGES = ("docs/img/answers.png", "docs/img/chart.png")

LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")
INLINE_CODE = re.compile(r"`[^`]*`")


def prose(path: Path) -> list[str]:
    """The lines of ``path`` outside fenced code blocks."""
    lines: list[str] = []
    fenced = False
    for line in path.read_text().splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in prose(path):
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            base = slug(heading.group(1))
            name, n = base, 0
            while name in found:  # GitHub numbers repeated headings: x, x-1, x-2
                n += 1
                name = f"{base}-{n}"
            found.add(name)
    return found


def links(path: Path) -> list[str]:
    """Every link target of ``path``'s prose, inline code left out (it shows syntax, not links;
    a span of it may run over a line break)."""
    return [m.group(1) for m in LINK.finditer(INLINE_CODE.sub("", "\n".join(prose(path))))]


def test_the_pages_exist() -> None:
    names = {p.relative_to(REPO).as_posix() for p in PAGES}
    assert {"README.md", "docs/scenarios.md", "docs/reports.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_lands(page: Path) -> None:
    broken: list[str] = []
    for target in links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not ours to check
            continue
        file, _, anchor = target.partition("#")
        where = (page.parent / file).resolve() if file else page
        if not where.is_relative_to(REPO):
            broken.append(f"{target}: outside the repository")
        elif where.relative_to(REPO).as_posix() in IMAGES:
            continue  # test_the_screenshots_exist
        elif not where.exists():
            broken.append(f"{target}: no such file")
        elif anchor and (where.suffix != ".md" or anchor not in anchors(where)):
            broken.append(f"{target}: no heading #{anchor} in {where.name}")
    assert broken == []


def test_every_page_of_docs_is_linked_from_the_readme() -> None:
    linked = {(REPO / t.partition("#")[0]).resolve() for t in links(REPO / "README.md")}
    assert [p.name for p in PAGES[1:] if p.resolve() not in linked] == []


def test_the_screenshots_exist() -> None:
    shown = {t for t in links(REPO / "README.md") if t in IMAGES}
    assert shown == set(IMAGES)
    missing = [name for name in IMAGES if not (REPO / name).is_file()]
    if missing:
        pytest.skip(f"not generated yet: {', '.join(missing)} (screenshots of a real report)")


def table_rows(page: Path, section: str) -> list[list[str]]:
    """The cells of the first table under heading ``section`` of ``page`` (header row first)."""
    text = page.read_text()
    body = re.split(rf"(?:^|\n)#+ {re.escape(section)}\n", text, maxsplit=1)[1].split("\n## ", 1)[0]
    table = body[body.index("\n|") + 1:].split("\n\n", 1)[0]
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in table.splitlines() if not re.match(r"\|[-| ]+\|$", line)]


def named_tests(rows: list[list[str]]) -> list[str]:
    """Each row's test references (``file.py`` or ``file.py::name``) that name nothing real."""
    missing: list[str] = []
    for row in rows:
        named = [ref for ref in re.findall(r"`([^`]+)`", row[-1]) if ".py" in ref]
        if not named:
            missing.append(f"{row[0]}: no test named")
        for ref in named:
            path, _, function = ref.partition("::")
            source = REPO / "tests" / path
            if not source.is_file():
                missing.append(f"{ref}: no such file under tests/")
            elif function and not re.search(r"^\s*def " + function.replace("*", r"\w*") + r"\(",
                                            source.read_text(), re.MULTILINE):
                missing.append(f"{ref}: no such test")
    return missing


def test_the_fault_table_names_a_test_for_every_fault() -> None:
    rows = table_rows(REPO / "docs" / "faults.md", "When things go wrong: every case and its test")
    assert rows[0] == ["fault or bad input", "example", "what you get", "test"]
    assert {len(row) for row in rows} == {4}
    assert len(rows) >= 17
    assert named_tests(rows[1:]) == []


def test_the_readme_names_a_test_for_every_kind_of_fault() -> None:
    rows = table_rows(REPO / "README.md", "When things go wrong")
    assert rows[0] == ["fault", "what you get", "tests"]
    assert len(rows) >= 9
    assert named_tests(rows[1:]) == []


def make_targets() -> set[str]:
    """The targets ``make help`` lists: those with a ``## `` description."""
    return set(re.findall(r"^([a-z-]+):.*## ", (REPO / "Makefile").read_text(), re.MULTILINE))


def test_every_make_target_the_docs_name_exists() -> None:
    targets = make_targets()
    assert {"bench", "bench-quick", "test", "help", "report", "compare"} <= targets
    named = {(page.name, name) for page in PAGES
             for name in re.findall(r"`make ([a-z][a-z-]*)", page.read_text())}
    assert sorted(f"{page}: make {name}" for page, name in named if name not in targets) == []


README_WORDS = 1800  # a newcomer reads it in about five minutes
LONGEST_SENTENCE = 45
MEAN_SENTENCE = 22
LONGEST_CELL = 30
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Za-z`(*\[])")
ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|vs|etc)\.")


def sentences(page: Path) -> list[str]:
    """The prose sentences of ``page``, paragraph by paragraph (code, tables, headings and
    images end a paragraph); inline code and a link's target count as one word each."""
    paragraphs: list[list[str]] = [[]]
    for line in prose(page):
        if line.strip() and not line.lstrip().startswith(("|", "#", "![")):
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    found: list[str] = []
    for lines in paragraphs:
        text = re.sub(r"\]\([^)]*\)", "]", INLINE_CODE.sub("x", " ".join(lines)))
        text = ABBREVIATIONS.sub("x", text)
        found += [s for s in SENTENCE_END.split(text) if len(s.split()) > 1]
    return found


def test_the_readme_reads_in_five_minutes() -> None:
    readme = REPO / "README.md"
    assert len(readme.read_text().split()) <= README_WORDS
    lengths = {s: len(s.split()) for s in sentences(readme)}
    assert [s for s, n in lengths.items() if n > LONGEST_SENTENCE] == []
    assert sum(lengths.values()) / len(lengths) <= MEAN_SENTENCE
    cells = [cell for line in prose(readme) if line.startswith("|")
             for cell in line.strip("|").split("|")]
    assert [c for c in cells if len(c.split()) > LONGEST_CELL] == []


def test_the_readme_first_screen_says_what_how_and_how_long() -> None:
    first = "\n".join((REPO / "README.md").read_text().splitlines()[:20])
    for said in ("fastest", "make bench", "make test", "15 minutes", "report.md"):
        assert said in first


REFERENCE = REPO / "results" / "20261201T185055Z_vm_py3.11.7.report" / "report.md"
FIGURE = re.compile(r"\d+(?:\.\d+)?x|\[\d[\d.]*-\d[\d.]*\]")


def test_the_reference_findings_quote_the_reference_report() -> None:
    """Every ratio and interval of the README's findings table is on one answer line of the
    committed reference report, for that scenario and with that fastest model."""
    answers = REFERENCE.read_text().split("\n## Answers\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in answers.splitlines() if line.startswith("| ")]
    rows = table_rows(REPO / "README.md", "Reference findings")
    assert rows[0] == ["workload", "fastest (≈: no model told apart)", "against sequential", "runner-up"]
    wrong: list[str] = []
    for row in rows[1:]:
        scenario = re.match(r"`(\w+)`", row[0])
        assert scenario, row
        figures = FIGURE.findall(" ".join(row[2:]))
        fastest = row[1].split()[0]
        if not any(line.startswith(f"| {scenario.group(1)}") and fastest in line.split("|")[2]
                   and all(f in line for f in figures) for line in lines):
            wrong.append(f"{row[0]}: {figures} not on one answer line of {fastest}")
    assert wrong == []
