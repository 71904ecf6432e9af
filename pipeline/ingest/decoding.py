"""Turn a source file's bytes into text, or say clearly why not.

Chinese users' files come as UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK;
charset-normalizer guesses the legacy encodings. Binary data, NUL bytes, files over the size
limit (checked before reading) and undecodable bytes are refused with a one-line reason.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Legacy encodings we accept from the detector; anything else is more likely a wrong guess.
CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp936", "cp950"}


class DecodeError(ValueError):
    """The file is not text we can read; the message says why."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    notice: str | None = None   # e.g. "decoded as GB18030"


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> DecodedText:
    size = path.stat().st_size
    if size > max_bytes:
        raise DecodeError(f"{size} bytes is over the {max_bytes}-byte limit (--max-bytes)")
    data = path.read_bytes()
    return decode_bytes(data)


def decode_bytes(data: bytes) -> DecodedText:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", None)
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            decoded = _strict(data[2:], enc, f"decoded as UTF-16 ({enc[-2:].upper()})")
            if "\x00" in decoded.text:
                raise DecodeError("contains NUL characters: not a text file")
            return decoded
    if b"\x00" in data:
        raise DecodeError("contains NUL bytes: binary or corrupt, not a text file")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    encoding = (best.encoding if best else "").lower()
    if encoding in CHINESE_ENCODINGS:
        # GB18030 is a superset of GBK/GB2312: decode with it so no character is lost.
        wide = "gb18030" if encoding in {"gbk", "gb2312", "cp936", "hz"} else encoding
        return _strict(data, wide, f"decoded as {wide.upper()} (not UTF-8)")
    raise DecodeError("cannot decode: not UTF-8, UTF-16 with BOM, or GB18030/GBK/Big5 text")


def _strict(data: bytes, encoding: str, notice: str | None) -> DecodedText:
    try:
        return DecodedText(data.decode(encoding), encoding, notice)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"invalid {encoding} at byte {exc.start}: {exc.reason}") from None
