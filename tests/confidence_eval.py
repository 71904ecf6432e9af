"""Does the model's confidence separate wrong translations from right ones? Translates dev
lines with the packaged model through the pipeline's stages, and for each line compares the
confidence of its answers (mean and lowest token probability, from llama.cpp's logprobs) with
how good the line is: its sentence chrF against the human reference (the worst quarter are
"wrong"), and whether a meaning check flagged it. Prints the AUC of each (0.5: no better than
chance) and writes the per-line figures to tests/data/confidence-<set>.json.

    .venv/bin/python tests/confidence_eval.py ../shared/eval/dev/d2l-dev 60
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sacrebleu.metrics import CHRF  # noqa: E402

from pipeline.backends import create_backend  # noqa: E402
from pipeline.checks.registry import CHECKS  # noqa: E402
from pipeline.context import RunContext  # noqa: E402
from pipeline.document import PARAGRAPH, Article, Block  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stages import LocalRunner, RunResult, run_articles  # noqa: E402

_MEANING = {c.name for c in CHECKS if c.family in ("meaning", "confidence")}


def auc(scores_good: list[float], scores_bad: list[float]) -> float | None:
    """P(a good line scores higher than a bad one), ties half (Mann-Whitney)."""
    if not scores_good or not scores_bad:
        return None
    wins = sum((g > b) + 0.5 * (g == b) for g in scores_good for b in scores_bad)
    return round(wins / (len(scores_good) * len(scores_bad)), 3)


def line_figures(prefix: Path, limit: int) -> list[dict]:
    zh = Path(f"{prefix}.zh").read_text(encoding="utf-8").splitlines()[:limit]
    en = Path(f"{prefix}.en").read_text(encoding="utf-8").splitlines()[:limit]
    settings = Settings(use_memory=False, summaries=False)
    backend = create_backend("llama", prompt_state_dir=settings.prompt_state_dir)
    ctx = RunContext(settings, backend=backend)
    articles = [Article(None, None, None, Path("dev"), i, blocks=[Block(PARAGRAPH, line.strip())])
                for i, line in enumerate(zh, 1)]
    try:
        finished = list(run_articles(articles, ctx, LocalRunner(ctx), RunResult()))
    finally:
        backend.close()
    chrf, rows = CHRF(), []
    for done, ref in zip(finished, en):
        segs = [s for s in done.article.segments if s.translate and s.confidence]
        hyp = " ".join(b.translation for b in done.article.blocks)
        rows.append({
            "line": done.article.index, "chrf": round(chrf.sentence_score(hyp, [ref]).score, 2), "hyp": hyp, "ref": ref,
            "mean": round(sum(s.confidence.mean for s in segs) / len(segs), 4) if segs else None,
            "min": min((s.confidence.minimum for s in segs), default=None),
            "meaning_flagged": any(any(r.name in _MEANING and not r.ok for r in s.qa) for s in done.article.segments),
        })
    return rows


def report(rows: list[dict]) -> dict:
    scored = [r for r in rows if r["mean"] is not None]
    cut = sorted(r["chrf"] for r in scored)[len(scored) // 4]
    out = {"lines": len(scored), "chrf_cut": cut,
           "corpus_chrf": round(CHRF().corpus_score([r["hyp"] for r in rows], [[r["ref"] for r in rows]]).score, 2),
           "meaning_flagged_lines": sum(r["meaning_flagged"] for r in rows)}
    for key in ("mean", "min"):
        out[f"auc_{key}_chrf"] = auc([r[key] for r in scored if r["chrf"] > cut], [r[key] for r in scored if r["chrf"] <= cut])
        out[f"auc_{key}_meaning"] = auc([r[key] for r in scored if not r["meaning_flagged"]],
                                        [r[key] for r in scored if r["meaning_flagged"]])
    return out


if __name__ == "__main__":
    prefix, limit = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 60
    rows = line_figures(prefix, limit)
    figures = report(rows)
    target = REPO / "tests" / "data" / f"confidence-{prefix.name}.json"
    target.write_text(json.dumps({"figures": figures, "lines": rows}, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(figures))
