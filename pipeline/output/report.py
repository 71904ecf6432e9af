"""The run report: output/report.json and output/report.md aggregating every article's QA.

Like sacrebleu's statistics, the articles' integer counts are summed first and the percentages
made last, from the sums."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.store.atomic import write_text_atomic
from pipeline.checks.qa import percentages


def totals(article_qa: list[dict]) -> dict:
    """The run's counts: each article's summed."""
    return {
        "articles": len(article_qa),
        "segments": sum(s["segments"] for s in article_qa),
        "flagged_segments": sum(s["flagged"] for s in article_qa),
        "formula_spans": sum(s["formula_spans"] for s in article_qa),   # counted from the raw sources
        "formulas_kept": sum(s["formulas_kept"] for s in article_qa),
        "glossary_terms": sum(s["glossary_terms"] for s in article_qa),
        "glossary_ok": sum(s["glossary_ok"] for s in article_qa),
        "glossary_retries": sum(s.get("glossary_retries", 0) for s in article_qa),
        "terms_consistent": sum(s.get("terms_consistent", 0) for s in article_qa),
        "terms_recurring": sum(s.get("terms_recurring", 0) for s in article_qa),
        "residue_segments": sum(s["residue_segments"] for s in article_qa),
        "untranslated_segments": sum(s.get("untranslated_segments", 0) for s in article_qa),
        "internal_errors": sum(s.get("internal_errors", 0) for s in article_qa),
        "conservation_problems": sum(len(s.get("conservation", [])) for s in article_qa),
    }


def aggregate(article_qa: list[dict]) -> dict:
    """The run's counts and, made from them, its percentages (as shown to a reader)."""
    return percentages(totals(article_qa))


def write_run_report(out_dir: Path, article_qa: list[dict], failures: list[tuple[str, str]],
                     seconds: float, model_id: str) -> dict:
    # Each article's term table and summary check are in its own qa.json; the report names the
    # summary's mode (condensed by the model, or the article's own sentences).
    summaries = [percentages({**{k: v for k, v in s.items() if k not in ("term_table", "summary_check")},
                              "summary_mode": (s.get("summary_check") or {}).get("mode")}) for s in article_qa]
    totals = aggregate(article_qa)
    report = {"model": model_id, "seconds": round(seconds, 1), "totals": totals,
              "articles": summaries, "failures": [{"input": i, "reason": r} for i, r in failures]}
    write_text_atomic(out_dir / "report.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    lines = [
        "# zh2en run report", "",
        f"Model `{model_id}`; {totals['articles']} article(s), {totals['segments']} segment(s) in {seconds:.1f} s.", "",
        "Formulas are counted in the source files themselves; \"differs from source\" counts what an output "
        "lost from (or added to) its source - each is named at the top of that file.", "",
        "\"Untranslated\" counts passages a reader of the English gets in Chinese (the model's answers kept at "
        "least half of it in Chinese, or an internal error kept the original); \"Chinese left\" counts "
        "passages with any Chinese character left.", "",
        "| formulas intact | glossary adherence | term consistency | glossary retries | untranslated segments | "
        "segments with Chinese left | internal errors | flagged segments | differs from source | failures |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {totals['formula_integrity']}% of {totals['formula_spans']} | {totals['glossary_adherence']}% of "
        f"{totals['glossary_terms']} | {totals['term_consistency']}% of {totals['terms_recurring']} | "
        f"{totals['glossary_retries']} | {totals['untranslated_segments']} | {totals['residue_segments']} | "
        f"{totals['internal_errors']} | {totals['flagged_segments']} | "
        f"{totals['conservation_problems']} | {len(failures)} |",
        "", "| article | file | segments | flagged | untranslated | formulas | glossary | differs from source | "
        "failed checks |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        checks = ", ".join(f"{k} ×{v}" for k, v in s["failed_checks"].items()) or "-"
        lost = len(s.get("conservation", []))
        lines.append(f"| {_cell(s['article'])} | {_cell(s.get('file', ''))} | {s['segments']} | {s['flagged']} | "
                     f"{s.get('untranslated_segments', 0)} | {s.get('formulas_kept', 0)} of {s['formula_spans']} | {s['glossary_adherence']}% | "
                     f"{'**' + str(lost) + '**' if lost else 0} | {_cell(checks)} |")
    for i, r in failures:
        lines.append(f"\n- failed: {_cell(i)}: {_cell(r)}")
    write_text_atomic(out_dir / "report.md", "\n".join(lines) + "\n")
    return report


def _cell(text) -> str:
    """Source text in a markdown table cell: one line, no HTML, no cell breaks."""
    return " ".join(str(text).split()).replace("<", "&lt;").replace("|", "\\|")
