"""`zh2en eval`: translate parallel lines through the full pipeline and score them with
sacrebleu (BLEU, chrF) against human references, with the QA aggregates; optionally the same
model with a plain prompt (no placeholders, glossary or retries) as a baseline."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sacrebleu.metrics import BLEU, CHRF

from pipeline.context import RunContext
from pipeline.document import PARAGRAPH, Article, Block
from pipeline.text.protect import find_protected_spans
from pipeline.checks.qa import pct
from pipeline.output.report import aggregate
from pipeline.stages import LocalRunner, RunResult, run_articles
from pipeline.text.han import HAN


@dataclass
class SystemScore:
    name: str
    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    formula_integrity: float
    formula_spans: int
    glossary_adherence: float | None
    residue_segments: int
    flagged_segments: int | None
    seconds: float
    requests: int | None = None       # model requests and prompt tokens sent (the cost of
    tokens_sent: int | None = None    # retries, glossary lines and context)
    glossary_terms: int | None = None
    glossary_misses: list[str] | None = None   # "line N: 对数=logarithm", so a figure can be checked

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def read_parallel(src: Path, ref: Path, limit: int | None) -> tuple[list[str], list[str]]:
    zh = Path(src).read_text(encoding="utf-8").splitlines()
    en = Path(ref).read_text(encoding="utf-8").splitlines()
    if len(zh) != len(en):
        raise ValueError(f"{src} has {len(zh)} lines but {ref} has {len(en)}: they must pair line by line")
    if limit:
        zh, en = zh[:limit], en[:limit]
    return zh, en


def score(name: str, hyps: list[str], refs: list[str], seconds: float, qa: dict) -> SystemScore:
    bleu, chrf = BLEU(), CHRF()
    b, c = bleu.corpus_score(hyps, [refs]), chrf.corpus_score(hyps, [refs])
    return SystemScore(name, round(b.score, 2), round(c.score, 2), str(bleu.get_signature()),
                       str(chrf.get_signature()), qa["formula_integrity"], qa["formula_spans"],
                       qa.get("glossary_adherence"), qa["residue_segments"], qa.get("flagged_segments"),
                       round(seconds, 1))


def evaluate_pipeline(lines: list[str], refs: list[str], ctx: RunContext) -> SystemScore:
    """The lines as the paragraphs of one article (so each has the one before as its context,
    if context is on), all through the pipeline's stages at once."""
    started = time.perf_counter()
    requests, tokens = ctx.backend.requests, ctx.backend.tokens_in
    article = Article(title=None, date=None, author=None, source=Path("eval"), index=1,
                      blocks=[Block(PARAGRAPH, line.strip()) for line in lines])
    run = RunResult()
    finished = list(run_articles([article], ctx, LocalRunner(ctx), run))
    if run.failures:
        raise RuntimeError(run.failures[0][1])
    hyps = [block.translation for block in finished[0].article.blocks]
    scored = score("pipeline", hyps, refs, time.perf_counter() - started, aggregate([d.qa for d in finished]))
    scored.requests, scored.tokens_sent = ctx.backend.requests - requests, ctx.backend.tokens_in - tokens
    scored.glossary_terms = finished[0].qa["glossary_terms"]
    scored.glossary_misses = glossary_misses(finished[0].article)
    return scored


def glossary_misses(article: Article) -> list[str]:
    """Each line's terms its translation misses, as the glossary check reported them."""
    return [f"line {n}: {check.detail}" for n, block in enumerate(article.blocks, 1)
            for seg in block.segments for check in seg.qa
            if check.name == "glossary_adherence" and not check.ok]


def evaluate_baseline(lines: list[str], refs: list[str], backend) -> SystemScore:
    started = time.perf_counter()
    hyps = [" ".join(h.split()) for h in backend.translate_plain([ln.strip() for ln in lines])]
    spans_total = spans_ok = residue = 0
    for line, hyp in zip(lines, hyps):
        for span in find_protected_spans(line):
            spans_total += 1
            spans_ok += span.text in hyp
        residue += bool(HAN.search(hyp))
    qa = {"formula_integrity": pct(spans_ok, spans_total), "formula_spans": spans_total, "residue_segments": residue}
    return score("baseline", hyps, refs, time.perf_counter() - started, qa)


def format_table(results: list[SystemScore], dataset: str) -> str:
    rows = [f"{dataset}", "| system | BLEU | chrF | formula integrity | glossary adherence | residue | flagged | "
            "seconds | requests | tokens sent |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        gloss = "-" if r.glossary_adherence is None else f"{r.glossary_adherence}%" + (
            f" of {r.glossary_terms}" if r.glossary_terms is not None else "")
        flagged = "-" if r.flagged_segments is None else str(r.flagged_segments)
        rows.append(f"| {r.name} | {r.bleu} | {r.chrf} | {r.formula_integrity}% of {r.formula_spans} | "
                    f"{gloss} | {r.residue_segments} | {flagged} | {r.seconds} | {_or_dash(r.requests)} | "
                    f"{_or_dash(r.tokens_sent)} |")
    rows.append("")
    for r in results:
        rows += [f"{r.name} misses a term on {miss}" for miss in r.glossary_misses or []]
    rows.append(f"BLEU: {results[0].bleu_signature}")
    rows.append(f"chrF: {results[0].chrf_signature}")
    if len(results) == 2:
        rows.append(f"pipeline - baseline: chrF {results[0].chrf - results[1].chrf:+.2f}, "
                    f"BLEU {results[0].bleu - results[1].bleu:+.2f}")
    return "\n".join(rows)


def _or_dash(value) -> str:
    return "-" if value is None else str(value)
