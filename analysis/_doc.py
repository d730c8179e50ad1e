"""A report as a list of blocks, rendered to Markdown and to self-contained HTML.

Both renderers read the same blocks, so the HTML says exactly what the
Markdown says.  Text may contain two bits of inline markup, ```code``` and
``**bold**``, which Markdown keeps and HTML converts after escaping.  The HTML
embeds every chart as a base64 PNG ``data:`` URI and its style sheet inline:
one file that can be mailed or attached to a review and opened offline.
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


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
       margin: 0; background: #fafafa; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #0072B2; padding-bottom: .3rem; }
h2 { font-size: 1.35rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.15rem; margin-top: 2rem; }
h4 { font-size: 1rem; margin-bottom: .3rem; }
code { font: .88em ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #f2f2f2;
       padding: .05em .3em; border-radius: 3px; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; display: block;
        overflow-x: auto; }
th, td { border: 1px solid #d6d6d6; padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
nav { font-size: .9rem; background: #f5f7fa; padding: .5rem 1rem; border-radius: 4px; }
nav a { margin-right: 1rem; }
</style>
</head>
<body>
<main>
{% for b in blocks %}
{%- if b.kind == "heading" %}
<h{{ b.level }}{% if b.anchor %} id="{{ b.anchor }}"{% endif %}>{{ b.text | inline }}</h{{ b.level }}>
{%- elif b.kind == "para" %}
<p>{{ b.text | inline }}</p>
{%- elif b.kind == "bullets" %}
<ul>{% for item in b.items %}<li>{{ item | inline }}</li>{% endfor %}</ul>
{%- elif b.kind == "table" %}
<table><thead><tr>{% for h in b.headers %}
<th{{ align(b, loop.index0) }}>{{ h | inline }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in b.rows %}
<tr>{% for cell in row %}<td{{ align(b, loop.index0) }}>{{ cell | inline }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>
{%- elif b.kind == "image" %}
<figure><img src="data:image/png;base64,{{ png(b) }}" alt="{{ b.alt }}"></figure>
{%- endif %}
{%- if loop.index0 == nav_after %}
<nav>{% for anchor, text in nav %}<a href="#{{ anchor }}">{{ text }}</a>
{% endfor %}</nav>
{%- endif %}
{% endfor %}
</main>
</body>
</html>
"""


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

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["inline"] = _inline
    nav = [(b.anchor, _CODE.sub(r"\1", b.text)) for b in blocks
           if isinstance(b, Heading) and b.level <= 3 and b.anchor]
    # The links go under the title and its first paragraph.
    nav_after = next((i for i, b in enumerate(blocks) if isinstance(b, Para)), 0)
    return env.from_string(_TEMPLATE).render(title=title, blocks=blocks, nav=nav, nav_after=nav_after,
                                             align=_align, png=_png)
