"""A run whose stderr is not a terminal (nohup, cron, CI) is never silent: a line per article and
one every ZH2EN_PROGRESS_SECONDS while segments are with the model."""

import os
import subprocess
import sys
from types import SimpleNamespace

from zh2en.progress import ProgressLines


class Lines:
    def __init__(self):
        self.printed = []

    def print(self, text, markup=False):
        self.printed.append(text)


def test_the_periodic_line_counts_segments_requests_and_time_left():
    ctx = SimpleNamespace(segments_to_translate=0, translator=SimpleNamespace(segments_done=0),
                          backend=SimpleNamespace(requests=0))
    lines = ProgressLines(Lines(), ctx, every=30)
    assert lines.segments_line() is None                 # nothing with the model yet: no line
    ctx.segments_to_translate, ctx.backend.requests = 40, 3
    first = lines.segments_line()
    assert first.startswith("zh2en: progress: 0 of 40 segment(s) translated, 3 model request(s)")
    assert "left" not in first                           # nothing done: no guess
    lines._translating_since -= 60                       # a minute in, a quarter done
    ctx.translator.segments_done, ctx.backend.requests = 10, 14
    line = lines.segments_line()
    assert "10 of 40 segment(s) translated, 14 model request(s)" in line and "about 3.0 min left" in line
    ctx.translator.segments_done = 40
    assert lines.segments_line() is None                 # all back: the article lines take over


def test_a_run_without_a_terminal_prints_progress_lines(tiny_model_dir, tmp_path):
    source = tmp_path / "post.md"
    source.write_text("# 标题\n\n" + "".join(f"第{i}段：梯度下降是一种常用的优化方法，它沿着负梯度方向更新参数。\n\n"
                                            for i in range(40)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(ZH2EN_PROGRESS_SECONDS="0.05", ZH2EN_STATE_DIR=str(tmp_path / "state"))
    proc = subprocess.run([sys.executable, "-m", "zh2en", "translate", str(source), "--backend", "marian",
                           "--model", str(tiny_model_dir), "--no-memory", "--no-summary", "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    progress = [line for line in proc.stderr.splitlines() if line.startswith("zh2en: progress: ")]
    assert any(" of 41 segment(s) translated, " in line for line in progress), proc.stderr
    assert progress[-1].startswith("zh2en: progress: 1 of 1 article(s) done (post.md"), progress
