"""QA checks (each can fail), the per-article summary and the run report."""

import json

import pytest

from pipeline.glossary import Glossary
from pipeline.checks.qa import assess_article, percentages, qa_line
from pipeline.checks.structure import (QAConfig, check_length_ratio, check_repetition, check_residue,
                                       check_sentence_coverage, structural_problems)
from pipeline.output.report import write_run_report
from test_render import translated_article

CFG = QAConfig()


def test_residue_ratio_coverage_and_repetition_checks_fail_when_they_should():
    assert check_residue("", "all English").ok
    assert not check_residue("", "the 同期 work").ok
    zh = "这是一个相当长的中文句子,用来检查英文译文的长度是否合理。第二句话也在这里。"
    assert check_length_ratio(zh, "This is a fairly long Chinese sentence used to check whether the English "
                                  "length is reasonable. The second sentence is here too.", CFG).ok
    assert not check_length_ratio(zh, "A short line.", CFG).ok
    assert check_sentence_coverage(zh, "One. Two.").ok
    assert not check_sentence_coverage(zh, "Only one sentence survived.").ok
    assert check_repetition("a b c d e f g", CFG).ok
    assert not check_repetition("the model is the model is the model is the model is good", CFG).ok
    # a dropped sentence needs both signals (docs/design.md's rule), so a terse but complete
    # answer is not called a drop
    assert structural_problems(zh, "Only one sentence survived.", CFG)
    assert not structural_problems(zh, "This is a fairly long sentence used to check the English length; "
                                       "the second sentence is here too, as it should be.", CFG)


def test_thresholds_come_from_configuration(monkeypatch):
    from pydantic import ValidationError

    from pipeline.settings import Settings

    monkeypatch.setenv("ZH2EN_QA__MIN_LENGTH_RATIO", "1.0")
    assert Settings().qa.min_length_ratio == 1.0 and Settings().qa.max_length_ratio == QAConfig().max_length_ratio
    monkeypatch.setenv("ZH2EN_QA__NONSENSE", "1")
    with pytest.raises(ValidationError, match="nonsense"):
        Settings()


def test_article_summary_flags_failures_and_report_aggregates(tmp_path):
    article = translated_article()
    glossary = Glossary.default()
    for seg in article.segments:
        seg.terms = tuple(glossary.terms_in(seg.source))
    # break one formula: the summary must see it and the segment must be flagged
    broken = next(s for s in article.segments if s.spans and s.translate)
    broken.translation = broken.translation.replace(broken.spans[0].text, "")
    summary = assess_article(article, glossary)
    assert summary["formulas_kept"] < summary["formula_spans"] and summary["failed_checks"]["formula_integrity"] == 1
    assert percentages(summary)["formula_integrity"] < 100
    assert any("a formula did not come through unchanged" in f for f in broken.flags)
    assert summary["flagged"] >= 1 and f"flagged {summary['flagged']}" in qa_line(summary)
    report = write_run_report(tmp_path, [summary], [("bad.txt", "not UTF-8")], 1.5, "m")
    assert json.loads((tmp_path / "report.json").read_text())["totals"] == report["totals"]
    md = (tmp_path / "report.md").read_text()
    assert "formulas intact" in md and "bad.txt" in md and "page.txt#1" in md
