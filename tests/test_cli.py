"""CLI behaviour that needs no model: bad input gives one clear line and a non-zero exit."""

import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "zh2en", *args], capture_output=True, text=True, timeout=120)


def test_missing_path_is_one_line_and_exit_1(tmp_path):
    proc = run("translate", str(tmp_path / "absent.txt"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"zh2en: error: {tmp_path / 'absent.txt'}: no such file or folder"
    assert not (tmp_path / "out").exists()


def test_unknown_backend_and_missing_marian_folder(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("中文段落。\n", encoding="utf-8")
    proc = run("translate", str(src), "--backend", "nope")
    assert proc.returncode == 2 and "unknown backend 'nope'" in proc.stderr
    proc = run("translate", str(src), "--backend", "marian", "-o", str(tmp_path / "o"))
    assert proc.returncode == 1 and "--model-dir" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_gguf_is_a_clear_error(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("中文段落。\n", encoding="utf-8")
    proc = run("translate", str(src), "--model", str(tmp_path / "none.gguf"), "-o", str(tmp_path / "o"))
    assert proc.returncode == 1 and "none.gguf does not exist" in proc.stderr


def test_eval_rejects_unpaired_files(tmp_path):
    src, ref = tmp_path / "a.zh", tmp_path / "a.en"
    src.write_text("一\n二\n", encoding="utf-8")
    ref.write_text("one\n", encoding="utf-8")
    proc = run("eval", "--src", str(src), "--ref", str(ref))
    assert proc.returncode == 1 and "must pair line by line" in proc.stderr


def test_tm_export_and_import_commands(tmp_path):
    import os

    from pipeline.store.memory import Entry, MemoryContext, TranslationMemory

    state = tmp_path / "state"
    TranslationMemory(state / "memory.sqlite").put(MemoryContext("a" * 64, "g", "p"), Entry("梯度。", "Gradient."))
    env = {**os.environ, "ZH2EN_STATE_DIR": str(state)}
    tmx = tmp_path / "tm.tmx"
    proc = subprocess.run([sys.executable, "-m", "zh2en", "tm", "export", "--tmx", str(tmx)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0 and "exported 1 segment(s)" in proc.stderr and tmx.is_file()
    env["ZH2EN_STATE_DIR"] = str(tmp_path / "fresh")
    proc = subprocess.run([sys.executable, "-m", "zh2en", "tm", "import", str(tmx)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0 and "imported 1 segment(s)" in proc.stderr
    assert TranslationMemory(tmp_path / "fresh" / "memory.sqlite").get(
        MemoryContext("a" * 64, "g", "p"), "梯度。").translation == "Gradient."
    bad = tmp_path / "bad.tmx"
    bad.write_text("<tmx", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "zh2en", "tm", "import", str(bad)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 1 and "not well-formed XML" in proc.stderr and "Traceback" not in proc.stderr


def test_every_documented_command_exists():
    proc = run("--help")
    for command in ("translate", "summarize", "eval", "serve", "tm", "bench"):
        assert command in proc.stdout
