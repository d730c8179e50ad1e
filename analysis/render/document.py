"""A report as a list of blocks, rendered to Markdown and to self-contained HTML.

Both renderers read the same blocks, so the HTML says exactly what the
Markdown says.  Text may contain three bits of inline markup, ```code```,
``**bold**`` and a link to a document beside this one, ``[text](name.md#anchor)``,
which Markdown keeps and HTML converts after escaping (the link to that document's
own page, ``name.html``).  A
:class:`Fold` is what the page shows collapsed (a scenario's section, the full
environment table): Markdown, read top to bottom, shows all of it.  The HTML
embeds every chart as a base64 PNG ``data:`` URI, its style sheet and its small
script inline: one file that can be mailed or attached to a review and opened
offline.  The page is ``templates/report.html.j2`` (with ``style.css.j2`` and
``script.js.j2``), package data of ``analysis``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from .._format import md_table

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
#: ``[text](diagnostics.md#drift)``: a link to a document beside this one; on the page, to its .html twin
_LINK = re.compile(r"\[([^\]]+)\]\(([\w.-]+)\.md(#[\w-]+)?\)")


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    level: int
    text: str
    anchor: str | None = None
    toc: str | None = None  # a shorter name for the page's table of contents


@dataclass(frozen=True)
class Para:
    kind: ClassVar[str] = "para"
    text: str


@dataclass(frozen=True)
class Bullets:
    kind: ClassVar[str] = "bullets"
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str = ""  # "l"/"r" per column; empty: all left
    name: str | None = None  # the page's id of the table, for its style (Markdown has none)


@dataclass(frozen=True)
class Image:
    kind: ClassVar[str] = "image"
    file: Path  # the PNG, read when the HTML embeds it
    rel: str  # its path relative to the report, for Markdown
    alt: str
    svg_rel: str | None = None


@dataclass(frozen=True)
class Fold:
    """Blocks the page shows under a summary, collapsed unless ``open``; Markdown shows them all.

    With a ``level`` the summary is a heading of that level (a collapsible section, which the
    page's table of contents links to by ``anchor``); without, it is a line of the page only.
    """

    kind: ClassVar[str] = "fold"
    summary: str
    blocks: tuple[Block, ...]
    open: bool = False
    level: int = 0
    anchor: str | None = None


Block = Heading | Para | Bullets | Table | Image | Fold
TEMPLATES = "templates"
HTML_TEMPLATE = "report.html.j2"


def chart_image(png: Path, alt: str, folder: str = "") -> Image:
    """A chart's PNG, and the SVG written beside it, as the report links them from ``folder``."""
    prefix = f"{folder}/" if folder else ""
    return Image(png, prefix + png.name, alt, svg_rel=prefix + png.with_suffix(".svg").name)


def to_markdown(blocks: Sequence[Block]) -> str:
    return "\n\n".join(_markdown(blocks)) + "\n"


def _markdown(blocks: Sequence[Block]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Fold):
            if block.level:
                out.append("#" * block.level + " " + block.summary)
            out += _markdown(block.blocks)
        elif isinstance(block, Heading):
            out.append("#" * block.level + " " + block.text)
        elif isinstance(block, Para):
            out.append(block.text)
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, Table):
            out.append("\n".join(md_table(block.headers, block.rows, block.align or None)))
        else:
            svg = f" ([SVG]({block.svg_rel}))" if block.svg_rel else ""
            out.append(f"![{block.alt}]({block.rel}){svg}")
    return out


def _inline(text: str) -> str:
    from markupsafe import Markup, escape

    html = str(escape(text))
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _LINK.sub(lambda m: f'<a href="{m[2]}.html{m[3] or ""}">{m[1]}</a>', html)
    return Markup(_BOLD.sub(r"<strong>\1</strong>", html))


def _align(block: Table, column: int) -> str:
    from markupsafe import Markup

    return Markup(' class="r"') if block.align[column:column + 1] == "r" else ""


def _png(image: Image) -> str:
    return base64.b64encode(image.file.read_bytes()).decode("ascii")


NavItem = tuple[str, str, tuple[tuple[str, str], ...]]


def contents(blocks: Sequence[Block]) -> list[NavItem]:
    """The table of contents: (anchor, text, its level-3 entries) of every level-2 heading with an anchor.

    Headings of folds count; a level-3 entry goes under the level-2 heading before it.
    """
    flat: list[tuple[int, str, str]] = []

    def walk(found: Sequence[Block]) -> None:
        for b in found:
            if isinstance(b, Heading | Fold):
                text = (b.toc or b.text) if isinstance(b, Heading) else b.summary
                if 2 <= b.level <= 3 and b.anchor:
                    flat.append((b.level, b.anchor, _BOLD.sub(r"\1", _CODE.sub(r"\1", text))))
            if isinstance(b, Fold):
                walk(b.blocks)

    walk(blocks)
    tree: list[tuple[str, str, list[tuple[str, str]]]] = []
    for level, anchor, text in flat:
        if level == 2 or not tree:
            tree.append((anchor, text, []))
        else:
            tree[-1][2].append((anchor, text))
    return [(anchor, text, tuple(children)) for anchor, text, children in tree]


def to_html(blocks: Sequence[Block], title: str) -> str:
    """A self-contained page: inline CSS and script, charts embedded, a table of contents that stays."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("analysis.render", TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["inline"] = _inline
    return env.get_template(HTML_TEMPLATE).render(title=title, blocks=blocks, nav=contents(blocks),
                                                  align=_align, png=_png)
