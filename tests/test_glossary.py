"""The technical glossary: contents, validation, longest-match finding, rendering checks."""

import pytest

from pipeline.glossary import Glossary, GlossaryError, read_terms

REQUIRED = {
    "扩散模型": "diffusion model", "蒸馏": "distillation", "注意力": "attention",
    "注意力机制": "attention mechanism", "梯度裁剪": "gradient clipping", "权重衰减": "weight decay",
    "低秩近似": "low-rank approximation", "插值分解": "interpolative decomposition",
    "位置编码": "position encoding", "旋转位置编码": "rotary position embedding (RoPE)",
    "大语言模型": "large language model", "流模型": "flow model", "苏剑林": "Su Jianlin",
    "科学空间": "Scientific Spaces",
}


@pytest.fixture(scope="module")
def glossary():
    return Glossary.default()


def test_builtin_glossary_is_large_and_has_the_required_terms(glossary):
    assert len(glossary) >= 300
    for zh, en in REQUIRED.items():
        assert glossary.terms[zh].en == en


def test_longest_match_wins(glossary):
    found = glossary.terms_in("注意力机制真的可以集中注意力吗?旋转位置编码")
    assert found == [("注意力机制", "attention mechanism"), ("注意力", "attention"),
                     ("旋转位置编码", "rotary position embedding (RoPE)")]


def test_seed_terms_are_covered(glossary, seed_articles):
    text = "".join(b.source for a in seed_articles for b in a.all_blocks)
    found = {zh for zh, _ in glossary.terms_in(text)}
    for zh in ("扩散模型", "蒸馏", "梯度裁剪", "权重衰减", "低秩近似之路", "插值分解", "流模型", "注意力机制"):
        assert zh in found


@pytest.mark.parametrize("en, translation, ok", [
    ("diffusion model", "Diffusion models are popular", True),
    ("distillation", "the model was distilled", True),
    ("gradient clipping", "gradient-clipping helps", True),
    ("rotary position embedding (RoPE)", "we use RoPE", True),
    ("rotary position embedding (RoPE)", "rotary position embeddings work", True),
    ("low-rank approximation", "a low rank approximation", True),
    ("weight decay", "weight regularisation", False),
    ("attention", "the focus", False),
])
def test_rendering_is_case_and_inflection_tolerant(glossary, en, translation, ok):
    assert glossary.rendered(en, translation) is ok


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_validation_names_file_and_line(tmp_path):
    bad_fields = write(tmp_path, "a.tsv", "zh\ten\tnote\n注意力\tattention\t\n梯度\n")
    with pytest.raises(GlossaryError, match=r"a\.tsv:3: expected zh<TAB>en<TAB>note"):
        read_terms(bad_fields)
    empty = write(tmp_path, "b.tsv", "注意力\t\tnote\n")
    with pytest.raises(GlossaryError, match=r"b\.tsv:1: empty en field"):
        read_terms(empty)
    dup = write(tmp_path, "c.tsv", "注意力\tattention\n# comment\n注意力\tattention\n")
    with pytest.raises(GlossaryError, match=r"c\.tsv:3: duplicate entry for '注意力' \(first at .*c\.tsv:1\)"):
        Glossary.load([dup])
    conflict = write(tmp_path, "d.tsv", "注意力\tfocus\n")
    with pytest.raises(GlossaryError, match=r"d\.tsv:1: '注意力' -> 'focus' conflicts with 'attention'"):
        Glossary.load([write(tmp_path, "e.tsv", "注意力\tattention\n"), conflict])


def test_user_glossary_overrides_builtin_and_babeldoc_csv(tmp_path):
    user = write(tmp_path, "mine.tsv", "注意力\tattention weighting\tmy house style\n")
    with pytest.raises(GlossaryError, match=r"broken\.csv:1: expected a header"):
        Glossary.default([user, write(tmp_path, "broken.csv", "source;target\n")])
    csv_ok = write(tmp_path, "ok.csv", "source,target,tgt_lng\n苏神,Su Jianlin,en\n苏神,Su Shen,fr\n")
    g = Glossary.default([user, csv_ok])
    assert g.terms["注意力"].en == "attention weighting"
    assert g.terms["苏神"].en == "Su Jianlin"
    assert g.version != Glossary.default().version
