"""``check --online`` / ``--download`` against the fake Hub on loopback (no network)."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from modelatlas.check import check
from tests import check_corpus as cc
from tests.fakehub import FakeHub

MID = "evil-org/trojan-7b"


def _record(files: dict[str, bytes]) -> dict[str, Any]:
    import hashlib

    sib = []
    for name, data in files.items():
        s: dict[str, Any] = {"rfilename": name, "size": len(data),
                             "blobId": hashlib.sha1(data).hexdigest()}
        if name.endswith((".safetensors", ".gguf", ".bin")):
            s["lfs"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                        "pointerSize": 134}
        sib.append(s)
    return {"_id": "1", "id": MID, "modelId": MID, "author": "evil-org", "tags":
            ["license:apache-2.0", "base_model:meta-llama/Llama-3.1-8B"], "cardData":
            {"license": "apache-2.0", "base_model": "meta-llama/Llama-3.1-8B"},
            "sha": "a" * 40, "siblings": sib, "createdAt": "2026-01-01T00:00:00.000Z",
            "lastModified": "2026-01-02T00:00:00.000Z",
            "config": {"model_type": "llama"}, "gated": False, "disabled": False}


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[FakeHub]:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    bad_header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}})
    files = {
        "model.safetensors": struct.pack("<Q", len(header)) + header + b"\0" * 8,
        "broken.safetensors": struct.pack("<Q", len(bad_header)) + bad_header.encode()
        + b"\0" * 8,
        "pytorch_model.bin": cc.torch_zip(cc.call("os", "system", ("touch never",))),
        "extra/weights.dat": cc.zip_bytes({"x.pkl": cc.call("builtins", "exec", ("1",))}),
        "tokenizer_config.json": json.dumps({"chat_template": "{{ x.__class__ }}"}).encode(),
        "config.json": b'{"model_type": "llama"}',
    }
    fake = FakeHub([_record(files)], files={(MID, k): v for k, v in files.items()})
    base = fake.start()
    monkeypatch.setenv("HF_ENDPOINT", base)
    monkeypatch.setenv("MODELATLAS_HTTP_WAIT_SCALE", "0.001")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    yield fake
    fake.stop()


def test_online_reads_hub_scans_and_headers_without_downloading(hub: FakeHub) -> None:
    r = check(MID, online=True, use="research")
    by = {(f.file, f.severity, f.kind) for f in r.security}
    # the Hub's own pickle scan, judged by our policy
    assert ("pytorch_model.bin", "critical", "pickle") in by
    assert ("pytorch_model.bin", "high", "hub-scan") in by
    # safetensors headers and the chat template by Range reads
    assert ("broken.safetensors", "high", "safetensors") in by
    assert ("tokenizer_config.json", "high", "template") in by
    assert not any(f.file == "model.safetensors" for f in r.security)
    # weights are never fetched whole: Range reads only, small ones
    ranges = [h.get("Range") or h.get("range") for _, _, h in hub.requests
              if "/resolve/" in _]
    assert ranges and all(x and x.startswith("bytes=") for x in ranges)
    assert r.verdict.verdict == "blocked"
    assert {f.name: f.sha256 for f in r.subject.files}["model.safetensors"]


def test_download_scans_pickles_for_real_within_the_cap(hub: FakeHub,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    r = check(MID, download=True, use="research")
    crit = {(f.file, f.detail.split(":")[0]) for f in r.security if f.severity == "critical"}
    assert any(f == "pytorch_model.bin:archive/data.pkl" for f, _ in crit)
    assert any(f == "extra/weights.dat:x.pkl" for f, _ in crit)
    monkeypatch.setenv("MODELATLAS_CHECK_DOWNLOAD_MAX", "100")
    r = check(MID, download=True, use="research")
    assert any(f.severity == "medium" and "download cap" in f.detail for f in r.security)
