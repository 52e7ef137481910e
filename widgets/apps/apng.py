"""Assemble PNG frames into an animated PNG (APNG), with the standard library only.

An APNG is a PNG whose first frame is the ordinary image, so a viewer
without animation support still shows it; browsers play the following
frames from ``fdAT`` chunks. See the APNG specification
(https://wiki.mozilla.org/APNG_Specification).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PngError(ValueError):
    """Bytes that are not a PNG image, or frames that cannot share one animation."""


@dataclass(frozen=True)
class Chunk:
    """One PNG chunk: its four-letter type and its data."""

    kind: bytes
    data: bytes


def read_chunks(png: bytes) -> list[Chunk]:
    """Return the chunks of a PNG image, checking the signature and lengths.

    Raises
    ------
    PngError
        If the bytes do not start with the PNG signature or a chunk is cut.
    """
    if not png.startswith(SIGNATURE):
        raise PngError("Not a PNG image: the 8-byte PNG signature is missing.")
    chunks = []
    position = len(SIGNATURE)
    while position < len(png):
        if position + 8 > len(png):
            raise PngError(f"PNG chunk header cut at byte {position}.")
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        end = position + 8 + length + 4
        if end > len(png):
            raise PngError(f"PNG chunk {kind!r} at byte {position} is cut.")
        chunks.append(Chunk(kind, png[position + 8 : position + 8 + length]))
        position = end
    return chunks


def image_size(png: bytes) -> tuple[int, int]:
    """Return ``(width, height)`` of a PNG image, in pixels."""
    header = read_chunks(png)[0]
    if header.kind != b"IHDR":
        raise PngError("PNG image without IHDR as its first chunk.")
    width, height = struct.unpack(">II", header.data[:8])
    return width, height


def assemble_apng(frames: list[bytes], delay_ms: int = 1500, plays: int = 0) -> bytes:
    """Return an APNG that shows ``frames`` in turn, ``delay_ms`` each.

    Parameters
    ----------
    frames
        PNG images of the same size, bit depth and colour type.
    delay_ms
        How long each frame shows, in milliseconds.
    plays
        How many times the animation plays; 0 loops forever.

    Raises
    ------
    PngError
        If there is no frame, or the frames differ in size or pixel format.
    """
    if not frames:
        raise PngError("An animation needs at least one frame.")
    parsed = [read_chunks(frame) for frame in frames]
    header = parsed[0][0]
    for number, chunks in enumerate(parsed[1:], start=2):
        if chunks[0].data != header.data:
            raise PngError(
                f"Frame {number} differs from frame 1 in size or pixel format "
                f"(IHDR {chunks[0].data.hex()} vs {header.data.hex()}); "
                "take every screenshot at the same size."
            )
    width, height = struct.unpack(">II", header.data[:8])
    before_data = [
        chunk
        for chunk in parsed[0][1:]
        if chunk.kind not in (b"IDAT", b"IEND") and not _after_data(parsed[0], chunk)
    ]

    output = [SIGNATURE, _chunk(b"IHDR", header.data)]
    output += [_chunk(chunk.kind, chunk.data) for chunk in before_data]
    output.append(_chunk(b"acTL", struct.pack(">II", len(frames), plays)))
    sequence = 0
    for index, chunks in enumerate(parsed):
        control = struct.pack(
            ">IIIIIHHBB", sequence, width, height, 0, 0, delay_ms, 1000, 0, 0
        )
        output.append(_chunk(b"fcTL", control))
        sequence += 1
        for chunk in chunks:
            if chunk.kind != b"IDAT":
                continue
            if index == 0:
                output.append(_chunk(b"IDAT", chunk.data))
            else:
                output.append(_chunk(b"fdAT", struct.pack(">I", sequence) + chunk.data))
                sequence += 1
    output.append(_chunk(b"IEND", b""))
    return b"".join(output)


def frame_count(png: bytes) -> int:
    """Return the number of frames an APNG declares (1 for a still PNG)."""
    for chunk in read_chunks(png):
        if chunk.kind == b"acTL":
            return struct.unpack(">I", chunk.data[:4])[0]
    return 1


def _after_data(chunks: list[Chunk], target: Chunk) -> bool:
    """Return whether ``target`` comes after the first IDAT chunk."""
    seen_data = False
    for chunk in chunks:
        if chunk.kind == b"IDAT":
            seen_data = True
        if chunk is target:
            return seen_data
    return False


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
