"""Learning from a reviewer's edits (`zh2en learn`): the English a person corrected in a written
bilingual file goes back into the translation memory as *reviewed*, and is used for that passage
from then on, by any model (pipeline/translate/translator.py: a reviewed entry is read first).

The written `<slug>.qa.json` holds each English chunk as the file showed it, the Chinese chunk
beside it, and the passages it was made of (`english_chunks`, `segments_detail`). An edited
file's English chunk is found again by its Chinese chunk (so a moved paragraph keeps its own
English); a chunk of one passage is that passage's English, one of several is cut where each
passage's English ended in the machine chunk, carried over to the edit. Every learned passage
is held to its source both ways: each formula, code span and link address of the source is
there byte for byte as often, and the English brings none the source lacks; no Chinese left, not
empty - else it is named and not learned. A file once learned is not learned again until it
changes, and its date is the file's. Tables, HTML and link definitions are not learned."""

from __future__ import annotations

import difflib
import hashlib
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipeline.document import CAPTION
from pipeline.output.chunks import chunks_of, partner_of
from pipeline.output.render import body_sha256, continuation, split_front_matter
from pipeline.store.memory import TranslationMemory, normalise
from pipeline.text.han import HAN
from pipeline.text.protect import find_protected_spans
from pipeline.text.spans import strip_restored


@dataclass
class Learned:
    file: Path
    passages: int = 0                                  # stored as reviewed
    problems: list[str] = field(default_factory=list)  # one line each: what was not learned, and why
    # (zh, the reviewer's English, the glossary's English): a glossary term the reviewer rendered
    # otherwise - proposed to the user, never applied by zh2en
    proposals: list[tuple[str, str, str]] = field(default_factory=list)


def plain_english(chunk: str, prefix: str, kind: str = "") -> str:
    """A chunk as a passage's English: its markdown (list or quote prefix on every line, heading
    hashes, a caption's stars) and the file's escapes (HTML entities, `\\$`) taken off,
    whitespace folded."""
    markers = [m for m in (prefix.strip(), continuation(prefix).strip()) if m]
    lines = []
    for line in chunk.splitlines():
        line = line.strip()
        for marker in markers:
            if line.startswith(marker):
                line = line[len(marker):].strip()
                break
        lines.append(re.sub(r"^#{1,6}\s+", "", line))
    text = " ".join(" ".join(lines).split())
    if kind == CAPTION and len(text) > 2 and text.startswith("*") and text.endswith("*"):
        text = text[1:-1]
    return html.unescape(text).replace("\\$", "$")


def _address(span_text: str) -> str:
    """What of a link or image must survive an edit: its address part (its words are English now)."""
    return span_text[span_text.rfind("]("):] if "](" in span_text else span_text


def _needed(text: str) -> Counter:
    """The spans a passage's English must hold: formulas and code as written, links by address."""
    return Counter(_address(s.text) if s.kind in ("link", "image") else s.text
                   for s in find_protected_spans(text) if s.kind != "name")


def held_to_source(source: str, english: str) -> str | None:
    """Why `english` cannot stand for `source`, or None."""
    wanted, found = _needed(source), _needed(english)
    for text, n in wanted.items():
        if english.count(text) != n:
            return f"a formula, code or link of the original is not there as written: {text[:40]!r}"
    extra = [text for text in found if text not in wanted and not any(text in w for w in wanted)]
    if extra:
        return f"it holds a formula, code or link the original does not: {extra[0][:40]!r}"
    if HAN.search(strip_restored(english, find_protected_spans(source))):
        return "it still holds Chinese"
    if not english.strip():
        return "it is empty"
    return None


