"""Render a translated Article as bilingual markdown: front matter, English title with the
Chinese under it, then block by block the Chinese original followed by its English."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import yaml

from pipeline.models import CAPTION, CODE, DISPLAY_MATH, HEADING, HTML, LIST_ITEM, Article, Block, join_segments

ZH_MARK = "<!-- zh -->"
EN_MARK = "<!-- en -->"


def front_matter(article: Article, model_id: str, model_sha256: str, created: datetime | None = None,
                 qa: str | None = None) -> dict:
    created = created or datetime.now(timezone.utc)
    meta = {
        "title_en": article.title_en,
        "title_zh": article.title,
        "date": article.date,
        "author": article.author,
        "source": f"{article.source.name}#{article.index}",
        "model": {"id": model_id, "sha256": model_sha256},
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "segments": sum(1 for s in article.segments if s.translate),
        "flagged_segments": sum(1 for s in article.segments if s.flags),
    }
    if qa:
        meta["qa"] = qa
    if article.summary:
        meta["summary"] = article.summary
    return meta


def render_article(article: Article, model_id: str, model_sha256: str, created: datetime | None = None,
                   qa: str | None = None) -> str:
    meta = yaml.safe_dump(front_matter(article, model_id, model_sha256, created, qa),
                          allow_unicode=True, sort_keys=False, width=10_000)
    out = [f"---\n{meta}---", ""]
    if article.title_block:
        title_en = escape_html(_heading_text(article.title_en or article.title, article.title))
        out += [f"# {title_en}", "", escape_html(_one_line(article.title)), ""]
        out += _flag_lines(article.title_block)
    if article.summary:
        spans = [s for seg in article.segments for s in seg.spans]
        out += [f"> **Summary.** {escape_html(_one_line(article.summary), spans)}", ""]
    if article.summary_flags:
        out += ["> [!WARNING]", "> zh2en flagged the summary:"]
        out += [f"> - {f}" for f in article.summary_flags] + [""]
    for block in article.blocks:
        out += render_block(block)
    return "\n".join(out).rstrip() + "\n"


def render_block(block: Block) -> list[str]:
    if block.kind in (CODE, DISPLAY_MATH):
        # Language-neutral: shown once, between the pairs, exactly as in the source.
        return [_indent(block.source, block.prefix), ""] + _flag_lines(block)
    if block.kind == HTML:
        return [_indent(escape_html(block.source), block.prefix), ""]
    zh = join_segments(block.segments, display_gap="\n\n", prose_gap="", original=True)
    en = join_segments(block.segments, display_gap="\n\n")
    spans = [s for seg in block.segments for s in seg.spans]
    zh, en = escape_html(zh, spans), escape_html(en, spans)
    if block.kind == HEADING:
        hashes = "#" * max(2, min(block.level or 2, 6))
        return [f"{hashes} {_heading_text(en, zh)}", "", _one_line(zh), ""] + _flag_lines(block)
    if block.kind == CAPTION:
        zh, en = f"*{zh}*", f"*{en}*"
    lines = [ZH_MARK, _indent(zh, block.prefix), "", EN_MARK, _indent(en, block.prefix), ""]
    return lines + _flag_lines(block)


def escape_html(text: str, spans=()) -> str:
    """`<` outside formulas and inline code becomes `&lt;`: HTML or script in a source shows
    as text and cannot run where the markdown is rendered. Formulas stay byte-identical."""
    keep = sorted({s.text for s in spans if "<" in s.text and s.kind != "markup"}, key=len, reverse=True)
    if not keep:
        return text.replace("<", "&lt;")
    pattern = re.compile("|".join(re.escape(k) for k in keep))
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(text[pos:m.start()].replace("<", "&lt;"))
        out.append(m.group())
        pos = m.end()
    out.append(text[pos:].replace("<", "&lt;"))
    return "".join(out)


def _flag_lines(block: Block) -> list[str]:
    flags = block.flags
    if not flags:
        return []
    body = "\n".join(f"> - {f}" for f in dict.fromkeys(flags))
    return ["> [!WARNING]", "> zh2en flagged this translation:", body, ""]


def _indent(text: str, prefix: str) -> str:
    if not prefix:
        return text
    pad = " " * len(prefix) if not prefix.lstrip().startswith(">") else prefix
    lines = text.split("\n")
    return "\n".join([prefix + lines[0]] + [(pad + ln) if ln else ln for ln in lines[1:]])


def _heading_text(english: str | None, chinese: str | None) -> str:
    """One line; the full stop a model adds to a title that has none is dropped."""
    text = _one_line(english)
    if text.endswith(".") and not (chinese or "").rstrip().endswith(("。", ".")):
        text = text[:-1]
    return text


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())
