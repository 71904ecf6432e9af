"""Learning from a reviewer's edits (`zh2en learn`): the English a person corrected in a written
bilingual file goes back into the translation memory as *reviewed*, and is used for that passage
from then on, by any model (pipeline/translate/translator.py: a reviewed entry is read first).

The written `<slug>.qa.json` holds each prose block's English chunk as the file showed it and the
passages it was made of (`english_chunks`, `segments_detail`). The edited file's `<!-- en -->`
chunks are aligned with those (difflib: the unchanged ones anchor the edited ones between
them); an edited chunk of one passage is that passage's English, one of several is cut where
the machine English passed from one passage to the next, carried over to the edit. Every learned passage is held to its
source: each formula byte for byte as often, no Chinese left, not empty - else it is named and
not learned. Nothing else of the file is learned (titles, tables, link words)."""

from __future__ import annotations

import difflib
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.output.render import body_sha256, english_chunks_of, split_front_matter
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


def plain_english(chunk: str, prefix: str) -> str:
    """A chunk as a passage's English: its markdown (list or quote prefix, heading hashes, caption
    stars) and the file's escapes (HTML entities, `\\$`) taken off, whitespace folded."""
    marker = prefix.strip()
    lines = []
    for line in chunk.splitlines():
        line = line.strip()
        if marker and line.startswith(marker):
            line = line[len(marker):]
        lines.append(re.sub(r"^#{1,6}\s+", "", line.strip()))
    text = " ".join(" ".join(lines).split())
    if len(text) > 2 and text.startswith("*") and text.endswith("*") and not text.startswith("**"):
        text = text[1:-1]
    return html.unescape(text).replace("\\$", "$")


def _pairs(machine: list[str], edited: list[str]) -> list[tuple[int, int]] | None:
    """(machine chunk, file chunk) pairs that differ: by position when the file has as many
    chunks as were written; else the unchanged chunks anchor the edited ones between them, and a
    stretch where chunks were added or removed cannot be paired (None for it, as (i, -1))."""
    if len(machine) == len(edited):
        return [(i, i) for i, (a, b) in enumerate(zip(machine, edited)) if a != b]
    pairs = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=machine, b=edited, autojunk=False).get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            pairs += [(i1 + k, j1 + k) for k in range(i2 - i1)]
        elif tag in ("replace", "delete"):
            pairs += [(i, -1) for i in range(i1, i2)]
    return pairs


def held_to_source(source: str, english: str) -> str | None:
    """Why `english` cannot stand for `source`, or None."""
    spans = find_protected_spans(source)
    for text, n in Counter(span.text for span in spans).items():
        if english.count(text) != n:
            return f"a formula or code of the original is not there byte for byte: {text[:40]!r}"
    prose = strip_restored(english, spans)
    if HAN.search(prose):
        return "it still holds Chinese"
    if not prose.strip() and not english.strip():
        return "it is empty"
    return None


def learn_file(qa_path: Path, memory: TranslationMemory) -> Learned:
    """Store the reviewed English of one written article (its qa.json and bilingual file)."""
    qa = json.loads(qa_path.read_text(encoding="utf-8"))
    target = qa_path.with_name(str(qa.get("file", "")))
    learned = Learned(target)
    if not qa.get("english_chunks") or not target.name.endswith(".md") or target.name.endswith(".en.md"):
        learned.problems.append(f"{target}: not learned: learn reads a bilingual file written by this zh2en "
                                f"(translate it again with --layout both or bilingual)")
        return learned
    meta, body = split_front_matter(target.read_text(encoding="utf-8"))
    if meta.get("body_sha256") == body_sha256(body):
        return learned   # not edited
    details = {d["index"]: d for d in qa["segments_detail"]}
    chunks = qa["english_chunks"]
    edited = english_chunks_of(body)
    for i, j in _pairs([c["en"].strip() for c in chunks], [c.strip() for c in edited]):
        if not chunks[i]["passages"]:
            continue   # a table, HTML, link definitions: not learned
        passages = [details[n] for n in chunks[i]["passages"]]
        where = f"{target}: the English of “{' '.join(passages[0]['source'].split())[:24]}…”"
        if j < 0:
            learned.problems.append(f"{where}: not learned: chunks were added or removed around it")
            continue
        text = _without_shown_formulas(plain_english(edited[j], chunks[i]["prefix"]), passages)
        machine = _without_shown_formulas(plain_english(chunks[i]["en"], chunks[i]["prefix"]), passages)
        parts = _cut(text, passages, machine)
        if parts is None:
            learned.problems.append(f"{where}: not learned: its {len(passages)} passages cannot be told apart in "
                                    f"the edit; edit less of it at a time")
            continue
        for passage, english in zip(passages, parts):
            if normalise(english) == normalise(passage["translation"] or ""):
                continue
            problem = held_to_source(passage["source"], english)
            if problem:
                learned.problems.append(f"{where}: not learned: {problem}")
                continue
            memory.put_reviewed(passage["source"], english, origin=target.name)
            learned.passages += 1
            learned.proposals += [p for p in term_proposals(passage, english) if p not in learned.proposals]
    return learned


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


_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)


def _without_shown_formulas(text: str, passages: list[dict]) -> str:
    """The chunk's English without the display formulas that stand between its passages (kept
    verbatim, not part of any passage's English); one a passage holds stays."""
    def drop(match: re.Match) -> str:
        body = " ".join(match.group(1).split())
        inside = any(body in " ".join((p["source"] or "").split()) for p in passages)
        return match.group(0) if inside else " "
    return " ".join(_DISPLAY.sub(drop, text).split())


def _cut(text: str, passages: list[dict], machine: str) -> list[str] | None:
    """The edited English of each passage of a chunk: all of it for one; for several, cut where a
    passage's English ended in the machine chunk, carried over to the edit by what the two share
    (difflib); each part is then held to its own passage's source."""
    if len(passages) == 1:
        return [text]
    ends, pos = [], 0   # where each passage's English ends in the machine chunk
    for passage in passages:
        english = " ".join((passage["translation"] or "").split())
        at = machine.find(english[:40], pos) if english else -1
        if at < 0:
            return None
        pos = at + len(english)
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
