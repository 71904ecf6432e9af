"""Technical glossary: load and validate term lists, find the terms of a text (longest match
first), and check that a translation renders them.

Files are TSV (`zh<TAB>en<TAB>note`, `#` comments, optional `zh en note` header) or
BabelDOC-style CSV (`source,target,tgt_lng`). Errors name the file and line.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path


class GlossaryError(ValueError):
    """A glossary file is malformed; the message names file and line."""


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    note: str
    origin: str  # "file:line"


def read_tsv(path: Path) -> list[Term]:
    terms = []
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if fields[:2] == ["zh", "en"]:
            continue
        if len(fields) < 2 or len(fields) > 3:
            raise GlossaryError(f"{path}:{n}: expected zh<TAB>en<TAB>note, got {len(fields)} field(s)")
        zh, en = fields[0].strip(), fields[1].strip()
        if not zh or not en:
            raise GlossaryError(f"{path}:{n}: empty {'zh' if not zh else 'en'} field")
        terms.append(Term(zh, en, fields[2].strip() if len(fields) == 3 else "", f"{path}:{n}"))
    return terms


def read_babeldoc_csv(path: Path, target_language: str = "en") -> list[Term]:
    """BabelDOC glossary CSV: header `source,target[,tgt_lng]`; rows for other target
    languages are skipped."""
    terms = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"source", "target"} <= set(reader.fieldnames):
            raise GlossaryError(f"{path}:1: expected a header with source,target[,tgt_lng]")
        for n, row in enumerate(reader, 2):
            lang = (row.get("tgt_lng") or "").strip().lower()
            if lang and not lang.startswith(target_language):
                continue
            zh, en = (row.get("source") or "").strip(), (row.get("target") or "").strip()
            if not zh or not en:
                raise GlossaryError(f"{path}:{n}: empty {'source' if not zh else 'target'} field")
            terms.append(Term(zh, en, "", f"{path}:{n}"))
    return terms


def read_terms(path: Path) -> list[Term]:
    path = Path(path)
    if not path.is_file():
        raise GlossaryError(f"{path}: no such glossary file")
    try:
        return read_babeldoc_csv(path) if path.suffix.lower() == ".csv" else read_tsv(path)
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"{path}: not UTF-8 text (byte {exc.start}); save the glossary as UTF-8") from None


class Glossary:
    def __init__(self, terms: dict[str, Term]):
        self.terms = terms
        self._max_len = max((len(k) for k in terms), default=0)
        digest = hashlib.sha256("\n".join(f"{k}\t{t.en}" for k, t in sorted(terms.items())).encode())
        self.version = digest.hexdigest()[:12]
        self._patterns: dict[str, re.Pattern] = {}

    @classmethod
    def load(cls, builtin: list[Path], user: list[Path] = ()) -> "Glossary":
        """Built-in files must agree with each other; a user's files must agree with each
        other and override the built-in rendering of a term (that is their purpose)."""
        merged = _merge([t for p in builtin for t in read_terms(p)])
        merged.update(_merge([t for p in user for t in read_terms(p)]))
        return cls(merged)

    @classmethod
    def default(cls, user: list[Path] = ()) -> "Glossary":
        from glossary import GLOSSARY_DIR

        return cls.load(sorted(GLOSSARY_DIR.glob("*.tsv")), list(user))

    def __len__(self) -> int:
        return len(self.terms)

    def terms_in(self, text: str) -> list[tuple[str, str]]:
        """(zh, en) of the terms in `text`, longest match first, each once, in text order."""
        found: dict[str, str] = {}
        i = 0
        while i < len(text):
            for length in range(min(self._max_len, len(text) - i), 0, -1):
                term = self.terms.get(text[i:i + length])
                if term:
                    found.setdefault(term.zh, term.en)
                    i += length
                    break
            else:
                i += 1
        return list(found.items())

    def rendered(self, en: str, translation: str) -> bool:
        """Whether `translation` renders `en`: case-insensitive, tolerant of plural and
        other inflections, of hyphen vs space; for `X (Y)` either X or Y will do."""
        pattern = self._patterns.get(en)
        if pattern is None:
            pattern = self._patterns[en] = _rendering_pattern(en)
        return bool(pattern.search(translation))

    def missing(self, terms: list[tuple[str, str]], translation: str) -> list[tuple[str, str]]:
        return [(zh, en) for zh, en in terms if not self.rendered(en, translation)]


def _merge(terms: list[Term]) -> dict[str, Term]:
    merged: dict[str, Term] = {}
    for term in terms:
        seen = merged.get(term.zh)
        if seen is None:
            merged[term.zh] = term
        elif seen.en == term.en:
            raise GlossaryError(f"{term.origin}: duplicate entry for {term.zh!r} (first at {seen.origin})")
        else:
            raise GlossaryError(f"{term.origin}: {term.zh!r} -> {term.en!r} conflicts with "
                                f"{seen.en!r} at {seen.origin}")
    return merged


def _word_pattern(word: str) -> str:
    if not word.isalpha() or len(word) <= 4 or not word.isascii():
        return re.escape(word) + r"(?:s|es|'s)?"
    # A stem tolerates inflection: "distillation" ~ "distilled", "normalization" ~ "normalized".
    stem = word
    if word.lower().endswith(("ix", "ex")):  # matrix ~ matrices, index ~ indices
        return re.escape(word[:-2]) + r"(?:ix|ex|ices)"
    for suffix in _SUFFIXES:
        if word.lower().endswith(suffix) and len(word) - len(suffix) >= 4:
            stem = word[:-len(suffix)]
            break
    return re.escape(stem) + r"[a-z]*"


_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ence", "ance", "ies", "ed", "es", "s", "ity",
             "al", "y", "e")


def _alternative(text: str) -> str:
    words = re.split(r"[\s\-]+", text.strip())
    return r"[\s\-]*".join(_word_pattern(w) for w in words if w)


def _rendering_pattern(en: str) -> re.Pattern:
    m = re.fullmatch(r"(.+?)\s*\((.+)\)", en)
    options = [m.group(1), m.group(2)] if m else [en]
    body = "|".join(f"(?:{_alternative(o)})" for o in options)
    return re.compile(rf"(?<![A-Za-z])(?:{body})", re.IGNORECASE)
