"""Saved slot states: any failure costs only the speed-up, never the run. (Saving and
restoring against the real model: tests/test_real_model.py.)"""

from pipeline.backends.prompt_state import SlotStates, state_name

NOBODY = "http://127.0.0.1:9"   # the discard port: connection refused


def test_state_names_differ_by_model_version_context_and_prompt():
    base = ("model-sha", "llama-1", "2048", "prompt")
    names = {state_name(*base)} | {state_name(*base[:i], "other", *base[i + 1:]) for i in range(4)}
    assert len(names) == 5 and all(n.endswith(".bin") for n in names)


def test_nothing_saved_means_nothing_restored(tmp_path):
    assert SlotStates(NOBODY, tmp_path).restore("absent.bin", [0, 1, 2, 3]) is False


def test_a_state_the_server_cannot_load_is_removed(tmp_path):
    (tmp_path / "torn.bin").write_bytes(b"half a state")
    assert SlotStates(NOBODY, tmp_path, timeout=5).restore("torn.bin", [0, 1]) is False
    assert not (tmp_path / "torn.bin").exists()


def test_a_failed_save_leaves_no_file(tmp_path):
    states = SlotStates(NOBODY, tmp_path / "slots", timeout=5)
    assert states.save(0, "x.bin") is False
    assert list((tmp_path / "slots").iterdir()) == []


def test_only_a_local_server_is_ever_contacted(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="local llama.cpp server"):
        SlotStates("http://example.com:8080", tmp_path)
