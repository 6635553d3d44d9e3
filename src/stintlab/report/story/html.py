"""The story as HTML paragraphs, each sentence linked to the laps behind it."""

from __future__ import annotations

from stintlab.report.page import esc
from stintlab.report.story.languages import catalog

__all__ = ["story_html"]


def story_html(sentences: list[dict], *, car: str | None = None, lang: str = "en", link_laps: bool = True,
               ids: str = "story", css: str = "story") -> str:  # fmt: skip
    """The story as paragraphs; each sentence links to the laps behind it (``#lap-<car>-<lap>``
    anchors of the report's lap table when ``link_laps``, else a plain lap label). Paragraph ids are
    ``<ids>-1``, ``<ids>-2``…; ``css`` is the class of the enclosing div."""
    words = catalog(lang)
    parts = [f'<div class="{esc(css)}">']
    for i, s in enumerate(sentences, 1):
        laps = s.get("laps") or []
        ref = ""
        if laps:
            label = esc(words.laps_label(laps))
            data = esc(",".join(map(str, laps)))
            if link_laps and car is not None:
                ref = f'<a class="laps" href="#lap-{esc(car)}-{laps[0]}" data-laps="{data}">[{label}]</a>'
            else:
                ref = f'<span class="laps muted" data-laps="{data}">[{label}]</span>'
        parts.append(f'<p id="{esc(ids)}-{i}" data-key="{esc(s.get("key"))}">{esc(s["text"])} {ref}</p>')
    parts.append("</div>")
    return "".join(parts)
