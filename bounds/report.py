"""The check report as one self-contained HTML page (tables and figures embedded), readable offline."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pandas as pd

STYLE = ("body{font-family:sans-serif;max-width:1400px;margin:2em auto;line-height:1.4}"
         "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}"
         "th{background:#eee}tr:nth-child(even){background:#fafafa}img{max-width:100%}code{background:#f3f3f3}")


def _inline(text: str) -> str:
    """Escape ``text`` and render its markdown `code` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def write_html(title: str, blocks: list, figures: list[str | Path], path: str | Path) -> Path:
    """Write ``path``: ``title``, then each of ``blocks`` (a ``DataFrame`` becomes a table, a str starting with
    ``## `` a heading, ``- `` a list item, any other str a paragraph), then each figure (a PNG file) embedded as
    base64 with its file name as caption. Returns the path."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]
    for block in blocks:
        if isinstance(block, pd.DataFrame):
            parts.append(block.to_html(index=False, border=0))
        elif block.startswith("## "):
            parts.append(f"<h2>{_inline(block[3:])}</h2>")
        elif block.startswith("- "):
            parts.append(f"<ul><li>{_inline(block[2:])}</li></ul>")
        elif block:
            parts.append(f"<p>{_inline(block)}</p>")
    for fig in figures:
        fig = Path(fig)
        data = base64.b64encode(fig.read_bytes()).decode("ascii")
        parts.append(f"<figure><img alt='{html.escape(fig.stem)}' src='data:image/png;base64,{data}'>"
                     f"<figcaption>{html.escape(fig.name)}</figcaption></figure>")
    parts.append("</body></html>")
    path = Path(path)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
