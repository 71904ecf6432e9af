"""The labelled set of the packaged model's real errors, and every check's precision and recall on it.

How it was made (docs/quality.md, "Real errors"): excerpts (about 3 KB each, cut at a blank line) of 12
documents of tests/data/corpus and of one seed post were translated by the packaged model
(`zh2en translate --no-summary --no-memory`, fresh state); every translated passage that holds
Chinese became a row. Reviewers acting as expert translators, who never saw the checks, the
flags or this code, annotated each row MQM-style (span, category, severity; an empty list: the
passage is clean). Each row keeps what the run said about it at the time (`flags`: the warnings a
reader saw; `confidence`), so the figures of the warnings as they were can be compared with the
checks as they are now, which `measure()` runs again on the row's Chinese and English.

    .venv/bin/python tests/real_error_set.py          # prints the tables
    .venv/bin/python tests/real_error_set.py --write  # and stores them (tests/data/real-errors-figures.json)
    .venv/bin/python tests/real_error_set.py --rescore  # the answers' surprise, from the model again
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.checks.qa import assess_segment  # noqa: E402
from pipeline.checks.registry import QUIET_CHECKS, READER_WORDS  # noqa: E402
from pipeline.document import Confidence, Segment  # noqa: E402
from pipeline.glossary import Glossary  # noqa: E402
from pipeline.text.protect import find_protected_spans, protect  # noqa: E402

SET_FILE = REPO / "tests" / "data" / "real-errors.jsonl"
SERIOUS = ("major", "critical")


def load() -> list[dict]:
    return [json.loads(line) for line in SET_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def serious(row: dict) -> list[dict]:
    return [e for e in row["errors"] if e["severity"] in SERIOUS]


def failed_checks(row: dict, glossary: Glossary) -> list[str]:
    """The names of the checks that fail on the row's passage, as the pipeline runs them now."""
    spans = find_protected_spans(row["zh"])
    seg = Segment(source=row["zh"], spans=spans, translation=row["en"])
    seg.terms = tuple(glossary.terms_in(protect(row["zh"], spans)))
    if row.get("confidence"):
        seg.confidence = Confidence(row["confidence"]["mean"], row["confidence"]["min"],
                                    row["confidence"].get("surprise"))
    return [r.name for r in assess_segment(seg, glossary) if not r.ok]   # quiet ones too (QUIET_CHECKS)


_CHECK_WORDS = tuple(READER_WORDS.values())


def _run_warnings(row: dict) -> list[str]:
    """The run's warnings that no check raised (translated piece by piece, left in Chinese...):
    the checks' own are counted as the checks run now."""
    return [flag for flag in row["flags"] if not any(words in flag for words in _CHECK_WORDS)]


def _auc(scored: list[tuple[float, bool]]) -> float | None:
    """How often a passage with a serious error has a lower score than one without (ties: half)."""
    bad = [score for score, serious_error in scored if serious_error]
    good = [score for score, serious_error in scored if not serious_error]
    if not bad or not good:
        return None
    return round(sum((b < g) + 0.5 * (b == g) for b in bad for g in good) / (len(bad) * len(good)), 3)


def _ratio(hits: int, total: int) -> float | None:
    return round(100 * hits / total, 1) if total else None


def measure(rows: list[dict] | None = None) -> dict:
    """Per check: segments it fires on, precision (of those, the share with a major or critical
    error) and recall (of the segments with one, the share it fires on; of critical errors, the
    share whose segment it fires on). Plus the union of the checks, and the warnings the run
    showed the reader when the set was made."""
    rows = load() if rows is None else rows
    glossary = Glossary.default()
    fired = {row["id"]: failed_checks(row, glossary) for row in rows}
    bad = {row["id"] for row in rows if serious(row)}
    critical = [(row["id"], e) for row in rows for e in row["errors"] if e["severity"] == "critical"]
    errors = [(row["id"], e) for row in rows for e in serious(row)]

    def figures(name: str, hit: set[str]) -> dict:
        return {"check": name, "fires": len(hit), "precision": _ratio(len(hit & bad), len(hit)),
                "recall": _ratio(len(hit & bad), len(bad)),
                "serious_errors_pointed_at": _ratio(sum(i in hit for i, _ in errors), len(errors)),
                "critical_errors_pointed_at": _ratio(sum(i in hit for i, _ in critical), len(critical))}

    names = sorted({n for names in fired.values() for n in names})
    table = [figures(n, {i for i, names in fired.items() if n in names}) for n in names]
    table.append(figures("any check (now)", {i for i, names in fired.items() if names}))
    table.append(figures("reader-facing warnings (at labelling)", {row["id"] for row in rows if row["flags"]}))
    # What a reader is warned of now: the checks that raise warnings, and the run's other warnings
    # (a passage translated piece by piece, left in Chinese...), which no check change removes.
    table.append(figures("reader-facing warnings (now)", {row["id"] for row in rows if _run_warnings(row) or any(
        n not in QUIET_CHECKS for n in fired[row["id"]])}))
    return {
        "lowest_token_probability_auc": _auc([(row["confidence"]["min"], row["id"] in bad) for row in rows
                                              if row.get("confidence")]),
        "documents": len({row["doc"] for row in rows}), "segments": len(rows),
        "clean_segments": sum(not row["errors"] for row in rows),
        "segments_with_serious_errors": len(bad),
        "errors_by_severity": dict(Counter(e["severity"] for row in rows for e in row["errors"])),
        "serious_errors_by_category": dict(Counter(e["category"] for _, e in errors).most_common()),
        "checks": table,
    }


