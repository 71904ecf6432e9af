"""Bad input, crashes and overlapping runs (issue: clear errors, nothing lost, nothing
written where it should not be). The model is the tiny MarianMT the tests build: real
inference, fast, garbage output - these tests are about behaviour, not quality."""

import codecs
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zh2en.cli import app

pytestmark = pytest.mark.usefixtures("prefect_harness")   # flows run in this process

GOOD = "注意力机制\n\n我们知道,梯度裁剪是常用技巧,其中$\\tau$是阈值。\n"


def make_cases(root: Path) -> dict:
    """name -> (input path, extra args, expected exit code, text expected on stderr)."""
    d = root / "inputs"
    d.mkdir()
    (d / "empty-folder").mkdir()
    (d / "only-images").mkdir()
    (d / "only-images" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")

    def put(name, data):
        path = d / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    return {
        "missing path": (d / "absent.txt", [], 1, "no such file or folder"),
        "folder without text files": (d / "only-images", [], 1, "no text files"),
        "empty file": (put("empty.txt", b""), [], 1, "empty file"),
        "whitespace only": (put("blank.txt", " \n\t\n"), [], 1, "empty file"),
        "binary file": (put("binary.txt", bytes(range(256)) * 4), [], 1, "NUL bytes"),
        "NUL bytes in text": (put("nul.txt", "中文\x00段落。"), [], 1, "NUL bytes"),
        "over size limit": (put("big.txt", "中文段落。" * 100), ["--max-bytes", "100"], 1, "over the 100-byte limit"),
        "undecodable bytes": (put("latin.txt", bytes(range(128, 256)) * 8), [], 1, "cannot decode"),
        "GB18030": (put("gb.txt", GOOD.encode("gb18030")), [], 0, "decoded as GB18030"),
        "UTF-16 with BOM": (put("u16.txt", codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le")), [], 0, "decoded as UTF-16"),
        "UTF-8 BOM and CRLF": (put("bom.txt", "\ufeff" + GOOD.replace("\n", "\r\n")), [], 0, ""),
        "no Chinese": (put("english.txt", "Gradient clipping\n\nIt keeps training stable.\n"), [], 0, "no Chinese text"),
        "unbalanced $": (put("dollar.txt", "标题\n\n价格是5$,而$x$是变量。\n"), [], 0, ""),
        "unterminated environment": (put("env.txt", "标题\n\n公式\\begin{equation}a=b 没有结束\n"), [], 0, ""),
        "HTML and script": (put("html.txt", "标题<b>粗</b>\n\n正文<script>alert(1)</script>结束。\n"), [], 0, ""),
        "title with path separators": (put("evil.md", "# ../../出/逃\n\n正文。\n"), [], 0, ""),
        "YAML alias bomb": (put("bomb.md", alias_bomb()), [], 1, "front matter uses a YAML alias"),
        "front matter not YAML": (put("yaml.md", "---\ntitle: [unclosed\n---\n\n# 标题\n\n正文。\n"), [], 1,
                                  "front matter is not valid YAML (line 2 of the file"),
        "front matter value too long": (put("long.md", f"---\ntitle: {'长' * 9000}\n---\n\n正文。\n"), [], 1,
                                        "front matter value 'title' is 9,000 characters"),
    }


def alias_bomb() -> str:
    """358 bytes of YAML that expand to ~226 MB: 9 aliases a level over 8 levels, the title the top."""
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    return "\n".join(lines + ["title: *i", "---", "", "# 标题", "", "正文。", ""])


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return make_cases(tmp_path_factory.mktemp("bad"))


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


CASE_NAMES = ["missing path", "folder without text files", "empty file", "whitespace only", "binary file",
              "NUL bytes in text", "over size limit", "undecodable bytes", "GB18030", "UTF-16 with BOM",
              "UTF-8 BOM and CRLF", "no Chinese", "unbalanced $", "unterminated environment", "HTML and script",
              "title with path separators", "YAML alias bomb", "front matter not YAML", "front matter value too long"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_bad_input_table(name, cases, runner, tiny_model_dir, tmp_path):
    path, extra, code, message = cases[name]
    out = tmp_path / "out"
    before = set(tmp_path.parent.iterdir())
    result = runner.invoke(app, ["translate", str(path), "-o", str(out), "--backend", "marian",
                                 "--model-dir", str(tiny_model_dir), *extra])
    stderr = result.stderr
    assert result.exit_code == code, stderr
    assert message in stderr
    assert "Traceback" not in stderr and result.exception is None or isinstance(result.exception, SystemExit)
    assert set(tmp_path.parent.iterdir()) == before  # nothing created beside the output folder
    if code == 1:
        assert sum(1 for ln in stderr.splitlines() if ln.startswith("zh2en: error:")) == 1
        assert not out.exists() or not [p for p in out.glob("*.md") if p.name != "report.md" and not p.name.endswith(".en.md")]
        return
    [written] = [p for p in out.glob("*.md") if p.name != "report.md" and not p.name.endswith(".en.md")]
    assert written.parent == out and written.name.isascii() and ".." not in written.stem
    assert not list(out.glob(".*.tmp"))
    text = written.read_text(encoding="utf-8")
    if name in ("GB18030", "UTF-16 with BOM", "UTF-8 BOM and CRLF"):
        assert "我们知道,梯度裁剪是常用技巧,其中$\\tau$是阈值。" in text and "\ufeff" not in text and "\r" not in text
    if name == "no Chinese":
        assert text.count("It keeps training stable.") == 2  # passed through on the English side
    if name == "unbalanced $":
        assert "价格是5$,而$x$是变量" in text and "unbalanced \\$" in text   # shown as "$" in the warning
    if name == "unterminated environment":
        assert text.count("\\begin{equation}a=b 没有结束") >= 1 and "formula never closes" in text
    if name == "HTML and script":
        body = text.split("\n---\n", 1)[1]  # front matter is data (YAML strings), not rendered HTML
        assert "<script>" not in body and "&lt;script>" in body and "<b>" not in body


def test_one_bad_input_does_not_stop_the_others(cases, runner, tiny_model_dir, tmp_path):
    good = cases["GB18030"][0]
    result = runner.invoke(app, ["translate", str(cases["empty file"][0]), str(good), "-o", str(tmp_path),
                                 "--backend", "marian", "--model-dir", str(tiny_model_dir)])
    assert result.exit_code == 1 and "empty file" in result.stderr
    assert len([p for p in tmp_path.glob("*.md") if p.name != "report.md" and not p.name.endswith(".en.md")]) == 1


def cli(*args, **kw):
    # A session of its own: killing it takes its temporary Prefect server along.
    return subprocess.Popen([sys.executable, "-m", "zh2en", "translate", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def kill_group(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def small_batch(folder: Path, n: int = 12) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"{i:02d}.txt").write_text(f"第{i}篇\n\n这是第{i}篇短文,讨论梯度下降。\n", encoding="utf-8")
    return folder


def test_kill_during_a_batch_then_rerun_completes_from_memory(tiny_model_dir, tmp_path):
    env = {**os.environ, "ZH2EN_STATE_DIR": str(tmp_path / "state")}
    out = tmp_path / "out"
    args = [str(small_batch(tmp_path / "in")), "-o", str(out), "--backend", "marian",
            "--model-dir", str(tiny_model_dir)]
    first = cli(*args, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("*.qa.json"))) < 3:
        time.sleep(0.2)
    kill_group(first)  # kill -9, the run and its temporary server
    done_before = len(list(out.glob("*.qa.json")))
    assert 3 <= done_before < 12
    second = cli(*args, env=env)
    _, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr
    assert len([p for p in out.glob("*.md") if p.name != "report.md" and not p.name.endswith(".en.md")]) == 12
    assert not list(out.glob(".*.tmp"))
    reused = int(stderr.split(" segment(s) reused from memory")[0].rsplit(" ", 1)[-1])
    assert reused >= done_before  # every finished article's segments came back from memory
    for path in out.glob("*.qa.json"):
        assert path.read_text(encoding="utf-8").rstrip().endswith("}")  # complete JSON, not cut


def test_two_runs_on_one_output_folder_do_not_interleave(tiny_model_dir, tmp_path):
    env = {**os.environ, "ZH2EN_STATE_DIR": str(tmp_path / "state")}
    out = tmp_path / "out"
    inputs = small_batch(tmp_path / "in", 400)  # long enough to still hold the lock
    args = ["-o", str(out), "--backend", "marian", "--model-dir", str(tiny_model_dir), "--no-memory"]
    first = cli(str(inputs), *args, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.glob("*.qa.json")):
        time.sleep(0.2)
    second = cli(str(inputs), *args, env=env)
    _, stderr = second.communicate(timeout=300)
    kill_group(first)
    assert second.returncode == 1
    assert "another zh2en run is writing here" in stderr and "Traceback" not in stderr


def test_a_yaml_alias_bomb_is_refused_fast_and_small(tmp_path):
    """Read in a process of its own, so its peak memory is its own (VmHWM: ru_maxrss would carry
    the forking test process's peak across exec): a one-line error in well under 5 s, and well
    under 300 MB (the bomb would build a 226 MB title, 6.8 GB in all)."""
    bomb = tmp_path / "bomb.md"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    probe = ("import sys, time; from pathlib import Path\n"
             "from pipeline.ingest.reader import IngestError, read_file\n"
             "start = time.perf_counter()\n"
             "try:\n    read_file(Path(sys.argv[1])); print('read')\n"
             "except IngestError as exc:\n    print(exc)\n"
             "peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]\n"
             "print(time.perf_counter() - start, peak)\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(bomb)], capture_output=True, text=True, timeout=120)
    message, figures = proc.stdout.strip().splitlines()
    seconds, peak_kib = float(figures.split()[0]), int(figures.split()[1])
    assert message.startswith(f"{bomb}: front matter uses a YAML alias") and "\n" not in message
    assert seconds < 5 and peak_kib < 300 * 1024, (seconds, peak_kib)
