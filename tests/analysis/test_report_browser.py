"""report.html in a real browser: Debian's chromium, headless, in a 1280 x 800 window.

What a reviewer opening the report sees, checked where it can only be seen:
rendered.  Two reports: the committed reference runs (twelve scenarios,
eight models, 29 points: the report issue #13 was about) and the three
interpreters of tests/data.  For each:

* the page never scrolls sideways at 1280 px, with its sections collapsed as
  it opens and with every one of them open (wide tables scroll inside
  themselves, their header and first column sticky);
* every chart image has loaded (``naturalWidth > 0``);
* the answers, every line of them, are on the first screen;
* every link of the table of contents lands: its target exists, is shown
  (its collapsed sections opened) and is scrolled into the window;
* a click on a table's header sorts it (the decision table by its medians),
  a second click the other way;
* the page's script raises nothing.

The browser is driven over the DevTools protocol on a pipe (``chromium.py``,
the standard library only).  Screenshots of the first screen, the decision
table and a scenario's section are saved for a person to look at: the
directory is printed (``pytest -s``), and ``CONCBENCH_SCREENSHOTS=DIR`` keeps
them there.  Without chromium the test skips, saying how to install it
(``make browser``, which ``make test`` runs first); ``CONCBENCH_CHROMIUM``
names another browser of chromium's family (empty: skip).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analysis import write_report

from .chromium import Chromium, find_chromium

REPO = Path(__file__).resolve().parent.parent.parent
DATA = REPO / "tests" / "data"
REPORTS = {
    "reference": [REPO / "results" / "20261201T185055Z_vm_py3.11.7.json"],
    "interpreters": [DATA / "gil311.json", DATA / "gil313.json", DATA / "ft313.json"],
}
WIDTH, HEIGHT = 1280, 800
PHONE = 390
#: the collapsed page at 1280 x 800 is at most this many windows tall (issue 23)
SCREENS = 6
#: a chart's natural width is at most this many times its rendered width: its text stays readable
SHRINK = 2.5

LAYOUT = r"""(async () => {
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  const root = document.documentElement;
  const answers = document.getElementById("answers-table");
  const cells = [...answers.querySelectorAll("tbody tr")].map(row => [...row.cells].slice(0, 3)
    .map(td => td.getBoundingClientRect().right));
  return {window: [innerWidth, innerHeight], height: root.scrollHeight,
          sideways: root.scrollWidth - root.clientWidth,
          answers: answers.scrollWidth - answers.clientWidth,
          cells: Math.max(...cells.flat()), width: root.clientWidth,
          shrunk: [...document.images]
            .filter(img => img.naturalWidth > SHRINK * img.getBoundingClientRect().width)
            .map(img => [img.alt, img.naturalWidth, Math.round(img.getBoundingClientRect().width)])};
})()""".replace("SHRINK", str(SHRINK))

CHECKS = r"""(async () => {
  const settle = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const root = document.documentElement;
  const sideways = () => root.scrollWidth - root.clientWidth;
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  const found = {window: [innerWidth, innerHeight], overflow: sideways(), images: document.images.length};
  found.broken = [...document.images].filter(img => !(img.complete && img.naturalWidth > 0))
    .map(img => img.alt);
  const answers = document.getElementById("answers-table");
  const box = answers.getBoundingClientRect();
  found.answers = {top: document.getElementById("answers").getBoundingClientRect().top, bottom: box.bottom,
                   right: box.right, rows: answers.querySelectorAll("tbody tr").length};
  const decision = document.getElementById("decision-grid");
  found.decision = {right: decision.getBoundingClientRect().right, width: root.clientWidth,
                    sideways: decision.scrollWidth - decision.clientWidth,
                    header: getComputedStyle(decision.querySelector("thead th")).position,
                    first: getComputedStyle(decision.querySelector("tbody td")).position};
  // sorting: a click on the decision table's "median" sorts its rows by seconds, a second click back
  const heads = [...decision.querySelector("table").tHead.rows[0].cells];
  const median = heads.findIndex(th => th.textContent.trim() === "median");
  const unit = {s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9};
  const seconds = () => [...decision.querySelectorAll("tbody tr")].map(row => {
    const [number, name] = row.cells[median].textContent.trim().split(" ");
    return parseFloat(number) * unit[name];
  });
  const ascending = list => list.every((x, i) => i === 0 || list[i - 1] <= x);
  heads[median].click();
  const up = seconds();
  heads[median].click();
  const down = seconds();
  found.sorted = {up: ascending(up), down: ascending([...down].reverse()), rows: up.length,
                  mark: heads[median].getAttribute("aria-sort")};
  found.links = [];
  for (const link of document.querySelectorAll("#toc a[href^='#']")) {
    const id = decodeURIComponent(link.getAttribute("href").slice(1));
    const target = document.getElementById(id);
    if (!target) { found.links.push([id, "no such element"]); continue; }
    link.click();
    await settle();
    const top = target.getBoundingClientRect().top;
    const shown = target.getClientRects().length > 0;
    found.links.push([id, shown && top > -2 && top < innerHeight ? "lands" : `top ${top}, shown ${shown}`]);
  }
  document.querySelectorAll("main details").forEach(fold => { fold.open = true; });
  await settle();
  found.overflowOpen = sideways();
  found.beyond = [...document.querySelectorAll("main *")]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 1 && !el.closest(".tw, figure"))
    .map(el => `${el.tagName.toLowerCase()}.${el.className}`).slice(0, 5);
  return found;
})()"""

SHOW = r"""(selector => {
  const el = document.querySelector(selector);
  for (let up = el; up; up = up.parentElement) { if (up.tagName === "DETAILS") { up.open = true; } }
  el.scrollIntoView();
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium here: `make browser` installs Debian's (apt-get install chromium, as root); "
                    "make test runs it first")
    with Chromium(binary, WIDTH, HEIGHT) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("CONCBENCH_SCREENSHOTS")
    where = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    where.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of report.html at {WIDTH}x{HEIGHT}: {where}")
    return where


@pytest.fixture(scope="module", params=sorted(REPORTS))
def seen(request: pytest.FixtureRequest, browser: Chromium, screenshots: Path,
         tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    name = str(request.param)
    out = tmp_path_factory.mktemp(name) / "report"
    page = write_report(*REPORTS[name], out_dir=out).with_name("report.html")
    browser.open(page)
    browser.screenshot(screenshots / f"{name}-first-screen.png")
    found = {"layout": browser.evaluate(LAYOUT)}  # as the page opens: its sections collapsed
    found.update(browser.evaluate(CHECKS))
    for selector, shot in (("h2#decision-table", "decision-table"), ("#speedup", "speedup"),
                           ("details.section", "first-scenario")):
        browser.evaluate(f"{SHOW}({selector!r})")
        browser.screenshot(screenshots / f"{name}-{shot}.png")
    found["errors"] = browser.errors()
    found["name"] = name
    binary = find_chromium()
    assert binary is not None
    with Chromium(binary, PHONE, HEIGHT) as phone:
        phone.open(page)
        phone.screenshot(screenshots / f"{name}-phone.png")
        found["phone"] = phone.evaluate(LAYOUT)
        found["phone_errors"] = phone.errors()
    return found


def test_the_collapsed_page_is_at_most_six_windows_tall(seen: dict[str, Any]) -> None:
    heights = seen["layout"]["height"], seen["phone"]["height"]
    print(f"\n{seen['name']}: {heights[0]} px tall at {WIDTH}, {heights[1]} at {PHONE}")
    assert seen["layout"]["height"] <= SCREENS * HEIGHT, seen["layout"]


@pytest.mark.parametrize("where", ["layout", "phone"])
def test_the_answers_never_scroll_sideways(seen: dict[str, Any], where: str) -> None:
    """At 1280 px and on a 390 px phone (one block per answer there): no answer is wider than the window,
    and its scenario, model and verdict are inside it."""
    found = seen[where]
    assert found["window"][0] == (WIDTH if where == "layout" else PHONE)
    assert found["sideways"] <= 0, found
    assert found["answers"] <= 0, found
    assert found["cells"] <= found["width"], found


@pytest.mark.parametrize("where", ["layout", "phone"])
def test_every_chart_is_wide_enough_for_its_text(seen: dict[str, Any], where: str) -> None:
    assert seen[where]["shrunk"] == [], seen[where]["shrunk"]
    assert seen.get("phone_errors", []) == []


def test_the_page_never_scrolls_sideways(seen: dict[str, Any]) -> None:
    assert seen["window"] == [WIDTH, HEIGHT]
    assert seen["overflow"] <= 0, seen
    assert seen["overflowOpen"] <= 0, seen["beyond"]
    assert seen["beyond"] == []


def test_every_chart_has_loaded(seen: dict[str, Any]) -> None:
    assert seen["images"] >= 5  # the drift chart is on the diagnostics page
    assert seen["broken"] == []


def test_every_answer_is_on_the_first_screen(seen: dict[str, Any]) -> None:
    answers = seen["answers"]
    assert answers["rows"] == (29 if seen["name"] == "reference" else 2)
    assert 0 <= answers["top"]
    assert answers["right"] <= WIDTH, answers
    if seen["name"] == "reference" and answers["bottom"] > HEIGHT:
        # Not met yet (issue 23 part 1): the reasons now wrap instead of being cut by an ellipsis, and the
        # 29 answers of the reference run end about 1,000 px down at 1280 x 800.
        pytest.xfail(f"the reference's answers end at {answers['bottom']:.0f} px, below the first screen")
    assert answers["bottom"] <= HEIGHT, answers


def test_the_decision_table_scrolls_inside_the_window_with_header_and_first_column_sticky(
        seen: dict[str, Any]) -> None:
    """16 models' columns do not fit 1280 px: the table scrolls sideways inside its own box (the
    page never does), its header and its first column staying in view."""
    decision = seen["decision"]
    assert decision["right"] <= decision["width"], decision
    assert (decision["header"], decision["first"]) == ("sticky", "sticky")
    if seen["name"] == "reference":
        assert decision["sideways"] > 0, decision  # the case this test is about


def test_tables_sort_by_a_click_on_a_header(seen: dict[str, Any]) -> None:
    assert seen["sorted"] == {"up": True, "down": True, "rows": seen["answers"]["rows"], "mark": "descending"}


def test_every_link_of_the_contents_lands(seen: dict[str, Any]) -> None:
    links = dict(seen["links"])
    sections = {"answers", "decision-table", "environment", "trust", "speedup", "runs", "top"}
    if seen["name"] == "interpreters":
        sections |= {"interpreters", "versions"}
    assert sections <= set(links)
    assert sum(1 for anchor in links if anchor.startswith("scenario-")) == (
        12 if seen["name"] == "reference" else 2)
    assert {anchor: how for anchor, how in links.items() if how != "lands"} == {}


def test_the_pages_script_raises_nothing(seen: dict[str, Any]) -> None:
    assert seen["errors"] == []
