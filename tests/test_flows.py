"""Prefect flows under the session's prefect_test_harness, with the tiny MarianMT model (real
inference, garbage output: these tests are about caching and orchestration, not quality)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from flows.translate_flows import translate_flow
from pipeline.settings import Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")   # flows run in this process


def articles_dir(root: Path, n: int = 2) -> tuple[Path, str]:
    """Input files whose text is unique to this test, so no earlier test's cache answers."""
    tag = uuid.uuid4().hex[:6]
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"a{i}.txt").write_text(f"标题{tag}{i}\n\n第一段{tag}讲梯度。\n\n第二段{tag}讲注意力。\n",
                                        encoding="utf-8")
    return root, tag


@pytest.fixture()
def config(tiny_model_dir):
    return Settings(backend="marian", model_path=str(tiny_model_dir), use_memory=False)


def test_without_the_memory_nothing_is_reused(config, tmp_path):
    """The translation memory is the only cache: with it off, a second run asks the model
    again (Prefect keeps no task results of its own)."""
    inbox, _ = articles_dir(tmp_path / "in")
    first = translate_flow([str(inbox)], str(tmp_path / "out"), config)
    assert len(first.written) == 2 and first.model_requests >= 6
    second = translate_flow([str(inbox)], str(tmp_path / "out2"), config)
    assert second.model_requests >= 6 and second.memory_hits == 0 and second.segment_tasks == 6
    assert len(second.written) == 2
    assert not (config.state_dir / "prefect-results").exists()


def test_memory_answers_a_warm_run_without_a_single_segment_task(tiny_model_dir, tmp_path):
    config = Settings(backend="marian", model_path=str(tiny_model_dir), use_memory=True)
    inbox, _ = articles_dir(tmp_path / "in")
    first = translate_flow([str(inbox)], str(tmp_path / "out"), config)
    assert first.segment_tasks == 6 and first.memory_hits == 0
    second = translate_flow([str(inbox)], str(tmp_path / "out2"), config)
    assert second.segment_tasks == 0 and second.memory_hits == 6 and second.model_requests == 0
    assert [p.read_text(encoding="utf-8").split("<!-- en -->", 1)[1] for p in second.written] == \
        [p.read_text(encoding="utf-8").split("<!-- en -->", 1)[1] for p in first.written]


def test_a_changed_paragraph_retranslates_only_that_segment(config, tmp_path):
    config = config.model_copy(update={"use_memory": True})
    inbox, tag = articles_dir(tmp_path / "in")
    translate_flow([str(inbox)], str(tmp_path / "out"), config)
    path = inbox / "a0.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(f"第二段{tag}讲注意力", f"第二段{tag}改了"),
                    encoding="utf-8")
    again = translate_flow([str(inbox)], str(tmp_path / "out"), config)
    assert again.memory_hits == 5 and again.model_requests >= 1


def test_inbox_mode_translates_only_new_or_changed_files(config, tmp_path):
    inbox, tag = articles_dir(tmp_path / "in")
    out = tmp_path / "out"
    assert len(translate_flow([str(inbox)], str(out), config, only_changed=True).written) == 2
    assert translate_flow([str(inbox)], str(out), config, only_changed=True).article_qa == []
    (inbox / "new.txt").write_text(f"新文{tag}\n\n新的段落{tag}。\n", encoding="utf-8")
    (inbox / "a1.txt").unlink()  # a removed input leaves its output alone
    third = translate_flow([str(inbox)], str(out), config, only_changed=True)
    assert [p.name for p in third.written] == [next(out.glob("*.md")).name] or len(third.written) == 1
    assert len([p for p in out.glob("*.md") if p.name != "report.md" and not p.name.endswith(".en.md")]) == 3


def test_a_site_that_cannot_be_built_is_a_failure_of_its_own(config, tmp_path):
    inbox, _ = articles_dir(tmp_path / "in")
    out = tmp_path / "out"
    result = translate_flow([str(inbox)], str(out), config, site_dir=str(out))
    assert len(result.written) == 2   # the articles are written all the same
    assert [label for label, _ in result.failures] == [str(out)]
    assert "cannot replace the output folder" in result.failures[0][1]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "offline site not rebuilt" in report   # the run's report says so
    # the next scheduled run writes nothing new, but the site is behind: it is built then
    again = translate_flow([str(inbox)], str(out), config, only_changed=True, site_dir=str(tmp_path / "site"))
    assert not again.written and not again.failures and (tmp_path / "site" / "index.html").is_file()


