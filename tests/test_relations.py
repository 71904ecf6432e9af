"""The pair and qualifier checks (pipeline/checks/relations.py), on the kinds of errors the blind
review of real posts found (tests/data/real-errors.jsonl)."""

from hypothesis import given, strategies as st

from pipeline.checks.relations import check_opposites, check_qualifiers


def test_an_opposite_is_caught_as_a_pair_not_as_a_word():
    assert not check_opposites("取其实部", "take its imaginary part").ok
    assert not check_opposites("块内的计算", "the computation between blocks").ok
    assert check_opposites("块内注意力和块间注意力", "attention within and between blocks").ok   # both sides named
    assert check_opposites("取其实部", "take its real part").ok
    assert check_opposites("前者更快", "the former is faster than the latter").ok   # the right word is there


def test_a_number_that_loses_its_qualifier_is_caught():
    assert not check_qualifiers("仅一万行左右", "consists of only 10,000 lines of code").ok
    assert check_qualifiers("仅一万行左右", "only about 10,000 lines").ok
    assert not check_qualifiers("至少需要3个GPU", "needs 3 GPUs").ok
    assert check_qualifiers("至少需要3个GPU", "needs at least 3 GPUs").ok
    assert check_qualifiers("误差在5%以内", "the error is within 5%").ok
    assert not check_qualifiers("这是主流做法之一", "this is the mainstream approach").ok
    assert check_qualifiers("这是主流做法之一", "this is one of the mainstream approaches").ok
    assert check_qualifiers("以上就是全部内容", "that is all").ok   # 以上 without a number: "the above"


@given(st.text(max_size=200), st.text(max_size=200))
def test_any_text_is_checked_without_error(zh, en):
    assert check_opposites(zh, en).name == "opposites"
    assert check_qualifiers(zh, en).name == "qualifiers"
