"""The one-off run's Prefect server started at zh2en's very start (flows/server_process.py):
only for the commands that need one, never beside a server the user named, and adopted once."""

from __future__ import annotations

import pytest

from flows import server_process


@pytest.mark.parametrize("argv", [[], ["site", "out"], ["serve", "--inbox", "x"], ["translate", "--help"],
                                  ["summarize", "-h"]])
def test_no_server_for_commands_that_do_not_run_one(argv, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server_process.start_early(argv)
    assert server_process.take_early() is None


def test_no_server_beside_the_users_own(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    server_process.start_early(["translate", "post.md"])
    assert server_process.take_early() is None


def test_a_one_off_command_gets_its_server_started_once(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server_process.start_early(["translate", "post.md"])
    early = server_process.take_early()
    try:
        assert early is not None and early[0].poll() is None and early[1] > 0
        assert server_process.take_early() is None   # adopted once
    finally:
        if early is not None:
            early[0].kill()
            early[0].wait()
