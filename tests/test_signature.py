"""Versions are derived from the code (pipeline/signature.py): a comment, docstring or line break
changes nothing; a change to the code does; qa.json shows them."""

import importlib.util
import json
import sys

from pipeline.signature import code_signature


def _module(tmp_path, folder: str, source: str, name: str = "prompts_under_test"):
    """`source` as a module of one name (the name is part of the signature), from its own folder."""
    (tmp_path / folder).mkdir()
    path = tmp_path / folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BASE = '"""A prompt."""\nPROMPT = "Translate into English."\n\n\ndef ask(x):\n    return PROMPT + x\n'


def test_the_signature_follows_the_code_not_its_comments(tmp_path):
    base = code_signature("t", [_module(tmp_path, "m0", BASE)])
    assert base.startswith("t-") and len(base) == 14
    same = [  # a comment, another docstring, other line breaks and spaces
        '"""Another docstring."""\nPROMPT = "Translate into English."   # why\n\ndef ask(x):\n    """Asks."""\n'
        '    return (PROMPT\n            + x)\n',
    ]
    changed = [  # the prompt's text, the rule
        BASE.replace("English.", "English!"),
        BASE.replace("PROMPT + x", "x + PROMPT"),
    ]
    assert all(code_signature("t", [_module(tmp_path, f"s{i}", src)]) == base for i, src in enumerate(same))
    assert all(code_signature("t", [_module(tmp_path, f"c{i}", src)]) != base for i, src in enumerate(changed))
    assert code_signature("t", [_module(tmp_path, "m1", BASE)], "extra") != base


def test_the_written_qa_json_shows_the_versions(tmp_path):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from copying_backend import CopyingBackend, context_over

    from pipeline.checks.qa import CHECKS_VERSION
    from pipeline.ingest.reader import parse_text
    from pipeline.stages import LocalRunner, RunResult, run_articles
    from pipeline.summarize import SUMMARY_PROMPT_VERSION
    from pipeline.translate import TRANSLATOR_VERSION

    [article] = parse_text("标题\n\n梯度下降。\n", tmp_path / "a.txt")
    ctx = context_over(CopyingBackend())
    (tmp_path / "out").mkdir()
    list(run_articles([article], ctx, LocalRunner(ctx), RunResult(), tmp_path / "out"))
    [qa_file] = (tmp_path / "out").glob("*.qa.json")
    qa = json.loads(qa_file.read_text(encoding="utf-8"))
    assert qa["versions"] == {"translator": TRANSLATOR_VERSION, "summary": SUMMARY_PROMPT_VERSION,
                              "checks": CHECKS_VERSION}
    assert qa["checks_version"] == CHECKS_VERSION
    assert ctx.translator.memory_context.prompt_version.startswith(TRANSLATOR_VERSION + "/")
