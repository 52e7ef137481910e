"""Tests of the animated PNG assembler, on frames chromium-free code can make."""

import struct
import zlib

import pytest

from widgets.apps.apng import (
    PngError,
    assemble_apng,
    frame_count,
    image_size,
    read_chunks,
)


def png(width: int, height: int, shade: int) -> bytes:
    """Return a grey RGB PNG of ``width`` x ``height`` pixels."""
    rows = b"".join(b"\x00" + bytes([shade]) * (3 * width) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_frame_count():
    animation = assemble_apng([png(4, 3, 0), png(4, 3, 128), png(4, 3, 255)])
    assert frame_count(animation) == 3


def test_size_kept():
    assert image_size(assemble_apng([png(5, 2, 0), png(5, 2, 9)])) == (5, 2)


def test_sequence_numbers_increase():
    animation = assemble_apng([png(2, 2, 0), png(2, 2, 50), png(2, 2, 99)])
    numbers = [
        struct.unpack(">I", chunk.data[:4])[0]
        for chunk in read_chunks(animation)
        if chunk.kind in (b"fcTL", b"fdAT")
    ]
    assert numbers == list(range(len(numbers)))


def test_first_frame_is_plain_png():
    first = png(3, 3, 7)
    animation = assemble_apng([first, png(3, 3, 8)])
    data = [c.data for c in read_chunks(animation) if c.kind == b"IDAT"]
    assert data == [c.data for c in read_chunks(first) if c.kind == b"IDAT"]


def test_mismatched_sizes():
    with pytest.raises(PngError, match="Frame 2"):
        assemble_apng([png(4, 4, 0), png(4, 5, 0)])


def test_not_png():
    with pytest.raises(PngError, match="signature"):
        read_chunks(b"GIF89a")


def test_no_frames():
    with pytest.raises(PngError):
        assemble_apng([])
