"""Translation memory keys: only the same model, glossary and prompt get a hit."""

from pipeline.store.memory import Entry, MemoryContext, TranslationMemory


def test_hits_need_the_same_model_glossary_and_prompt(tmp_path):
    memory = TranslationMemory(tmp_path / "m.sqlite")
    ctx = MemoryContext("a" * 64, "g1", "p1")
    memory.put(ctx, Entry("梯度下降。", "Gradient descent.", ("flag",), ("note",), 2))
    hit = memory.get(ctx, "梯度下降。")
    assert hit == Entry("梯度下降。", "Gradient descent.", ("flag",), ("note",), 2)
    assert memory.get(ctx, "  梯度下降。\n") == hit          # whitespace-normalised source
    for other in (MemoryContext("b" * 64, "g1", "p1"), MemoryContext("a" * 64, "g2", "p1"),
                  MemoryContext("a" * 64, "g1", "p2")):
        assert memory.get(other, "梯度下降。") is None
    memory.close()
    reopened = TranslationMemory(tmp_path / "m.sqlite")      # committed at once: survives a restart
    assert len(reopened) == 1 and reopened.get(ctx, "梯度下降。").translation == "Gradient descent."
