"""Links, images and names in prose: each is protected whole (one placeholder: the model cannot
break `[text](url)` into `[text] (url)`), and the words a reader sees in it - a link's text, an
image's alt text, a title, the text between the tags of an HTML block - are translated on their
own and put back into the English copy; destinations and every other byte stay as written. An
@handle in Chinese is shown in pinyin on the English side (`@张宇` -> `@Zhang Yu`)."""

from __future__ import annotations

import re

import regex

from pipeline.document import DEFINITIONS, HTML, Article, Span
from pipeline.text.han import HAN, HAN_CLASS
from pipeline.text.markup import unsafe_destination
from pipeline.text.spans import locate_restored, rewrite, strip_restored

# `[text](dest "title")`, `![alt](src)`, `[text][ref]`: one level of brackets inside the text.
LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:\\.|[^\[\]\n\\]|\[(?:\\.|[^\[\]\n\\])*\])*)\]"
    r"(?:\((?P<dest>\s*(?:<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*))"
    r"(?:\s+(?P<title>\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*\)"
    r"|\[(?P<ref>[^\[\]\n]+)\])")
_HAN = regex.compile(f"[{HAN_CLASS}]")
# Words between the tags of an HTML block, in a comment (shown as text: HTML is escaped), and
# alt/title attributes.
_HTML_TEXT = re.compile(r">(?P<text>[^<>]+)<|<!--(?P<comment>.*?)-->", re.DOTALL)
_HTML_ATTRIBUTE = re.compile(r"\b(?:alt|title)\s*=\s*(?P<q>[\"'])(?P<text>[^\"'<>]*)(?P=q)", re.IGNORECASE)


# A link reference definition, `[label]: destination`, up to three spaces in (CommonMark); in a
# quote or list item after its markers.
REFERENCE_DEFINITION = re.compile(r"^(?P<lead>[ \t>*+\-\d.)]*?)\[(?P<label>[^\[\]\n]+)\]:[ \t]*(?P<dest>\S+)", re.MULTILINE)


_DEFINITION_TITLE = re.compile(r"[ \t]+(?P<title>\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\))[ \t]*$", re.MULTILINE)


def unsafe_links(text: str) -> list[tuple[int, int]]:
    """Where `text` holds a link, image or reference definition whose address is not http,
    https, mailto or relative (markup.unsafe_destination): (start, end) of each."""
    found = [m.span() for m in LINK.finditer(text) if m.group("dest") is not None and unsafe_destination(m.group("dest"))]
    return found + [m.span() for m in REFERENCE_DEFINITION.finditer(text) if unsafe_destination(m.group("dest"))]


def neutralise_unsafe_links(text: str) -> str:
    """`text` with each unsafe link shown as text: `[t]\\(javascript:…)`, `\\[r]: javascript:…`
    (a backslash before the bracket a renderer would read as the link)."""
    out, pos = [], 0
    for start, end in sorted(unsafe_links(text)):
        if start < pos:
            continue
        piece = text[start:end]
        m = LINK.fullmatch(piece)
        if m is not None and m.group("dest") is not None:
            cut = m.start("dest") - 1   # the "(" after "]"
            piece = piece[:cut] + "\\" + piece[cut:]
        else:
            lead = REFERENCE_DEFINITION.match(piece)
            cut = len(lead.group("lead")) if lead else 0
            piece = piece[:cut] + "\\" + piece[cut:]
        out += [text[pos:start], piece]
        pos = end
    return "".join(out) + text[pos:]


def link_kind(match: re.Match) -> str:
    return "image" if match.group("bang") else "link"


def reader_words(span_text: str, kind: str) -> list[tuple[int, int]]:
    """(start, end) of the words in a link, image or HTML block that a reader sees and that hold
    Chinese: what is translated. Positions are within `span_text`."""
    parts: list[tuple[int, int]] = []
    if kind in ("link", "image"):
        m = LINK.fullmatch(span_text)
        if m is None:
            return []
        parts.append(m.span("text"))
        if m.group("title"):
            a, b = m.span("title")
            parts.append((a + 1, b - 1))   # inside its quotes
    elif kind == DEFINITIONS:   # each definition's title, inside its quotes or brackets
        for m in REFERENCE_DEFINITION.finditer(span_text):
            title = _DEFINITION_TITLE.match(span_text, m.end())
            if title:
                parts.append((title.start("title") + 1, title.end("title") - 1))
    elif kind == "html":
        parts += [m.span("text" if m.group("text") is not None else "comment") for m in _HTML_TEXT.finditer(span_text)]
        parts += [m.span("text") for m in _HTML_ATTRIBUTE.finditer(span_text)]
    return sorted((a, b) for a, b in parts if _HAN.search(span_text[a:b]))


