"""TMX 1.4b export and import of the translation memory (zh-CN -> en), for CAT tools.

Each <tu> carries the memory's context as properties (model sha256, glossary and prompt
versions, and the translator's warnings) so a file exported here and imported into a fresh store serves exactly the same
segments again; a TMX from another tool, without them, is filed under the context given. A
reviewer's translation (zh2en learn) is a <tu> with `x-zh2en-status` "reviewed", its file
(`x-zh2en-origin`) and its date (`changedate`); imported, it is served as a reviewed one again,
for any model.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from pipeline.store.atomic import atomic_output_path
from pipeline.store import memory as memory_module
from pipeline.store.memory import Entry, MemoryContext, TranslationMemory

SRC_LANG = "zh-CN"
TGT_LANG = "en"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PROPS = {"x-model-sha256": "model_sha256", "x-glossary-version": "glossary_version",
         "x-prompt-version": "prompt_version"}


class TMXError(ValueError):
    """A malformed TMX file; the message says where."""


def export_tmx(memory: TranslationMemory, path: Path, context: MemoryContext | None = None) -> int:
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(root, "header", creationtool="zh2en", creationtoolversion="0.1.0", segtype="paragraph",
                     adminlang="en", srclang=SRC_LANG, datatype="plaintext", **{"o-tmf": "zh2en"},
                     creationdate=datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    body = etree.SubElement(root, "body")
    rows = memory.entries(context)
    for source, translation, model_sha, glossary_version, prompt_version, flags in rows:
        tu = etree.SubElement(body, "tu")
        for name, value in (("x-model-sha256", model_sha), ("x-glossary-version", glossary_version),
                            ("x-prompt-version", prompt_version), ("x-zh2en-flags", flags)):
            etree.SubElement(tu, "prop", type=name).text = value
        for lang, text in ((SRC_LANG, source), (TGT_LANG, translation)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
            etree.SubElement(tuv, "seg").text = text
    reviewed = memory.reviewed_entries()
    for source, translation, origin, when in reviewed:
        tu = etree.SubElement(body, "tu", changedate=_tmx_date(when))
        etree.SubElement(tu, "prop", type="x-zh2en-status").text = "reviewed"
        etree.SubElement(tu, "prop", type="x-zh2en-origin").text = origin
        for lang, text in ((SRC_LANG, source), (TGT_LANG, translation)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
            etree.SubElement(tuv, "seg").text = text
    with atomic_output_path(Path(path)) as tmp:
        etree.ElementTree(root).write(str(tmp), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return len(rows) + len(reviewed)


def _tmx_date(iso: str) -> str:
    """TMX's date form (YYYYMMDDThhmmssZ) of a stored ISO date; now if it cannot be read."""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        when = datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


IMPORT_BATCH = 2000   # units a transaction: the write lock is never held for long (a run may be translating)


def import_tmx(memory: TranslationMemory, path: Path, default: MemoryContext, progress=None) -> int:
    """Stream the file unit by unit (a large TMX is never held in memory whole): read through
    once to check every unit - a malformed one anywhere means nothing is stored - then store it
    in transactions of IMPORT_BATCH units, each waiting as long as closing would for a busy
    database. `progress(n)` is called after each batch."""
    for _ in _read_units(Path(path), default):
        pass
    stored, batch = 0, []
    for unit in _read_units(Path(path), default):
        context, entry, reviewed = unit
        if reviewed is not None:   # a person's translation: any model, any context
            memory.put_reviewed(entry.source, entry.translation, *reviewed)
            stored += 1
            continue
        batch.append((context, entry))
        if len(batch) == IMPORT_BATCH:
            stored += memory.put_many(batch, wait=memory_module.CLOSE_WAIT_SECONDS)
            batch = []
            if progress is not None:
                progress(stored)
    stored += memory.put_many(batch, wait=memory_module.CLOSE_WAIT_SECONDS)
    if progress is not None and batch:
        progress(stored)
    return stored


def _read_units(path: Path, default: MemoryContext):
    try:
        events = etree.iterparse(str(path), events=("start", "end"), resolve_entities=False, no_network=True,
                                 huge_tree=False, load_dtd=False)
        n, seen_header, root = 0, False, None
        for event, element in events:
            if root is None:
                root = element
                if element.tag != "tmx":
                    raise TMXError(f"{path}: not a TMX file (expected <tmx> with <header> and <body>)")
            if event == "start":
                seen_header = seen_header or element.tag == "header"
                if element.tag == "body" and not seen_header:
                    raise TMXError(f"{path}: not a TMX file (expected <tmx> with <header> and <body>)")
                continue
            if element.tag != "tu":
                continue
            n += 1
            yield _unit(path, n, element, default)
            element.clear()
            while element.getprevious() is not None:  # drop what is done: memory stays flat
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise TMXError(f"{path}: not well-formed XML: {exc}") from None
    except OSError as exc:
        raise TMXError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if root is None or not seen_header:
        raise TMXError(f"{path}: not a TMX file (expected <tmx> with <header> and <body>)")


def _unit(path: Path, n: int, tu, default: MemoryContext) -> tuple[MemoryContext, Entry, tuple | None]:
    """The unit's context and entry, and for a reviewed one (origin, date)."""
    segs = {}
    for tuv in tu.findall("tuv"):
        lang = (tuv.get(XML_LANG) or tuv.get("lang") or "").lower()
        seg = tuv.find("seg")
        if seg is None:
            raise TMXError(f"{path}: <tu> #{n} (line {tu.sourceline}): <tuv> without <seg>")
        segs[lang] = "".join(seg.itertext())
    zh = next((t for lang, t in segs.items() if lang.startswith("zh")), None)
    en = next((t for lang, t in segs.items() if lang.startswith("en")), None)
    if not zh or not en:
        raise TMXError(f"{path}: <tu> #{n} (line {tu.sourceline}) needs a zh and an en <tuv>")
    props = {PROPS[p.get("type")]: (p.text or "") for p in tu.findall("prop") if p.get("type") in PROPS}
    context = MemoryContext(**{**default.__dict__, **props})
    flags = next((p.text for p in tu.findall("prop") if p.get("type") == "x-zh2en-flags"), None) or "[]"
    try:
        kept_flags = json.loads(flags)
    except ValueError:
        raise TMXError(f"{path}: <tu> #{n} (line {tu.sourceline}): x-zh2en-flags is not JSON") from None
    if not isinstance(kept_flags, list) or not all(isinstance(f, str) for f in kept_flags):
        raise TMXError(f"{path}: <tu> #{n} (line {tu.sourceline}): x-zh2en-flags must be a JSON list of strings")
    status = next((p.text for p in tu.findall("prop") if p.get("type") == "x-zh2en-status"), None)
    if status == "reviewed":
        origin = next((p.text for p in tu.findall("prop") if p.get("type") == "x-zh2en-origin"), None) or str(path.name)
        changed = tu.get("changedate") or ""
        try:
            when = datetime.strptime(changed, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).isoformat()
        except ValueError:
            when = None
        return context, Entry(zh, en, tuple(kept_flags)), (origin, when)
    return context, Entry(zh, en, tuple(kept_flags)), None
