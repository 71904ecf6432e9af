"""Every check is declared once, whole (pipeline/checks/registry.py): a declaration missing a
part, or a check function nobody declared, fails here rather than in a user's run."""

import inspect
from pathlib import Path

import pytest

from pipeline.checks import meaning, registry, relations, structure
from pipeline.checks.qa import assess_segment, flag_text
from pipeline.checks.registry import CHECKS, FAMILIES, QUIET_CHECKS, RETRIED, Passage, meaning_problems, retry_request
from pipeline.document import Confidence, Segment
from pipeline.text.protect import find_protected_spans

REGISTRY_SOURCE = Path(registry.__file__).read_text(encoding="utf-8")


def test_each_declaration_is_whole_and_names_are_unique():
    names = [c.name for c in CHECKS]
    assert len(names) == len(set(names))
    for check in CHECKS:
        assert check.family in FAMILIES, check.name
        assert check.reader_words.strip() and not check.reader_words.endswith("."), check.name
        if check.family == "meaning":   # the meaning retry runs them: it must know what to ask
            assert check.ask is not None, f"{check.name}: a meaning check needs its retry request (ask=...)"
        if check.ask is not None:
            request = check.ask("DETAIL")
            assert isinstance(request, str) and len(request) > 20, check.name


@pytest.mark.parametrize("module", [structure, meaning, relations], ids=lambda m: m.__name__)
def test_every_check_function_is_declared(module):
    functions = [name for name, f in inspect.getmembers(module, inspect.isfunction)
                 if name.startswith("check_") and f.__module__ == module.__name__]
    assert functions
    short = module.__name__.rsplit(".", 1)[1]
    missing = [name for name in functions if f"{short}.{name}(" not in REGISTRY_SOURCE]
    assert not missing, f"declare these in pipeline/checks/registry.py: {missing}"


def _segment(zh: str, en: str, confidence: Confidence | None = None) -> Segment:
    seg = Segment(source=zh, spans=find_protected_spans(zh), translation=en)
    seg.confidence = confidence
    return seg


@pytest.mark.parametrize("zh,en", [
    ("梯度为$g$，大约30个。", "The gradient is $g$, about 30."),
    ("", ""),
    ("为什么？", "Why is it the 为 translated as 42 42 42 42 42 42 42 42 42 42 42 42 42 42?"),
])
def test_each_declared_check_reports_under_its_own_name_in_declared_order(zh, en):
    results = assess_segment(_segment(zh, en, Confidence(0.5, 0.01)))
    assert [r.name for r in results] == [c.name for c in CHECKS]
    prose_only = registry.run_checks(Passage(zh, en))   # the retry's re-check: no segment at hand
    assert [r.name for r in prose_only] == [c.name for c in CHECKS]


def test_a_failed_check_reads_in_words_and_quiet_ones_only_in_qa_json():
    seg = _segment("我们没有足够的算力。", "We have enough compute.")
    failed = [r for r in assess_segment(seg) if not r.ok]
    assert [r.name for r in failed] == ["negation"]
    assert "a negation (not / no / never) may have been added or lost" in flag_text(seg, failed[0])
    assert QUIET_CHECKS == {"glossary_adherence", "opposites"}


def test_the_meaning_retry_runs_the_declared_checks_and_asks_in_their_words():
    problems = meaning_problems("我们没有足够的算力，需要3台机器。", "We have enough compute and need 4 machines.")
    assert {p.name for p in problems} == {"negation", "numbers"}
    assert all(p.name in {c.name for c in RETRIED} for p in problems)
    requests = [retry_request(p) for p in problems]
    assert any("negation" in r for r in requests) and any("number" in r for r in requests)