def test_dask_cluster_of_two_workers(config, tmp_path):
    from distributed import LocalCluster
    from prefect_dask import DaskTaskRunner

    inbox, _ = articles_dir(tmp_path / "in", 3)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        flow = translate_flow.with_options(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        result = flow([str(inbox)], str(tmp_path / "out"), config)
    assert len(result.written) == 3 and not result.failures
    for path in result.written:
        assert "<!-- en -->" in path.read_text(encoding="utf-8")


def test_scheduled_runs_on_a_real_local_server(tiny_model_dir, tmp_path):
    """`zh2en serve` starts a local Prefect server, runs on an interval, picks up a dropped
    file on its next run, and stops cleanly."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    articles_dir(inbox, 1)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), ZH2EN_STATE_DIR=str(tmp_path / "state"))
    site = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-m", "zh2en", "serve", "--inbox", str(inbox), "--out", str(out),
                             "--interval", "3", "--backend", "marian", "--model-dir", str(tiny_model_dir),
                             "--site", str(site)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # each phase its own limit: on a busy 2-core machine a scheduled run (a new process that
        # loads the model) took 2.5 min
        _wait_for(lambda: len(list(out.glob("*.qa.json"))) >= 1, 300, "the first scheduled run to write", proc)
        (inbox / "dropped.txt").write_text("后来的文章\n\n后来放进收件箱的段落。\n", encoding="utf-8")
        _wait_for(lambda: len(list(out.glob("*.qa.json"))) >= 2, 300, "the dropped file to be picked up", proc)
        # the offline site is rebuilt after the run that wrote it (inside that run, under its lock)
        _wait_for(lambda: "后来的文章" in _read(site / "index.html"), 120, "the site to show the new article", proc)
        assert _read(site / "index.html").count('class="zh2en-meta"') == 2, "the site does not show the new article"
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends; a run in flight gets 20 s to finish
        _, stderr = proc.communicate(timeout=90)
    finally:
        _stop(proc)
    assert proc.returncode == 0, stderr
    assert "serving deployment" in stderr and "zh2en: stopped" in stderr
    assert all(line.startswith("zh2en: ") for line in stderr.splitlines()), stderr   # no Python warnings
    api = stderr.split(" on ", 1)[1].split(" ", 1)[0]
    with pytest.raises(OSError):  # the server it started is gone
        import socket

        host, port = api.removeprefix("http://").split(":")
        socket.create_connection((host, int(port)), timeout=2).close()


def _wait_for(condition, seconds: float, what: str, proc: subprocess.Popen) -> None:
    """Poll `condition` for up to `seconds`; a process that died meanwhile fails at once, with its stderr."""
    deadline = time.monotonic() + seconds
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"waiting for {what}: the process exited ({proc.returncode}): {proc.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.5)


def _stop(proc: subprocess.Popen) -> None:
    """Whatever happened, the process this test started is gone when the test ends."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=30)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


KEXUE_POST = ("# 温度参数{tag}\n\n如果进一步引入温度参数$\\tau > 0$，那么归一化之后的权重就变成\n"
              "\\begin{{equation}}p_{{ij}} = \\frac{{e^{{s_{{ij}}/\\tau}}}}{{\\sum\\limits_{{k=1}}^n e^{{s_{{ik}}/\\tau}}}}"
              "\\label{{eq:temp}}\\end{{equation}}\n当$\\tau\\to 0$时，它会退化为one hot分布。\n")


def test_markdown_post_through_the_flow_counts_formulas_from_the_source(config, tmp_path, monkeypatch):
    import json

    from copying_backend import lose_display_equations

    post = tmp_path / "post.md"
    post.write_text(KEXUE_POST.format(tag=uuid.uuid4().hex[:6]), encoding="utf-8")
    result = translate_flow([str(post)], str(tmp_path / "out"), config)
    [written] = result.written
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["formula_spans"] == 3 and report["totals"]["conservation_problems"] == 0
    assert "\\label{eq:temp}\\end{equation}" in written.read_text(encoding="utf-8")
    # the old defect put back: the loss is named on stderr's list, in the report and the file
    lose_display_equations(monkeypatch)
    post.write_text(KEXUE_POST.format(tag=uuid.uuid4().hex[:6]), encoding="utf-8")
    lossy = translate_flow([str(post)], str(tmp_path / "out2"), config)
    assert any("differs from the source: formula missing" in f for _, f in lossy.flagged)
    report = json.loads((tmp_path / "out2" / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["formula_integrity"] < 100 and report["totals"]["conservation_problems"] >= 1
    assert "differences between this file and its source" in lossy.written[0].read_text(encoding="utf-8")