def format_table(report: dict) -> str:
    lines = [f"{report['documents']} documents, {report['segments']} passages ({report['clean_segments']} clean, "
             f"{report['segments_with_serious_errors']} with a major or critical error); errors "
             f"{report['errors_by_severity']}; lowest token probability AUC {report['lowest_token_probability_auc']}",
             "",
             "| check | fires | precision % | recall % (passages) | major+critical pointed at % | critical pointed at % |",
             "|---|---:|---:|---:|---:|---:|"]
    for c in report["checks"]:
        lines.append(f"| {c['check']} | {c['fires']} | {c['precision']} | {c['recall']} | "
                     f"{c['serious_errors_pointed_at']} | {c['critical_errors_pointed_at']} |")
    lines += ["", "Major and critical errors by category: " + ", ".join(
        f"{k} {v}" for k, v in report["serious_errors_by_category"].items())]
    return "\n".join(lines)


FIGURES_FILE = REPO / "tests" / "data" / "real-errors-figures.json"


def measure_splits() -> dict:
    """The figures on the documents the thresholds were chosen on, on the others, and on all."""
    everything = load()
    return {"tune": measure([r for r in everything if r["split"] == "tune"]),
            "held-out": measure([r for r in everything if r["split"] == "held-out"]),
            "all": measure(everything)}


def rescore(rows: list[dict], work: Path) -> int:
    """The answers' surprise (Confidence.surprise), measured after the set was made: each
    document's passages translated again by the packaged model, as the set was made; a passage
    whose answer comes back word for word the same gains the surprise of that answer (its lowest
    and mean probability stay as recorded); the others keep none. Returns how many gained one."""
    from pipeline.context import RunContext
    from pipeline.ingest.reader import read_file
    from pipeline.settings import Settings
    from pipeline.stages import LocalRunner, RunResult, run_articles

    ctx = RunContext(Settings(use_memory=False, summaries=False, state_dir=work / "state"))
    gained = 0
    try:
        for doc in dict.fromkeys(row["doc"] for row in rows):
            passages = [row for row in rows if row["doc"] == doc]
            source = work / f"{doc}.md"
            source.write_text("\n\n".join(row["zh"] for row in passages) + "\n", encoding="utf-8")
            answers = {}
            for done in run_articles(read_file(source), ctx, LocalRunner(ctx), RunResult()):
                answers.update({(seg.source, seg.translation): seg.confidence for seg in done.article.segments})
            for row in passages:
                confidence = answers.get((row["zh"], row["en"]))
                if row.get("confidence") and confidence is not None and confidence.surprise is not None:
                    row["confidence"]["surprise"] = confidence.surprise
                    gained += 1
            print(doc, len(passages), "passages", file=sys.stderr)
    finally:
        ctx.close()
    return gained


if __name__ == "__main__":
    if "--rescore" in sys.argv:   # the real model, ~1 hour on 2 cores: rows gain their answers' surprise
        import tempfile

        everything = load()
        print(rescore(everything, Path(tempfile.mkdtemp(prefix="zh2en-rescore-"))), "passages gained a surprise")
        SET_FILE.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in everything), encoding="utf-8")
    figures = measure_splits()
    for split, report in figures.items():
        print(f"## {split}\n\n{format_table(report)}\n")
    if "--write" in sys.argv:   # after a change to a check: the test holds these, docs/quality.md shows them
        FIGURES_FILE.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
