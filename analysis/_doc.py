"""A report as a list of blocks, rendered to Markdown and to self-contained HTML.

Both renderers read the same blocks, so the HTML says exactly what the
Markdown says.  Text may contain two bits of inline markup, ```code``` and
``**bold**``, which Markdown keeps and HTML converts after escaping.  The HTML
embeds every chart as a base64 PNG ``data:`` URI and its style sheet inline:
one file that can be mailed or attached to a review and opened offline.  The
page is ``templates/report.html.j2``, package data of ``analysis``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ._format import md_table

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    level: int
    text: str
    anchor: str | None = None


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


@dataclass(frozen=True)
class Image:
    kind: ClassVar[str] = "image"
    file: Path  # the PNG, read when the HTML embeds it
    rel: str  # its path relative to the report, for Markdown
    alt: str
    svg_rel: str | None = None


Block = Heading | Para | Bullets | Table | Image
TEMPLATES = "templates"
HTML_TEMPLATE = "report.html.j2"


def chart_image(png: Path, alt: str, folder: str = "") -> Image:
    """A chart's PNG, and the SVG written beside it, as the report links them from ``folder``."""
    prefix = f"{folder}/" if folder else ""
    return Image(png, prefix + png.name, alt, svg_rel=prefix + png.with_suffix(".svg").name)


def to_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
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
    return "\n\n".join(out) + "\n"


def _inline(text: str) -> str:
    from markupsafe import Markup, escape

    html = str(escape(text))
    html = _CODE.sub(r"<code>\1</code>", html)
    return Markup(_BOLD.sub(r"<strong>\1</strong>", html))


def _align(block: Table, column: int) -> str:
    from markupsafe import Markup

    return Markup(' class="r"') if block.align[column:column + 1] == "r" else ""


def _png(image: Image) -> str:
    return base64.b64encode(image.file.read_bytes()).decode("ascii")


def to_html(blocks: Sequence[Block], title: str) -> str:
    """A self-contained page: inline CSS, charts embedded, links to every level-2 section."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("analysis", TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["inline"] = _inline
    nav = [(b.anchor, _CODE.sub(r"\1", b.text)) for b in blocks
           if isinstance(b, Heading) and b.level <= 3 and b.anchor]
    # The links go under the title and its first paragraph.
    nav_after = next((i for i, b in enumerate(blocks) if isinstance(b, Para)), 0)
    return env.get_template(HTML_TEMPLATE).render(title=title, blocks=blocks, nav=nav, nav_after=nav_after,
                                                  align=_align, png=_png)
