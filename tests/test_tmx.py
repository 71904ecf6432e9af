"""TMX 1.4b export/import of the translation memory."""

import pytest

from pipeline.store.memory import Entry, MemoryContext, TranslationMemory
from pipeline.store.tmx import TMXError, export_tmx, import_tmx

CTX = MemoryContext("c" * 64, "gv1", "pv1")


def test_export_then_import_into_a_fresh_store_serves_the_same_segments(tmp_path):
    memory = TranslationMemory(tmp_path / "a.sqlite")
    memory.put(CTX, Entry("梯度下降是一种优化方法。", "Gradient descent is an optimisation method."))
    memory.put(CTX, Entry("设$x$为输入 & <b>。", "Let $x$ be the input & <b>.", ("translated piece by piece",)))
    assert export_tmx(memory, tmp_path / "tm.tmx") == 2
    text = (tmp_path / "tm.tmx").read_text(encoding="utf-8")
    assert '<tmx version="1.4">' in text and 'srclang="zh-CN"' in text and 'xml:lang="en"' in text
    fresh = TranslationMemory(tmp_path / "b.sqlite")
    assert import_tmx(fresh, tmp_path / "tm.tmx", MemoryContext("other", "other", "other")) == 2
    back = fresh.get(CTX, "设$x$为输入 & <b>。")
    assert back.translation == "Let $x$ be the input & <b>." and back.flags == ("translated piece by piece",)


@pytest.mark.parametrize("content, message", [
    ("not xml at all <", "not well-formed XML"),
    ("<root/>", "not a TMX file"),
    ('<tmx version="1.4"><header/><body><tu><tuv xml:lang="zh-CN"><seg>中</seg></tuv></tu></body></tmx>',
     "needs a zh and an en"),
    ('<tmx version="1.4"><header/><body><tu><tuv xml:lang="en"/></tu></body></tmx>', "without <seg>"),
])
def test_malformed_tmx_is_a_clear_error_and_adds_nothing(tmp_path, content, message):
    path = tmp_path / "bad.tmx"
    path.write_text(content, encoding="utf-8")
    memory = TranslationMemory(tmp_path / "m.sqlite")
    with pytest.raises(TMXError, match=message):
        import_tmx(memory, path, CTX)
    assert len(memory) == 0


def test_foreign_tmx_is_filed_under_the_given_context(tmp_path):
    path = tmp_path / "cat.tmx"
    path.write_text('<?xml version="1.0"?><tmx version="1.4"><header srclang="zh-CN"/><body><tu>'
                    '<tuv xml:lang="zh-CN"><seg>注意力</seg></tuv><tuv xml:lang="en-US"><seg>attention</seg></tuv>'
                    '</tu></body></tmx>', encoding="utf-8")
    memory = TranslationMemory(tmp_path / "m.sqlite")
    assert import_tmx(memory, path, CTX) == 1 and memory.get(CTX, "注意力").translation == "attention"


def test_import_streams_in_batches_and_a_bad_unit_late_in_the_file_stores_nothing(tmp_path):
    units = "".join(f'<tu><tuv xml:lang="zh-CN"><seg>句子{i}</seg></tuv><tuv xml:lang="en"><seg>sentence {i}</seg></tuv></tu>'
                    for i in range(5000))
    good = tmp_path / "big.tmx"
    good.write_text(f'<tmx version="1.4"><header/><body>{units}</body></tmx>', encoding="utf-8")
    memory, seen = TranslationMemory(tmp_path / "m.sqlite"), []
    assert import_tmx(memory, good, CTX, progress=seen.append) == 5000
    assert seen == [2000, 4000, 5000] and memory.get(CTX, "句子4999").translation == "sentence 4999"
    bad = tmp_path / "bad.tmx"
    bad.write_text(f'<tmx version="1.4"><header/><body>{units}<tu><tuv xml:lang="en"/></tu></body></tmx>',
                   encoding="utf-8")
    fresh = TranslationMemory(tmp_path / "fresh.sqlite")
    with pytest.raises(TMXError, match=r"<tu> #5001 .*without <seg>"):
        import_tmx(fresh, bad, CTX)
    assert len(fresh) == 0
