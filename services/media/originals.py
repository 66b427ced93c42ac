"""Metadata removal from uploaded originals, losslessly, at the container level.

`Media.url` serves the original; cameras and phones write where a photo was taken (GPS), the
device (maker, model, serial numbers), its owner and editing history (XMP, IPTC) into it.
These functions copy a file's pixel-bearing structures byte for byte and leave every
metadata structure out, so the pixels are exactly the uploaded ones (nothing is re-encoded):

* JPEG: APP0 JFIF, APP2 ICC_PROFILE and APP14 Adobe (colour transform) are kept, with every
  table, frame and scan segment; every other APPn (EXIF, XMP, MPF, IPTC in APP13, vendor
  blocks) and COM segments are dropped, as is anything after EOI (MPO's second image with
  its own EXIF, appended archives).
* PNG: critical chunks plus the colour, transparency, density and animation chunks; text
  (tEXt/zTXt/iTXt), eXIf, tIME and unknown chunks are dropped, and anything after IEND.
* WebP: image, alpha, animation and ICCP chunks; EXIF, XMP and unknown chunks are dropped
  and the VP8X flags and RIFF size rewritten.
* GIF: image data, colour tables, graphic control and the looping extension (NETSCAPE2.0);
  comments, plain-text and other application extensions (XMP's DataXMP) are dropped.

EXIF orientation is kept as the only tag (a fresh 1-tag EXIF) where it is not 1, because
applying it would mean re-encoding the pixels. HEIF has no lossless path here: the pipeline
converts it to JPEG from the decoded pixels (see imaging.py).

Damage raises ``EOFError`` (the file ends inside a structure) or ``ValueError`` (the
structure is not what its signature promised); imaging.py turns both into reasons.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Final

from PIL import Image

__all__ = ["LOSSLESS_TYPES", "strip_metadata"]

LOSSLESS_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})

_ORIENTATION_TAG: Final = 0x0112
_EXIF_HEADER: Final = b"Exif\x00\x00"


def strip_metadata(data: bytes, *, content_type: str, orientation: int = 1) -> bytes:
    """``data`` without metadata, keeping ``orientation`` (1-8) as its only EXIF tag."""
    strip = _STRIPPERS.get(content_type)
    if strip is None:
        raise ValueError(f"no lossless metadata removal for {content_type}")
    return strip(data, orientation)


def _orientation_tiff(orientation: int) -> bytes | None:
    """A TIFF-structured EXIF block holding Orientation alone, or None for the default."""
    if orientation == 1:
        return None
    exif = Image.Exif()
    exif[_ORIENTATION_TAG] = orientation
    block = exif.tobytes()
    return block[len(_EXIF_HEADER) :] if block.startswith(_EXIF_HEADER) else block


# --- JPEG --------------------------------------------------------------------------------

_SOI: Final = b"\xff\xd8"
_EOI: Final = b"\xff\xd9"
_SOS: Final = 0xDA
_APP0: Final = 0xE0
_APP2: Final = 0xE2
_APP14: Final = 0xEE
_COM: Final = 0xFE
# The end of a scan's entropy-coded data: a marker that is neither byte stuffing (FF 00), a
# restart marker (FF D0-D7) nor a fill byte (FF FF).
_SCAN_END: Final = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _keep_jpeg_segment(marker: int, body: bytes) -> bool:
    if marker == _APP0:
        return body.startswith(b"JFIF\x00")  # JFXX carries a second (thumbnail) image
    if marker == _APP2:
        return body.startswith(b"ICC_PROFILE\x00")
    if marker == _APP14:
        return body.startswith(b"Adobe")  # tells CMYK/YCCK decoders how to read the colours
    return not (0xE0 <= marker <= 0xEF or marker == _COM)


def _jpeg(data: bytes, orientation: int) -> bytes:
    if not data.startswith(_SOI):
        raise ValueError("not a JPEG")
    # Kept parts are memoryview slices, copied once by the final join: a large file is never
    # held three times over.
    view = memoryview(data)
    out: list[bytes | memoryview] = [_SOI]
    exif = _orientation_tiff(orientation)
    pending_exif = None if exif is None else _jpeg_segment(0xE1, _EXIF_HEADER + exif)
    pos = 2
    size = len(data)
    while True:
        if pos + 2 > size:
            raise EOFError("JPEG ends before its EOI marker")
        if data[pos] != 0xFF:
            raise ValueError("JPEG segment does not start with a marker")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0xD9:
            out.append(_EOI)
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out.append(view[pos : pos + 2])
            pos += 2
            continue
        if pos + 4 > size:
            raise EOFError("JPEG ends inside a segment header")
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > size:
            raise EOFError("JPEG ends inside a segment")
        if pending_exif is not None and marker != _APP0:
            # Right after SOI (and JFIF, when present), where readers look for EXIF.
            out.append(pending_exif)
            pending_exif = None
        if _keep_jpeg_segment(marker, data[pos + 4 : min(end, pos + 16)]):
            out.append(view[pos:end])
        pos = end
        if marker == _SOS:
            found = _SCAN_END.search(data, pos)
            if found is None:
                raise EOFError("JPEG ends inside its image data")
            out.append(view[pos : found.start()])
            pos = found.start()
    return b"".join(out)


def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


# --- PNG ---------------------------------------------------------------------------------

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_PNG_KEEP: Final = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT",
        b"sRGB", b"cICP", b"mDCV", b"cLLI", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
    }
)  # fmt: skip


def _png(data: bytes, orientation: int) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    view = memoryview(data)  # see _jpeg
    out: list[bytes | memoryview] = [_PNG_SIGNATURE]
    exif = _orientation_tiff(orientation)
    pos = len(_PNG_SIGNATURE)
    size = len(data)
    while True:
        if pos + 8 > size:
            raise EOFError("PNG ends before its IEND chunk")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > size:
            raise EOFError("PNG ends inside a chunk")
        if kind in _PNG_KEEP:
            out.append(view[pos:end])
        if kind == b"IHDR" and exif is not None:
            out.append(_png_chunk(b"eXIf", exif))  # must precede IDAT
        pos = end
        if kind == b"IEND":
            break
    return b"".join(out)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


# --- WebP --------------------------------------------------------------------------------

_WEBP_KEEP: Final = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
_VP8X_EXIF: Final = 0x08
_VP8X_XMP: Final = 0x04


def _webp(data: bytes, orientation: int) -> bytes:
    if len(data) < 12 or not data.startswith(b"RIFF") or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    riff_end = 8 + int.from_bytes(data[4:8], "little")
    if riff_end > len(data):
        raise EOFError("WebP ends before its RIFF size")
    chunks: list[bytearray] = []
    pos = 12
    while pos < riff_end:
        if pos + 8 > riff_end:
            raise EOFError("WebP ends inside a chunk header")
        kind = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        end = pos + 8 + length + (length & 1)  # chunks are padded to even sizes
        if pos + 8 + length > riff_end:
            raise EOFError("WebP ends inside a chunk")
        if kind in _WEBP_KEEP:
            chunks.append(bytearray(data[pos:end]))
        pos = end
    exif = _orientation_tiff(orientation)
    extended = [c for c in chunks if c[:4] == b"VP8X"]
    if extended:
        flags = extended[0][8] & ~(_VP8X_EXIF | _VP8X_XMP)
        if exif is not None:
            flags |= _VP8X_EXIF
            chunks.append(bytearray(_riff_chunk(b"EXIF", exif)))  # EXIF goes last
        extended[0][8] = flags
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


# --- GIF ---------------------------------------------------------------------------------

_GIF_KEEP_APPLICATIONS: Final = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _gif(data: bytes, orientation: int) -> bytes:
    del orientation  # GIF has no orientation
    if not data.startswith((b"GIF87a", b"GIF89a")):
        raise ValueError("not a GIF")
    if len(data) < 13:
        raise EOFError("GIF ends inside its header")
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    view = memoryview(data)  # see _jpeg
    out: list[bytes | memoryview] = [view[:pos]]
    size = len(data)
    while True:
        if pos >= size:
            raise EOFError("GIF ends before its trailer")
        introducer = data[pos]
        if introducer == 0x3B:  # trailer
            out.append(b"\x3b")
            break
        if introducer == 0x2C:  # image descriptor, local colour table, LZW data
            if pos + 10 > size:
                raise EOFError("GIF ends inside an image descriptor")
            local = data[pos + 9]
            start = pos
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0) + 1
            pos = _gif_sub_blocks(data, pos)
            out.append(view[start:pos])
        elif introducer == 0x21:  # extension: label, then sub-blocks
            if pos + 2 > size:
                raise EOFError("GIF ends inside an extension")
            label = data[pos + 1]
            start = pos
            pos = _gif_sub_blocks(data, pos + 2)
            keep = label == 0xF9 or (
                label == 0xFF and data[start + 3 : start + 14] in _GIF_KEEP_APPLICATIONS
            )  # graphic control (frame timing, transparency); looping
            if keep:
                out.append(view[start:pos])
        else:
            raise ValueError("GIF block with an unknown introducer")
    return b"".join(out)


def _gif_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a chain of sub-blocks (each: a length byte, then that many bytes)."""
    size = len(data)
    while True:
        if pos >= size:
            raise EOFError("GIF ends inside a data block")
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos


_STRIPPERS: Final = {
    "image/jpeg": _jpeg,
    "image/png": _png,
    "image/webp": _webp,
    "image/gif": _gif,
}