def with_words(span_text: str, kind: str, english: dict[str, str]) -> str:
    """`span_text` with each of its reader words that `english` translates replaced (the
    surrounding whitespace of a word kept); in a link's text that is not translated whole, the
    images inside it (`[![查看源文件](logo.svg)](url)`). A link or image stays one, with its
    destination: English that would break it (a quote in a title, an unbalanced bracket) is
    not put in."""
    out, pos = [], 0
    for a, b in reader_words(span_text, kind):
        words = span_text[a:b]
        core = words.strip()
        lead, trail = words[:len(words) - len(words.lstrip())], words[len(words.rstrip()):]
        if english.get(core):
            out += [span_text[pos:a], lead, " ".join(english[core].split()), trail]
            pos = b
        elif kind == "link" and LINK.search(words):
            out += [span_text[pos:a], LINK.sub(lambda m: with_words(m.group(), link_kind(m), english), words)]
            pos = b
    result = "".join(out) + span_text[pos:]
    if kind in ("link", "image"):
        before, after = LINK.fullmatch(span_text), LINK.fullmatch(result)
        if after is None or any(after.group(g) != before.group(g) for g in ("bang", "dest", "ref")) or \
                bool(after.group("title")) != bool(before.group("title")):
            return span_text
    return result


def words_to_translate(span_text: str, kind: str) -> list[str]:
    """The reader words of a link, image or HTML block, each to be translated on its own: a
    link's text with an image in it gives the image's words, and its own if Chinese is left
    around the image."""
    out = []
    for a, b in reader_words(span_text, kind):
        part = span_text[a:b]
        nested = list(LINK.finditer(part)) if kind == "link" else []
        out += [w for m in nested for w in words_to_translate(m.group(), link_kind(m))]
        if not nested or _HAN.search(LINK.sub(" ", part)):
            out.append(part.strip())
    return out


def pinyin_name(handle: str) -> str:
    """`@张宇` -> `@Zhang Yu`, `@苏剑林` -> `@Su Jianlin`: a name's surname, then its given name;
    a longer handle's syllables each capitalised. Latin letters and digits are kept."""
    from pypinyin import lazy_pinyin

    def name(han: str) -> str:
        syllables = [s.capitalize() for s in lazy_pinyin(han)]
        if 2 <= len(syllables) <= 3:
            return syllables[0] + " " + "".join(syllables[1:]).capitalize()
        return " ".join(syllables)

    return regex.sub(f"[{HAN_CLASS}]+", lambda m: name(m.group()), handle)


def english_markup(english: str, spans: list[Span], words: dict[str, str]) -> str:
    """The English side of a text: the reader words of its links and images in English where
    `words` has them, its Chinese @handles in pinyin; every other byte as it is."""
    targets = [s for s in spans if s.kind in ("link", "image") or (s.kind == "name" and HAN.search(s.text))]
    if not targets:
        return english
    return rewrite(english, locate_restored(english, targets),
                   span=lambda _, s: pinyin_name(s.text) if s.kind == "name" else with_words(s.text, s.kind, words))


def _shown(text: str, spans: list[Span]) -> str:
    """What a reader sees of a text: its prose and the reader words of its links and images
    (formulas, code and destinations left out)."""
    links = [s for s in locate_restored(text, spans) if s.kind in ("link", "image")]
    words = " ".join(text[s.start + a:s.start + b] for s in links for a, b in reader_words(s.text, s.kind))
    return strip_restored(text, spans) + " " + words


LEFT_IN_CHINESE = "the words of a link, image or HTML block are left in Chinese: “{}”"


def settle_reader_words(article: Article) -> None:
    """`article.reader_words` from its translated word segments; a piece whose English is not
    usable (Chinese left, the original kept, English that would break its link) stays Chinese,
    flagged where it is shown."""
    english: dict[str, str] = {}
    for _ in range(2):   # a link's text holding an image: the image's words first
        for seg in article.word_segments:
            text = english_markup(seg.translation or "", seg.spans, english) if seg.translation else ""
            if not seg.source.startswith(('"', "“")):
                text = _QUOTED.sub(r"\1", text.strip())   # quotes the model put around its answer
            if text and not seg.internal_error and not HAN.search(_shown(text, seg.spans)):
                english[seg.source] = text
    article.reader_words = english
    for block in article.all_blocks:
        for seg in block.segments:
            shown = [(block.source, block.kind)] if block.kind in (HTML, DEFINITIONS) else [
                (span.text, span.kind) for span in seg.spans if span.kind in ("link", "image")]
            left = [w for text, kind in shown if words_to_translate(text, kind)
                    for w in words_to_translate(with_words(text, kind, english), kind)]
            for piece in dict.fromkeys(left):
                flag = LEFT_IN_CHINESE.format(piece if len(piece) <= 30 else piece[:30] + "…")
                if flag not in seg.flags:
                    seg.flags.append(flag)


_QUOTED = re.compile(r'^["“](.*)["”]$', re.DOTALL)
