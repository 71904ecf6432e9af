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
    ("normalization", "the normalised vectors", True),              # British spelling
    ("matrix", "two matrices", True),                               # Latin plural
    ("convolutional neural network (CNN)", "both CNNs", True),       # acronym plural
    ("self-attention", "self attention layers", True),
    ("gradient clipping", "the gradient is clipped", False),        # words apart are not the term
    ("constraint", "the weights are constrained", True),            # constrain- begins constraint
    ("dimension", "a 70-billion-dimensional vector", True),
    ("embedding", "we embed the curve", True),
    ("pre-training", "we pretrain on short texts", True),
    ("multi-head attention", "multi head attention", True),
    ("norm", "the normal case", False),            # 4 letters: too short to match by its beginning
    ("attention", "attentive readers", True),   # one stem: the stemmer's choice, tolerated
    ("NSA", "As a national security advisor, he", True),          # an acronym's expansion
    ("ISIL", "fighters of the Islamic State of Iraq and the Levant", True),   # small words skipped
    ("ISIL", "captured Islamic State fighters", False),            # IS, not ISIL
    ("NSA", "no such agreement was signed", False),                 # no, such: not words an acronym spells
    ("GPU", "on a graphics processing unit", True),
    ("ML", "more likely", False),                                   # two letters: too loose to expand
])
def test_rendering_is_case_and_inflection_tolerant(glossary, en, translation, ok):
    assert glossary.rendered(en, translation) is ok


def test_accepted_variants_come_from_the_fourth_column(tmp_path, glossary):
    assert glossary.rendered("constraint", "the weights are constrained", zh="约束")
    assert glossary.missing([("均值", "mean")], "the average of the losses") == []
    path = write(tmp_path, "v.tsv", "zh\ten\tnote\tvariants\n收缩\tshrinkage\t\tcontraction; shrink\n")
    mine = Glossary.load([path])
    assert mine.terms["收缩"].variants == ("contraction", "shrink")
    assert mine.missing([("收缩", "shrinkage")], "the map shrinks distances") == []
    assert mine.missing([("收缩", "shrinkage")], "the map grows") == [("收缩", "shrinkage")]
    assert mine.version != Glossary.load([write(tmp_path, "w.tsv", "收缩\tshrinkage\n")]).version


def test_a_term_after_a_negating_character_belongs_to_another_word(glossary):
    found = dict(glossary.terms_in("模型的不一致性与一致性模型无关；非线性的网络"))
    assert "一致性" not in found            # 不一致性 = inconsistency, not consistency
    assert found["一致性模型"] == "consistency model"
    assert "非线性" in found and "线性" not in found


def test_set_phrases_of_mathematical_writing_are_terms(glossary):
    found = dict(glossary.terms_in("当且仅当A成立；不妨设x>0；这是充要条件"))
    assert found == {"当且仅当": "if and only if", "不妨设": "without loss of generality",
                     "充要条件": "necessary and sufficient condition"}
    assert glossary.rendered(found["不妨设"], "We may assume x > 0.", zh="不妨设")


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


@pytest.mark.parametrize("text, found, not_found", [
    ("它跟RNN一样本质上都是常数量级的", ["常数"], ["样本"]),        # 一样|本质: no 样本 there
    ("给定训练样本，该函数", ["样本"], []),
    ("是其子词向量的和", ["子词"], []),                            # 其子 is a word, 词向 is not
    ("最多可组合$64$对数字。", [], ["对数"]),                       # 64对|数字: a measure word
    ("最多可组合{v2}对数字。", [], ["对数"]),                       # ... after the formula's placeholder
    ("打印出$0, 1, \\ldots, 7$的二进制表示形式", [], ["进制"]),
    ("取以2为底的对数即可", ["对数"], []),                          # 的对数: a logarithm
])
def test_a_term_split_by_its_neighbours_is_not_found(text, found, not_found):
    terms = dict(Glossary.default().terms_in(text))
    assert all(zh in terms for zh in found) and not any(zh in terms for zh in not_found)


def test_a_single_common_character_is_refused_a_rare_one_kept(tmp_path):
    """`的 -> of` would match inside nearly every sentence and flag it; 熵 (entropy) is a term."""
    with pytest.raises(GlossaryError, match=r"common.tsv:1: '点' is a single common character"):
        Glossary.load([write(tmp_path, "common.tsv", "点\tpoint\n")])
    assert Glossary.load([write(tmp_path, "rare.tsv", "熵\tentropy\n")]).terms["熵"].en == "entropy"
