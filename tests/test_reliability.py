"""Fault injection: one bad input never stops the rest, arguments are checked before anything
starts, a corrupt memory is moved aside, segments stay within their size, and nothing from a
source reaches the terminal as control codes. Flows run in-process under the session's
prefect_test_harness with the tiny MarianMT model (garbage output: these are about behaviour)."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from copying_backend import CopyingBackend, context_over, translate_article
from pipeline.checks.qa import CHECKS_VERSION
from pipeline.settings import Settings
from flows.translate_flows import translate_flow
from pipeline.ingest.reader import list_sources, parse_text, read_file
from pipeline.output.writing import write_article
from pipeline.text.segmenting import DEFAULT_MAX_CHARS, segment_article

pytestmark = pytest.mark.usefixtures("prefect_harness")   # flows run in this process

POISON = "公式$" + "{" * 2000 + "x" + "}" * 2000 + "$结束。\n"


def zh2en(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "zh2en", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture()
def config(tiny_model_dir):
    return Settings(backend="marian", model_path=str(tiny_model_dir), use_memory=False, summaries=False)


def test_deeply_nested_braces_are_text_not_a_crash(tmp_path):
    path = tmp_path / "poison.txt"
    path.write_text(POISON, encoding="utf-8")
    [article] = read_file(path)
    segment_article(article)
    assert all(len(s.source) <= DEFAULT_MAX_CHARS for s in article.segments)
    assert any("unbalanced $" in f for s in article.segments for f in s.flags)


def test_one_file_that_breaks_ingest_fails_alone_and_is_not_retried_until_it_changes(config, tmp_path, monkeypatch):
    import pipeline.ingest.reader as ingest

    inbox, tag = tmp_path / "inbox", uuid.uuid4().hex[:6]
    inbox.mkdir()
    (inbox / "good.txt").write_text(f"标题{tag}\n\n好的段落{tag}。\n", encoding="utf-8")
    (inbox / "bad.txt").write_text(f"坏的段落{tag}。\n", encoding="utf-8")
    real_parse, calls = ingest.parse_text, []

    def parse(text, source):
        calls.append(source.name)
        if source.name == "bad.txt":
            raise RuntimeError("a bug that this one file triggers")
        return real_parse(text, source)

    monkeypatch.setattr(ingest, "parse_text", parse)
    out = tmp_path / "out"
    first = translate_flow([str(inbox)], str(out), config, only_changed=True)
    assert [p.name for p in first.written] == [f"title-{tag}.md"] or len(first.written) == 1
    [(label, reason)] = first.failures
    assert label.endswith("bad.txt") and "RuntimeError: a bug that this one file triggers" in reason
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["failures"][0]["input"].endswith("bad.txt")
    # the next scheduled run: the unchanged bad file is reported, not read again
    calls.clear()
    second = translate_flow([str(inbox)], str(out), config, only_changed=True)
    assert calls == [] and second.written == []
    assert "unchanged since it failed" in second.failures[0][1]
    # once it changes, it is tried again
    (inbox / "bad.txt").write_text(f"改过的段落{tag}。\n", encoding="utf-8")
    monkeypatch.setattr(ingest, "parse_text", real_parse)
    third = translate_flow([str(inbox)], str(out), config, only_changed=True)
    assert len(third.written) == 1 and third.failures == []


def test_a_report_that_cannot_be_written_is_a_failure_the_articles_stand(config, tmp_path, monkeypatch):
    import flows.tasks as tasks

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tasks, "write_run_report", broken)
    src = tmp_path / "a.txt"
    src.write_text(f"段落{uuid.uuid4().hex[:6]}。\n", encoding="utf-8")
    result = translate_flow([str(src)], str(tmp_path / "out"), config)
    assert len(result.written) == 1 and result.written[0].is_file()
    assert any("run report not written" in reason and "No space left" in reason for _, reason in result.failures)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_disk_full_names_each_file_not_written_and_keeps_the_ones_that_were(tiny_model_dir, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(full)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")  # four pages: room for one article, not six
    page = tmp_path / "page.txt"
    page.write_text("".join(f"{n} May\n\n短标题{n}\n\n很短的段落{n}。\n\n" for n in range(1, 7)), encoding="utf-8")
    try:
        proc = zh2en("translate", str(page), "--backend", "marian",
                     "--model-dir", str(tiny_model_dir), "--no-memory", "-o", str(full / "out"),
                     env={"ZH2EN_STATE_DIR": str(tmp_path / "state")}, timeout=300)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        written = [line for line in proc.stdout.splitlines() if line.endswith(".md")]
        assert written and all(Path(p).is_file() for p in written)
        errors = [line for line in proc.stderr.splitlines() if line.startswith("zh2en: error:")]
        assert errors and all("No space left on device" in line for line in errors)
        assert any("cannot write" in line for line in errors)
    finally:
        subprocess.run(["umount", str(full)])


def test_links_outside_the_input_folder_and_the_output_folder_are_not_inputs(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "out").mkdir(parents=True)
    (inbox / "a.txt").write_text("中文。\n", encoding="utf-8")
    (inbox / "out" / "a.md").write_text("已经写好的输出。\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("外面的文件。\n", encoding="utf-8")
    (inbox / "link.txt").symlink_to(secret)
    skipped = []
    files = list_sources(inbox, exclude=inbox / "out", skipped=skipped)
    assert [f.name for f in files] == ["a.txt"]
    assert len(skipped) == 1 and "link.txt: skipped: a link to" in skipped[0]
    assert [f.name for f in list_sources(inbox, exclude=inbox / "out", follow_symlinks=True)] == ["a.txt", "link.txt"]


def test_segments_stay_within_the_limit_without_punctuation():
    for text in ["字" * 5000, "这是一个很长的句子，" * 100, ("$x$" + "文字" * 100) * 20, "词 " * 3000]:
        [article] = parse_text(text, Path("long.txt"))
        segment_article(article)
        assert max(len(s.source) for s in article.segments) <= DEFAULT_MAX_CHARS
        assert "".join(s.source for s in article.segments).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("source, check", [
    # a display formula that never closes: kept verbatim with what follows it, and said so
    ("1 May\n\n标题\n\n开头$$x=1\n后面没有闭合。\n", lambda a, qa: "formula never closes: kept verbatim" in a.flags
     and any(not s.translate and s.source == "$$x=1\n后面没有闭合。" for s in a.segments)
     and qa["segments"] == qa["clean_segments"] == 2),
    ("$$x=1$$\n\n这是正文。\n\n第二段。\n", lambda a, qa: a.title is None and a.blocks[0].kind == "display_math"),
    ("第一段。\n\n$a$，$b$\n\n第三段。\n", lambda a, qa: not any("empty" in f for f in a.flags)),
])
def test_bookkeeping(tmp_path, source, check):
    [article] = parse_text(source, Path("x.txt"))
    assert check(article, translate_article(article, context_over(CopyingBackend())))


def test_bad_schedule_or_busy_port_is_refused_before_anything_starts(tmp_path):
    proc = zh2en("serve", "--inbox", str(tmp_path), "--out", str(tmp_path / "o"), "--cron", "garbage")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "not a cron expression" in proc.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = zh2en("serve", "--inbox", str(tmp_path), "--out", str(tmp_path / "o"), "--interval", "5",
                     "--port", str(port), timeout=60)
    assert proc.returncode == 2 and f"--port {port}: something is already listening" in proc.stderr
    assert "Traceback" not in proc.stderr
    notes = tmp_path / "notes"   # a folder of the user's own is never taken for the site
    notes.mkdir()
    (notes / "todo.txt").write_text("mine", encoding="utf-8")
    for site, why in ((tmp_path / "o", "cannot replace the output folder"), (notes, "not a site zh2en built")):
        proc = zh2en("serve", "--inbox", str(tmp_path), "--out", str(tmp_path / "o"), "--interval", "5",
                     "--site", str(site), timeout=60)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and why in proc.stderr, proc.stderr
    assert (notes / "todo.txt").read_text(encoding="utf-8") == "mine"


def test_a_corrupt_memory_is_moved_aside_with_a_notice(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "memory.sqlite").write_bytes(b"this is not a database" * 100)
    proc = zh2en("tm", "export", "--tmx", str(tmp_path / "m.tmx"), env={"ZH2EN_STATE_DIR": str(state)})
    assert proc.returncode == 0, proc.stderr
    assert "was unreadable" in proc.stderr and "moved it to" in proc.stderr
    assert any(p.name.startswith("memory.sqlite.corrupt-") for p in state.iterdir())
    proc = zh2en("tm", "export", "--tmx", str(tmp_path / "missing" / "m.tmx"), env={"ZH2EN_STATE_DIR": str(state)})
    assert proc.returncode == 1 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_control_codes_and_emoji_codes_from_inputs_are_printed_inert(tmp_path):
    weird = tmp_path / "a:x:\x1b]0;pwned\x07\nzh2en: error: forged.txt"
    proc = zh2en("translate", str(weird), "-o", str(tmp_path / "o"))
    assert proc.returncode == 1
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr and ":x:" in proc.stderr
    [line] = proc.stderr.splitlines()  # the newline in the name cannot start a forged line
    assert line.startswith("zh2en: error: ") and "\\nzh2en: error: forged.txt" in line


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGKILL, -9)])
def test_a_stopped_run_leaves_no_server_behind(tiny_model_dir, seeds_dir, tmp_path, sig, status):
    import psutil

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["ZH2EN_STATE_DIR"] = str(tmp_path / "state")
    proc = subprocess.Popen([sys.executable, "-m", "zh2en", "translate", str(seeds_dir), "--backend", "marian",
                             "--model-dir", str(tiny_model_dir), "--no-memory", "-o", str(tmp_path / "out")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline, server = time.time() + 90, None
        while server is None and time.time() < deadline and proc.poll() is None:
            server = next((c for c in psutil.Process(proc.pid).children() if "uvicorn" in " ".join(c.cmdline())), None)
            time.sleep(0.5)
        assert server is not None, "no temporary server seen"
        time.sleep(3)  # into the run
        proc.send_signal(sig)
        started = time.time()
        proc.wait(timeout=60)
        assert proc.returncode == status, proc.stderr.read()
        assert time.time() - started < 30
        assert psutil.wait_procs([server], timeout=15)[1] == [], "the temporary server outlived the run"
        if sig != signal.SIGKILL:
            assert "files already written are kept" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_errors_name_the_file_and_say_what_to_do(tmp_path):
    from pipeline.glossary import GlossaryError, read_terms
    from pipeline.store.memory import MemoryContext, TranslationMemory
    from pipeline.store.tmx import TMXError, import_tmx

    gbk = tmp_path / "terms.tsv"
    gbk.write_bytes("梯度\tgradient\n".encode("gbk"))
    with pytest.raises(GlossaryError, match=r"terms.tsv: not UTF-8 text .*save the glossary as UTF-8"):
        read_terms(gbk)
    tmx = tmp_path / "m.tmx"
    tmx.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="zh-CN"/><body>\n'
                   '<tu><prop type="x-zh2en-flags">{"a": 1}</prop><tuv xml:lang="zh-CN"><seg>中文</seg></tuv>'
                   '<tuv xml:lang="en"><seg>Chinese</seg></tuv></tu>\n</body></tmx>\n', encoding="utf-8")
    memory = TranslationMemory(tmp_path / "memory.sqlite")
    with pytest.raises(TMXError, match=r"m.tmx: <tu> #1 \(line 3\): x-zh2en-flags must be a JSON list"):
        import_tmx(memory, tmx, MemoryContext("0" * 64, "g", "p"))
    assert len(memory) == 0  # a bad file adds nothing


def test_a_hand_edited_output_is_kept_unless_forced(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text("标题\n\n第一段落。\n", encoding="utf-8")
    ctx, target = context_over(CopyingBackend()), tmp_path / "a.md"

    def write(force=False):
        [article] = read_file(source)
        return write_article(article, translate_article(article, ctx), target, "t", "0" * 64, force)

    assert write() is None
    assert write() is None  # zh2en's own file, unchanged: replaced as usual
    target.write_text(target.read_text(encoding="utf-8").replace("<!-- en -->", "<!-- en -->\nMy fix.", 1),
                      encoding="utf-8")
    assert "edited after zh2en wrote it" in write() and "My fix." in target.read_text(encoding="utf-8")
    assert write(force=True) is None and "My fix." not in target.read_text(encoding="utf-8")


def test_a_stop_wrapped_by_pydantic_is_still_a_stop():
    """Ctrl-C while Prefect serialises the run's settings arrives as a PydanticSerializationError
    that only names the KeyboardInterrupt (seen once in the suite: exit 1 instead of 130)."""
    from pydantic import BaseModel, model_serializer

    from zh2en.terminal import Terminated, stop_behind

    for stop in (KeyboardInterrupt, Terminated):
        class Interrupted(BaseModel):
            x: int = 1

            @model_serializer
            def serialise(self):
                raise stop()

        with pytest.raises(Exception) as caught:
            Interrupted().model_dump()
        assert type(caught.value).__name__ == "PydanticSerializationError" and stop_behind(caught.value) is stop
    assert stop_behind(ValueError("a KeyboardInterrupt: in a message is not one")) is None


def test_a_better_output_is_kept_unless_it_was_flagged_by_other_checks(tmp_path):
    """A run that flags more does not replace a file that had fewer flags - unless that file's
    flags came from another version of the checks (its count is not comparable)."""
    import json

    from pipeline.backends.base import Reply

    class Answers(CopyingBackend):
        def __init__(self, negated: bool):
            super().__init__()
            self.negated = negated

        def translate(self, batch):   # the paragraph with or without its negation
            return [Reply(("It is not large." if self.negated else "It is large.") if "不" in r.text else "The title.")
                    for r in batch]

    source, target = tmp_path / "a.txt", tmp_path / "a.md"
    source.write_text("标题\n\n它不大。\n", encoding="utf-8")

    def write(negated):
        [article] = read_file(source)
        return write_article(article, translate_article(article, context_over(Answers(negated))), target, "t", "0" * 64)

    assert write(True) is None
    good = target.read_text(encoding="utf-8")
    assert "kept the existing file (0 flagged" in write(False)
    assert target.read_text(encoding="utf-8") == good      # the better file stays
    qa_file = target.with_suffix(".qa.json")
    old = json.loads(qa_file.read_text(encoding="utf-8"))
    assert old["checks_version"] == CHECKS_VERSION
    qa_file.write_text(json.dumps({**old, "checks_version": "checks-v1"}), encoding="utf-8")
    assert write(False) is None and "negation" in target.read_text(encoding="utf-8")


def _tagged(tag: str) -> list:
    """This machine's processes started with ZH2EN_TEST_TAG=tag (a run and whatever it started)."""
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("ZH2EN_TEST_TAG") == tag:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("delay", [0.5, 1.0, 2.0, 5.0])
def test_a_stop_at_any_moment_prints_one_line_and_leaves_nothing_running(tiny_model_dir, seeds_dir, tmp_path,
                                                                         delay, sig, status):
    """Stopped while Python is still importing Prefect and the pipeline, while the early server
    starts, or in the run (started as `zh2en translate … &` in a script: SIGINT ignored): exit
    130/143, one line per message, no traceback, and no process it started left behind. The
    delay only decides which moment is hit; every moment must hold."""
    import psutil

    tag = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(ZH2EN_STATE_DIR=str(tmp_path / "state"), ZH2EN_TEST_TAG=tag)
    proc = subprocess.Popen([sys.executable, "-m", "zh2en", "translate", str(seeds_dir), "--backend", "marian",
                             "--model-dir", str(tiny_model_dir), "--no-memory", "-o", str(tmp_path / "out")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        time.sleep(delay)   # which moment is hit: not a wait for anything
        proc.send_signal(sig)
        proc.wait(timeout=60)
        stderr = proc.stderr.read()
        assert proc.returncode == status, stderr
        assert "Traceback" not in stderr and stderr.strip()
        assert all(line.startswith("zh2en: ") for line in stderr.strip().splitlines()), stderr
        left = _tagged(tag)
        assert psutil.wait_procs(left, timeout=20)[1] == [], "a process the run started outlived it"
    finally:
        for leftover in [proc] + [p for p in _tagged(tag) if p.pid != proc.pid]:
            with __import__("contextlib").suppress(Exception):
                leftover.kill()


def test_an_output_folder_that_cannot_be_written_is_found_before_any_work(tmp_path):
    source = tmp_path / "a.md"
    source.write_text("# 标题\n\n正文。\n", encoding="utf-8")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for out, reason in ((tmp_path / "file" / "out", "Not a directory"), (tmp_path / ("长" * 100), "File name too long")):
        proc = zh2en("translate", str(source), "-o", str(out))
        assert proc.returncode == 1
        [line] = proc.stderr.splitlines()
        assert line.startswith(f"zh2en: error: {out}: cannot write the output there ({reason})")


def test_a_prefect_home_that_cannot_be_made_is_named(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    home = tmp_path / "file" / "prefect"
    source = tmp_path / "a.md"
    source.write_text("# 标题\n\n正文。\n", encoding="utf-8")
    proc = zh2en("translate", str(source), "-o", str(tmp_path / "out"), env={"PREFECT_HOME": str(home)})
    assert proc.returncode == 1
    [line] = proc.stderr.splitlines()
    assert line == f"zh2en: error: Prefect's home folder {home} cannot be used (Not a directory); " \
                   "set PREFECT_HOME to a folder you can write"


def test_ctrl_c_typer_would_swallow_still_prints_one_line(monkeypatch, capsys):
    """A Ctrl-C landing in a command's own code before its try (here: the backend check) is turned
    by Typer into a silent exit 130; the user still reads why the run stopped."""
    import zh2en.cli as cli

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "check_backend", interrupted)
    monkeypatch.setattr(sys, "argv", ["zh2en", "translate", "absent.md"])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 130
    assert capsys.readouterr().err.strip() == "zh2en: interrupted; files already written are kept"


def test_a_stop_that_a_library_turns_into_its_own_error_is_still_a_stop():
    """Under load, SIGTERM landed inside pydantic's serializer during Prefect's import: pydantic
    wrapped the SystemExit(143) in an error of its own and the run died with a traceback, exit 1.
    The signal decides: one line, 143."""
    program = textwrap.dedent("""
        import os, signal, sys
        sys.argv = ["zh2en", "--help"]
        import flows.server_process as early
        import zh2en.launch as launch

        def start_early(argv):
            try:
                os.kill(os.getpid(), signal.SIGTERM)   # the handler raises SystemExit(143) here
            except SystemExit:
                raise ValueError("Error calling function `_ser_model`: SystemExit: 143") from None

        early.start_early = start_early
        launch.main()
    """)
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[1])
    assert proc.returncode == 143 and proc.stderr == "zh2en: terminated before it began; nothing was written\n"
