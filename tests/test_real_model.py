"""The real packaged model (Qwen2.5-Coder-1.5B, llama.cpp): few, short tests."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from copying_backend import context_over, formula_integrity, translate_article
from pipeline.ingest.reader import parse_text
from pipeline.checks.qa import assess_article
from pipeline.settings import Settings

pytestmark = pytest.mark.model

TWO_PARAGRAPHS = (
    "梯度裁剪\n\n"
    "我们知道,梯度裁剪是让训练更加平稳的常用技巧,其中$\\tau$是裁剪阈值。\n\n"
    "假设预训练参数为$W_0 \\in \\mathbb{R}^{n\\times m}$,那么增量也是一个$n\\times m$矩阵。\n"
)


def test_two_paragraphs_formulas_intact_and_no_chinese_left(llama_backend):
    [article] = parse_text(TWO_PARAGRAPHS, Path("two.txt"))
    translate_article(article, context_over(llama_backend))
    assert formula_integrity(article).ok, formula_integrity(article).detail
    assert assess_article(article)["residue_segments"] == 0, [s.flags for s in article.segments]
    english = " ".join(b.translation for b in article.blocks)
    for span in ("$\\tau$", "$W_0 \\in \\mathbb{R}^{n\\times m}$", "$n\\times m$"):
        assert english.count(span) == 1
    assert "clip" in article.title_en.lower()


def test_cli_writes_a_bilingual_file(tmp_path):
    source = tmp_path / "one.txt"
    source.write_text("设$x$为输入向量,则输出为$Wx$。\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "zh2en", "translate", str(source), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    [written] = [p for p in out.glob("*.md") if p.name != "report.md" and not p.name.endswith(".en.md")]
    assert proc.stdout.strip() == str(written)
    text = written.read_text(encoding="utf-8")
    english = text.split("<!-- en -->", 1)[1]
    assert "$x$" in english and "$Wx$" in english
    assert "wrote 1 file(s)" in proc.stderr and re.search(r" in \d+\.\d s: formulas intact 100\.0%", proc.stderr)


def test_summary_of_a_seed_article_is_held_to_the_article(llama_backend, seed_articles):
    from pipeline.summarize import summarize_article
    from pipeline.text.han import HAN

    # "Why is the default norm of gradient clipping 1?": short, with inline formulas
    article = next(a for a in seed_articles if a.date == "2 Jan")
    translate_article(article, context_over(llama_backend, use_glossary=True))
    result = summarize_article(article, llama_backend.complete)
    assert result.text and result.flags == []
    assert not re.search(r"\{\s*v\d+\s*\}|\[\[\d+\]\]|<m\d+/>", result.text)  # no placeholder
    assert not HAN.search(result.text) and len(result.text) <= 900
    spans = {s.text for seg in article.segments for s in seg.spans}
    for formula in re.findall(r"\$[^$]+\$", result.text):
        assert formula in spans  # a formula in a summary is a real span of the article
    # every sentence shown is aligned to the article sentences it comes from, and passed
    check = result.details
    assert check["mode"] in ("condensed", "extractive") and check["sentences"]
    chosen = {c["index"] for c in check["chosen"]}
    for sentence in check["sentences"]:
        assert sentence["sources"] and set(sentence["sources"]) <= chosen and not sentence["problems"]
        assert sentence["text"] in result.text


def test_new_paragraph_full_of_glossary_terms_renders_them(llama_backend):
    """Text written for this test (not from the seeds), dense with the required terms."""
    from pipeline.glossary import Glossary

    glossary = Glossary.default()
    [article] = parse_text(
        "术语测试\n\n大语言模型的训练常用梯度裁剪和权重衰减。扩散模型可以通过蒸馏加速,而注意力机制依赖位置编码。\n",
        Path("terms.txt"))
    translate_article(article, context_over(llama_backend, use_glossary=True))
    paragraph = article.blocks[0].segments
    english = " ".join(seg.translation for seg in paragraph)
    terms = glossary.terms_in(article.blocks[0].source)
    assert len(terms) >= 6
    assert glossary.missing(terms, english) == [], english


def test_a_new_process_restores_the_system_prompt_instead_of_computing_it(tmp_path, monkeypatch):
    from pipeline.backends.base import TranslationRequest
    from pipeline.backends.llama import LlamaBackend

    first = LlamaBackend(tmp_path / "llama-slots", slots=2)
    computed_by_first = first.tokens_computed   # the rule prompt, computed once and saved
    first.close()
    assert computed_by_first > 150 and len(list((tmp_path / "llama-slots").glob("*.bin"))) == 1
    second = LlamaBackend(tmp_path / "llama-slots", slots=2)
    try:
        assert second.tokens_computed == 0   # restored into both slots
        second.translate([TranslationRequest(text="梯度下降。"), TranslationRequest(text="注意力机制。")])
        assert second.tokens_in > 2 * computed_by_first and second.tokens_computed < computed_by_first / 2
    finally:
        second.close()
    # with a summary prompt, the last slot keeps it: saved once, restored by the next process
    from pipeline.summarize.summary import SYSTEM as SUMMARY_SYSTEM

    LlamaBackend(tmp_path / "llama-slots", slots=3, summary_prompt=SUMMARY_SYSTEM).close()
    assert len(list((tmp_path / "llama-slots").glob("*.bin"))) == 2
    third = LlamaBackend(tmp_path / "llama-slots", slots=3, summary_prompt=SUMMARY_SYSTEM)
    try:
        assert third.tokens_computed == 0
        third.complete(SUMMARY_SYSTEM, "Gradient descent minimises the loss.", max_tokens=8)
        assert third.tokens_computed < 40 < third.tokens_in   # only the user's words were computed
    finally:
        third.close()


def test_bench_figures_are_consistent(llama_backend):
    from pipeline.measure.bench import run_bench

    [article] = parse_text(TWO_PARAGRAPHS, Path("two.txt"))
    report = run_bench(llama_backend, [article], Settings(use_glossary=False), decode_tokens=16)
    naive, cold, warm = report["runs"]
    assert naive["requests"] == report["paragraphs"] == 3   # title + two paragraphs
    assert cold["requests"] >= report["segments"] and warm["requests"] == 0 == report["warm_model_requests"]
    for run in (naive, cold):
        assert 0 < run["tokens_computed"] <= run["tokens_in"] and run["tokens_out"] > 0
    assert sum(report["pipeline_requests_by_stage"].values()) == cold["requests"]
    for stage, fixed in report["pipeline_fixed_by_stage"].items():   # a stage fixes at most a segment per request
        assert 0 <= fixed <= report["pipeline_requests_by_stage"][stage]
    assert set(report["decode_tokens_per_s"]) == {1, 2, 4}
    assert 0 < report["compute_floor_s"] and report["pipeline_over_floor"] > 0
    assert {t["target"]: t["met"] for t in report["targets"]}["warm re-run (s)"] is True
