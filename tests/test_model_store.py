"""Joining the packaged model's parts: verification, rebuild of a corrupt cache, and a clear
error for a missing part - on a small fake model made of three part packages."""

import hashlib
import sys

import pytest

from pipeline.backends.model_store import ModelUnavailable, PackagedModel, ensure_packaged_model


@pytest.fixture()
def fake_model(tmp_path, monkeypatch):
    parts = [b"GGUF" + bytes(range(256)) * 4, b"second part" * 50, b"tail"]
    site = tmp_path / "site"
    for i, data in enumerate(parts, 1):
        pkg = site / f"zh2en_fake_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("ZH2EN_CACHE_DIR", str(tmp_path / "cache"))
    joined = b"".join(parts)
    model = PackagedModel("fake", "zh2en-fake-part", "1.0", 3, len(joined), hashlib.sha256(joined).hexdigest())
    yield model, joined, site
    for i in range(1, 4):
        sys.modules.pop(f"zh2en_fake_part{i}", None)


def test_parts_are_joined_verified_and_reused(fake_model):
    model, joined, _ = fake_model
    path = ensure_packaged_model(model)
    assert path.read_bytes() == joined
    mtime = path.stat().st_mtime_ns
    assert ensure_packaged_model(model) == path and path.stat().st_mtime_ns == mtime  # not rebuilt


def test_a_corrupt_or_truncated_cache_is_rebuilt(fake_model):
    model, joined, _ = fake_model
    path = ensure_packaged_model(model)
    path.write_bytes(joined[:-10])  # truncated
    assert ensure_packaged_model(model).read_bytes() == joined
    path.write_bytes(b"X" * len(joined))  # same size, wrong bytes (and a new mtime)
    assert ensure_packaged_model(model).read_bytes() == joined


def test_a_missing_part_names_the_package_to_install(fake_model):
    model, _, site = fake_model
    (site / "zh2en_fake_part2" / "data" / "part02.bin").unlink()
    with pytest.raises(ModelUnavailable, match=r"zh2en-fake-part2==1\.0"):
        ensure_packaged_model(model)
    (site / "zh2en_fake_part2" / "data" / "part02.bin").write_bytes(b"second part" * 50)
    import shutil

    shutil.rmtree(site / "zh2en_fake_part3")
    sys.modules.pop("zh2en_fake_part3", None)
    with pytest.raises(ModelUnavailable, match=r"part 3 of 3 is not installed: pip install 'zh2en-fake-part3==1\.0'"):
        ensure_packaged_model(model)
