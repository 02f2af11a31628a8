"""Compressed streams: gzip, bz2, xz, lzma, zlib (joblib) and decompression bombs."""

from __future__ import annotations

import bz2
import gzip
import lzma
import zlib

import pytest

from modelatlas.check.budgets import Budget, Limits
from modelatlas.check.scanners import ScanContext, bytes_blob
from tests import check_corpus as cc

EVIL = cc.call("subprocess", "run", (["touch", "never"],))


@pytest.mark.parametrize("name,pack", [
    ("m.pkl.gz", gzip.compress), ("m.joblib", zlib.compress), ("m.pkl.bz2", bz2.compress),
    ("m.pkl.xz", lzma.compress),
    ("m.lzma", lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE))])
def test_pickle_inside_is_found(name: str, pack: object) -> None:
    found = ScanContext().scan(bytes_blob(name, pack(EVIL)))  # type: ignore[operator]
    assert any(f.severity == "critical" and "subprocess.run" in f.detail for f in found)


def test_decompression_bomb_hits_the_stream_budget() -> None:
    bomb = gzip.compress(b"\x80\x02" + b"(" * 5_000_000)
    ctx = ScanContext(Budget(Limits(member_bytes=1_000_000, pickle_bytes=1_000_000)))
    found = ctx.scan(bytes_blob("b.pkl.gz", bomb))
    assert any(f.severity == "high" and "budget" in f.detail for f in found)


def test_plain_bytes_are_not_claimed() -> None:
    assert ScanContext().scan(bytes_blob("notes.txt", b"x\x9c not zlib at all")) == []