def learn_file(qa_path: Path, memory: TranslationMemory) -> Learned:
    """Store the reviewed English of one written article (its qa.json and bilingual file); a file
    that cannot be read is a problem of its own, never the run's."""
    learned = Learned(qa_path)
    try:
        qa = json.loads(qa_path.read_text(encoding="utf-8"))
        target = qa_path.with_name(str(qa["file"]))
        learned.file = target
        if not qa.get("english_chunks") or not target.name.endswith(".md") or target.name.endswith(".en.md"):
            learned.problems.append(f"{target}: not learned: learn reads a bilingual file written by this zh2en "
                                    f"(translate it again with --layout both or bilingual)")
            return learned
        text = target.read_text(encoding="utf-8")
        meta, body = split_front_matter(text)
        edited_at = datetime.fromtimestamp(target.stat().st_mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        learned.problems.append(f"{qa_path}: not learned: cannot be read ({type(exc).__name__}: {exc})")
        return learned
    version = hashlib.sha256(body.encode("utf-8")).hexdigest()
    if meta.get("body_sha256") == body_sha256(body) or memory.learned_before(str(target), version):
        return learned   # not edited, or learned as it is now
    try:
        _learn_chunks(qa, body, target, edited_at, memory, learned)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:   # a qa.json edited by hand
        learned.problems.append(f"{target}: not learned: its qa.json does not fit the file ({type(exc).__name__})")
        return learned
    memory.mark_learned(str(target), version)
    return learned


def _learn_chunks(qa: dict, body: str, target: Path, edited_at: str, memory: TranslationMemory,
                  learned: Learned) -> None:
    details = {d["index"]: d for d in qa["segments_detail"]}
    sides = chunks_of(body)
    by_chinese: dict[str, list[str]] = {}   # the file's English chunks by the Chinese beside them, in order
    for k, (side, text) in enumerate(sides):
        if side == "en" and (zh := partner_of(sides, k)) is not None:
            by_chinese.setdefault(zh, []).append(text)
    taken: dict[str, str] = {}
    for chunk in qa["english_chunks"]:
        candidates = by_chinese.get(chunk.get("zh") or "", [])
        edited = candidates.pop(0) if candidates else None
        if not chunk["passages"] or edited is None or edited.strip() == chunk["en"].strip():
            continue   # not learnable, its Chinese changed (not found), or not edited
        passages = [details[n] for n in chunk["passages"]]
        where = f"{target}: the English of “{' '.join(passages[0]['source'].split())[:24]}…”"
        prose = _without(chunk.get("shown", []), plain_english(edited, chunk["prefix"], chunk.get("kind", "")))
        machine = _without(chunk.get("shown", []), plain_english(chunk["en"], chunk["prefix"], chunk.get("kind", "")))
        parts = _cut(prose, passages, machine)
        if parts is None:
            learned.problems.append(f"{where}: not learned: its {len(passages)} passages cannot be told apart in "
                                    f"the edit; edit less of it at a time")
            continue
        for passage, english in zip(passages, parts):
            if normalise(english) == normalise(passage["translation"] or ""):
                continue
            problem = held_to_source(passage["source"], english)
            if problem is None and taken.get(passage["source"], english) != english:
                problem = "the same passage was edited twice, differently; the first edit is kept"
            if problem:
                learned.problems.append(f"{where}: not learned: {problem}")
                continue
            taken[passage["source"]] = english
            memory.put_reviewed(passage["source"], english, origin=target.name, when=edited_at)
            learned.passages += 1
            learned.proposals += [p for p in term_proposals(passage, english) if p not in learned.proposals]


# Words that stand in for a term without rendering it ("it decides" for "the learning rate decides").
_FUNCTION_WORDS = frozenset("a an the it its this that these those they them their he she we our one which "
                            "what such and or of to in on for with by as is are was were be".split())


def term_proposals(passage: dict, english: str) -> list[tuple[str, str, str]]:
    """The glossary terms of a passage whose English the machine had and the reviewer replaced:
    (zh, the words that took its place, the glossary's English)."""
    machine = passage.get("translation") or ""
    before, after = machine.split(), english.split()
    proposals = []
    for zh, en in passage.get("terms") or []:
        if en.lower() not in machine.lower() or en.lower() in english.lower():
            continue
        matcher = difflib.SequenceMatcher(a=[w.lower() for w in before], b=[w.lower() for w in after], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            replaced = " ".join(before[i1:i2]).lower()
            new = " ".join(after[j1:j2]).strip(".,;:!?\"'()")
            words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]*", new.lower()) if w not in _FUNCTION_WORDS]
            if tag == "replace" and en.lower() in replaced and words and not HAN.search(new) and "$" not in new:
                new = re.sub(r"^(?:the|a|an)\s+", "", new, flags=re.IGNORECASE)
                proposals.append((zh, new, en))
                break
    return proposals


def write_proposals(path: Path, proposals: list[tuple[str, str, str, str]]) -> int:
    """Add (zh, en, glossary English, file) proposals to a glossary file in zh2en's TSV form
    (zh, en, note), ready for --glossary once the user agrees; returns how many were new."""
    existing = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    known = {tuple(line.split("\t")[:2]) for line in existing}
    new = [f"{zh}\t{en}\treviewed in {file} (the glossary says: {old})" for zh, en, old, file in proposals
           if (zh, en) not in known]
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(existing + new) + "\n", encoding="utf-8")
    return len(new)


def _without(shown: list[str], text: str) -> str:
    """The chunk's English without the display formulas shown between its passages (kept
    verbatim, not part of any passage's English): exactly those, by their body."""
    bodies = {" ".join(f.strip().strip("$").split()) for f in shown}

    def drop(match: re.Match) -> str:
        return " " if " ".join(match.group(1).split()) in bodies else match.group(0)
    return " ".join(_DISPLAY.sub(drop, text).split())


_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)


def _cut(text: str, passages: list[dict], machine: str) -> list[str] | None:
    """The edited English of each passage of a chunk: all of it for one; for several, cut where a
    passage's English ended in the machine chunk (found by its own opening and ending words, else
    None), carried over to the edit by what the two share (difflib)."""
    if len(passages) == 1:
        return [text]
    ends, pos = [], 0
    for passage in passages:
        english = " ".join((passage["translation"] or "").split())
        start = machine.find(english[:30], pos) if english else -1
        end = machine.find(english[-30:], start) if start >= 0 else -1
        if end < 0:
            return None
        pos = end + len(english[-30:])
        ends.append(pos)
    blocks = difflib.SequenceMatcher(a=machine, b=text, autojunk=False).get_matching_blocks()

    def carried(offset: int) -> int:
        for a, b, size in blocks:
            if a <= offset < a + size:
                return b + offset - a
        return max([b + size for a, b, size in blocks if a + size <= offset], default=0)

    cuts = [0] + [carried(end) for end in ends[:-1]] + [len(text)]   # words put in between: the next one's
    parts = [text[start:end].strip() for start, end in zip(cuts, cuts[1:])]
    return parts if cuts == sorted(cuts) and all(parts) else None


def learn_paths(paths: list[Path], memory: TranslationMemory) -> list[Learned]:
    """Every written article under `paths` (files or output folders): its qa.json found."""
    qa_files = []
    for path in paths:
        if path.is_dir():
            qa_files += sorted(path.rglob("*.qa.json"))
        elif path.name.endswith(".qa.json"):
            qa_files.append(path)
        else:
            qa_files.append(path.with_name(path.name.removesuffix(".en.md").removesuffix(".md") + ".qa.json"))
    return [learn_file(q, memory) for q in qa_files if q.is_file()]
