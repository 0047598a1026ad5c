"""The report page: sections of text, figures and tables in one self-contained HTML file."""

from __future__ import annotations

import dataclasses
import datetime
import html

from .._version import __version__
from .figures import plotly_js, to_div

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #222; background: #fafafa; }
header { background: #1f3b57; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 6px 0; font-size: 22px; }
header p { margin: 2px 0; font-size: 13px; opacity: 0.9; }
nav { padding: 8px 28px; background: #eef2f6; font-size: 13px; }
nav a { margin-right: 14px; color: #1f3b57; }
section { background: #fff; margin: 16px 28px; padding: 12px 20px 18px 20px;
          border: 1px solid #e3e3e3; border-radius: 6px; }
section h2 { font-size: 18px; margin: 6px 0 8px 0; }
section p.note { font-size: 13px; color: #555; margin: 4px 0 10px 0; }
table { border-collapse: collapse; font-size: 12px; margin: 10px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f1f4f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.plot { width: 100%; }
"""


@dataclasses.dataclass
class Table:
    """A table of the page: column names and rows of cells (numbers are right-aligned)."""

    columns: list
    rows: list
    caption: str = ""


@dataclasses.dataclass
class Section:
    """One section: a title, notes (plain text), figures and tables."""

    key: str
    title: str
    notes: list = dataclasses.field(default_factory=list)
    figures: list = dataclasses.field(default_factory=list)
    tables: list = dataclasses.field(default_factory=list)


def _cell(value) -> str:
    if isinstance(value, float):
        return f'<td class="num">{value:.4g}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value:,}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in table.rows)
    caption = f"<caption>{html.escape(table.caption)}</caption>" if table.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(section: Section) -> str:
    parts = [f'<section id="{section.key}"><h2>{html.escape(section.title)}</h2>']
    parts += [f'<p class="note">{html.escape(note)}</p>' for note in section.notes]
    for i, fig in enumerate(section.figures):
        div = to_div(fig, f"{section.key}-plot-{i}")
        parts.append(f'<div class="plot">{div}</div>')
    parts += [_table(t) for t in section.tables]
    parts.append("</section>")
    return "\n".join(parts)


def render(title: str, facts: list, sections: list) -> str:
    """The whole page: plotly.js inlined once in the head, then every section."""
    nav = " ".join(f'<a href="#{s.key}">{html.escape(s.title)}</a>' for s in sections)
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    facts = [*facts, f"sk_autoencoder {__version__}, written {stamp}"]
    header = "".join(f"<p>{html.escape(f)}</p>" for f in facts)
    body = "\n".join(_section(s) for s in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n"
        f'<script type="text/javascript">{plotly_js()}</script>\n</head>\n<body>\n'
        f"<header><h1>{html.escape(title)}</h1>{header}</header>\n<nav>{nav}</nav>\n"
        f"{body}\n</body>\n</html>\n"
    )
