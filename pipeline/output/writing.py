"""Writing an article's output safely: the bilingual file held to its raw source, its QA
JSON beside it, never replacing a better or hand-edited file; and choosing its file name."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from pipeline.store.atomic import write_text_atomic
from pipeline.document import Article
from pipeline.output.conservation import ConservationReport, check_conservation
from pipeline.store.error_log import ErrorLog
from pipeline.checks.qa import CHECKS_VERSION, percentages, qa_line, segment_details
from pipeline.output.chunks import english_chunks
from pipeline.output.render import body_sha256, english_only, render_article, split_front_matter
from pipeline.output.slugs import SlugAllocator, article_slug


def write_article(article: Article, qa: dict, target: Path, model_id: str, model_sha256: str,
                  force: bool = False, layout: str = "both", errors: ErrorLog | None = None) -> str | None:
    """Write the bilingual file (`target`) and/or the English-only one (`english_path`), and
    the QA JSON, atomically (`qa`, the article's QA figures, gains the file's own). Returns why
    an existing, better or hand-edited output was kept instead (`force` replaces it anyway).
    Switching layouts, the other layout's file is removed if zh2en wrote it and nobody edited it
    (it would no longer match the QA JSON)."""
    qa["file"] = primary_file(target, layout).name
    qa["source_id"] = source_id(article)
    qa["checks_version"] = CHECKS_VERSION
    qa["model"] = {"id": model_id, "sha256": model_sha256}   # a served model: its name and server
    if article.formula_words or article.formula_words_kept:   # the English layout's only change to formulas
        qa["formula_words"] = [{"zh": zh, "en": en} for zh, en in article.formula_words.items()]
        qa["formula_words_kept"] = list(article.formula_words_kept)
    created = datetime.now(timezone.utc)
    document = render_conserved(article, qa, model_id, model_sha256, errors, created)
    files = {}
    if layout in ("bilingual", "both"):
        files[target] = document
    if layout in ("english", "both"):
        files[english_path(target)] = english_only(render_article(
            article, model_id, model_sha256, created, qa=qa_line(qa), formula_words=article.formula_words))
    siblings = [target, english_path(target)]
    edited = [path for path in siblings if edited_by_hand(path)]
    if not force and edited:
        return f"kept the existing {edited[0].name}: it was edited after zh2en wrote it; --force replaces it"
    kept = None if force else existing_is_better(target, problem_count(qa), siblings)
    if kept is not None:
        return (f"kept the existing file ({kept} flagged segment(s) or lost piece(s)) over this run's "
                f"({problem_count(qa)}); --force replaces it")
    for path, text in files.items():
        write_text_atomic(path, text)
    for stale in (path for path in siblings if path not in files and path.is_file() and path not in edited):
        stale.unlink()
    qa_json = {**percentages(qa), "segments_detail": segment_details(article), "english_chunks": english_chunks(article, document)}
    write_text_atomic(target.with_suffix(".qa.json"), json.dumps(qa_json, ensure_ascii=False, indent=2) + "\n")
    return None


def render_conserved(article: Article, qa: dict, model_id: str, model_sha256: str,
                     errors: ErrorLog | None = None, created: datetime | None = None) -> str:
    """The bilingual file, held to the raw source (pipeline/output/conservation.py): formulas are
    counted from the source, and whatever it lost or gained is named at the top of the file,
    in its QA JSON and in the run report - the article is written, never as clean. (Failing
    the article instead would throw away every paragraph that did come through.)"""
    created = created or datetime.now(timezone.utc)
    article.conservation = []
    draft = render_article(article, model_id, model_sha256, created)
    try:
        outcome = check_conservation(article, draft)
    except Exception as exc:   # a bug in the check must not cost the article, nor pass it as clean
        line = errors.record("checking the file against its source", exc) if errors else f"{type(exc).__name__}: {exc}"
        outcome = ConservationReport(0, 0, [f"the check against the source could not run (internal error: {line})"])
    article.conservation = outcome.problems
    qa.update(formula_spans=outcome.formulas_source, formulas_kept=outcome.formulas_kept,
              conservation=outcome.problems, dropped_by_ingest=dropped_parts(article))
    return render_article(article, model_id, model_sha256, created, qa=qa_line(qa))


def primary_file(target: Path, layout: str) -> Path:
    """The file a run names for an article: the bilingual one, unless only English is written."""
    return english_path(target) if layout == "english" else target


def english_path(target: Path) -> Path:
    """Where the English-only file of the bilingual `target` goes: <slug>.en.md beside it."""
    return target.with_name(target.stem + ".en.md")


def dropped_parts(article: Article) -> list[str]:
    """What ingest left out of the article's stretch of the source on purpose, for qa.json."""
    return [f"{reason}: {' '.join(article.source_text[a:b].split())[:60]}" for a, b, reason in article.dropped]


def edited_by_hand(target: Path) -> bool:
    """An existing output whose body no longer matches the hash zh2en wrote into it."""
    try:
        meta, body = split_front_matter(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False
    recorded = meta.get("body_sha256")
    return isinstance(recorded, str) and recorded != body_sha256(body)


def problem_count(qa: dict) -> int:
    """Flagged segments plus what the file lost from its source: the measure of "worse"."""
    return int(qa["flagged"]) + len(qa.get("conservation", []))


def existing_is_better(target: Path, new_flagged: int, files: list[Path] | None = None) -> int | None:
    """The problem count of an existing output that has fewer than the new one (so it must
    not be replaced), else None. An unreadable existing file is replaceable, and so is one
    flagged by other checks: its count says nothing next to this one's (newer checks see more)."""
    qa_file = target.with_suffix(".qa.json")
    if not any(path.is_file() for path in files or [target]) or not qa_file.is_file():
        return None
    try:
        old = json.loads(qa_file.read_text(encoding="utf-8"))
        if old.get("checks_version") != CHECKS_VERSION:
            return None
        old_flagged = problem_count(old)
    except (ValueError, KeyError, TypeError, OSError, AttributeError):
        return None
    return old_flagged if old_flagged < new_flagged else None


def source_id(article: Article) -> str:
    return f"{article.source.resolve()}#{article.index}"


def output_path(out_dir: Path, article: Article, slugs: SlugAllocator) -> Path:
    """The article's file: its slug, unless an earlier run wrote another article's output
    under that name (then the next free -2, -3, ...); never a name outside `out_dir`."""
    base = output_slug(article)
    while True:
        target = out_dir / (slugs.allocate(base) + ".md")
        if _owner(target) in (None, source_id(article)):
            return target


def _owner(target: Path) -> str | None:
    try:
        return json.loads(target.with_suffix(".qa.json").read_text(encoding="utf-8")).get("source_id")
    except (OSError, ValueError, AttributeError):
        return None


def output_slug(article: Article) -> str:
    first_text = next((b.translation for b in article.blocks if b.kind == "paragraph"), None)
    return article_slug(article.title_en, first_text, f"{article.source.stem}-{article.index}")
