"""MarianMT backend on a tiny model the tests build themselves (random weights, sentencepiece
vocabulary trained on seed text). These tests cover loading from a local folder, batching and
formula restore through the real transformers code path - NOT translation quality: random
weights produce garbage, which is exactly what exercises the retry and flagging logic."""

from pathlib import Path

import pytest

from pipeline.backends import TranslationRequest, create_backend
from pipeline.ingest.reader import parse_text
from pipeline.backends.model_store import ModelUnavailable
from copying_backend import context_over, formula_integrity, translate_article

def test_loads_from_folder_and_translates_a_batch_deterministically(tiny_model_dir):
    backend = create_backend("marian", model_path=tiny_model_dir, batch_size=2)
    batch = [TranslationRequest(text=t) for t in ["梯度下降{v1}", "注意力机制", "扩散模型的采样"]]
    first = backend.translate(batch)
    assert len(first) == 3 and all(isinstance(r.text, str) and r.confidence is None for r in first)
    assert backend.translate(batch) == first  # greedy decoding: same input, same output
    assert len(backend.model_sha256) == 64 and backend.model_id == f"marian:{tiny_model_dir.name}"


def test_formulas_survive_a_model_that_garbles_everything(tiny_model_dir):
    [article] = parse_text("标题\n\n设$x$为输入,$W$为权重,那么输出是$Wx$。\n\n"
                           "那么\n\\begin{equation}y=Wx\\end{equation}\n成立。\n", Path("t.txt"))
    backend = create_backend("marian", model_path=tiny_model_dir)
    summary = translate_article(article, context_over(backend))
    assert formula_integrity(article).ok and summary["formulas_kept"] == summary["formula_spans"] > 0
    # garbage output is never passed silently: every garbled segment is flagged
    assert article.flags and all(seg.flags for seg in article.segments if seg.translate)


def test_marian_needs_a_real_model_folder(tmp_path):
    with pytest.raises(ModelUnavailable, match="--model-dir"):
        create_backend("marian", model_path=None)
    with pytest.raises(ModelUnavailable, match="missing config.json"):
        create_backend("marian", model_path=tmp_path)


def test_eval_scores_pipeline_and_baseline(tiny_model_dir, seeds_dir):
    from pipeline.measure.evaluate import evaluate_baseline, evaluate_pipeline, format_table, read_parallel

    dev = seeds_dir.parent / "eval" / "dev"
    lines, refs = read_parallel(dev / "d2l-dev.zh", dev / "d2l-dev.en", limit=3)
    backend = create_backend("marian", model_path=tiny_model_dir)
    ours = evaluate_pipeline(lines, refs, context_over(backend, use_glossary=True))
    base = evaluate_baseline(lines, refs, backend)
    assert ours.formula_integrity == 100.0 and 0 <= ours.chrf <= 100 and 0 <= base.chrf <= 100
    assert "nc:6" in ours.chrf_signature and "tok:13a" in ours.bleu_signature
    table = format_table([ours, base], "d2l")
    assert "pipeline - baseline" in table
    # The tiny model renders few terms: each miss is itemised, and they make up the adherence.
    missed = sum(len(m.split(": ", 1)[1].split(", ")) for m in ours.glossary_misses)
    assert ours.glossary_terms > 0 and missed > 0
    assert ours.glossary_adherence == round(100 * (ours.glossary_terms - missed) / ours.glossary_terms, 1)
    assert f"pipeline misses a term on {ours.glossary_misses[0]}" in table


def test_memory_serves_a_rerun_and_only_changed_segments_go_to_the_model(tiny_model_dir, tmp_path):
    from pipeline.store.memory import TranslationMemory

    text = "标题\n\n第一段有公式$x$。\n\n第二段没有公式。\n\n第三段也很短。\n"
    backend = create_backend("marian", model_path=tiny_model_dir)
    first = context_over(backend, use_memory=True, state_dir=tmp_path)
    [a1] = parse_text(text, Path("t.txt"))
    translate_article(a1, first)
    assert sum(s.requests for s in a1.segments) >= 4 and sum(s.from_memory for s in a1.segments) == 0
    assert isinstance(first.memory, TranslationMemory) and first.memory.path == tmp_path / "memory.sqlite"

    again = context_over(backend, use_memory=True, state_dir=tmp_path)
    [a2] = parse_text(text, Path("t.txt"))
    translate_article(a2, again)
    assert sum(s.requests for s in a2.segments) == 0 and sum(s.from_memory for s in a2.segments) == 4
    assert [s.translation for s in a2.segments] == [s.translation for s in a1.segments]

    changed = context_over(backend, use_memory=True, state_dir=tmp_path)
    [a3] = parse_text(text.replace("第二段没有公式", "第二段改过了"), Path("t.txt"))
    translate_article(a3, changed)
    assert sum(s.from_memory for s in a3.segments) == 3 and sum(s.requests for s in a3.segments) >= 1
    assert [s.from_memory for s in a3.segments] == [True, True, False, True]
