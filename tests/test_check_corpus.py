"""The hostile corpus: a payload in every container and callable is blocked, benign passes.

Nothing is ever loaded: every payload would create the sentinel file if it ran,
and the tests assert it never appears. The picklescan project's own test files
are judged as picklescan judges them, or stricter.
"""

from __future__ import annotations

import logging
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from modelatlas.check import check, security
from modelatlas.check.folder import read_folder
from modelatlas.check.scanners import ScanContext, file_blob
from tests import check_corpus as cc

BLOCKING = ("critical", "high")


def test_every_hostile_folder_is_blocked_and_nothing_runs(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    folders = cc.hostile(tmp_path / "hostile", sentinel)
    assert len(folders) > 500  # every container x every callable, plus the other formats
    missed = []
    for key, d in folders.items():
        found = security.scan(read_folder(d))
        if not any(f.severity in BLOCKING for f in found):
            missed.append(key)
    assert missed == []
    assert not sentinel.exists()


@pytest.mark.parametrize("key", ["raw.pkl/logging.config.dictConfig", "torch-zip.pt/torch.load",
                                 "npz-object/os.system", "joblib-zlib/pandas.read_pickle",
                                 "polyglot-pickle+zip/os.system", "legacy-torch-tar/os.system",
                                 "tar.gz/builtins.exec", "keras-lambda", "savedmodel-pyfunc",
                                 "onnx-external-dotdot"])
def test_hostile_samples_give_a_blocked_verdict(tmp_path: Path, key: str) -> None:
    sentinel = tmp_path / "SENTINEL"
    d = cc.hostile(tmp_path / "h", sentinel)[key]
    report = check(str(d), use="research")
    assert report.verdict.verdict == "blocked"
    assert any(r.startswith("security (critical)") for r in report.verdict.reasons)
    assert not sentinel.exists()


def test_named_callables_are_critical_not_medium(tmp_path: Path) -> None:
    folders = cc.hostile(tmp_path / "h", tmp_path / "S")
    for name in ("logging.config.dictConfig", "code.InteractiveInterpreter.runsource",
                 "doctest.debug_src", "pathlib.Path.write_text", "torch.load", "torch.hub.load",
                 "torch.utils.cpp_extension.load_inline", "mlflow.pyfunc.load_model",
                 "pandas.read_pickle", "torch.utils.collect_env.run",
                 "multiprocessing.util.spawnv_passfds"):
        found = security.scan(read_folder(folders[f"raw.pkl/{name}"]))
        assert any(f.severity == "critical" and name in f.detail for f in found), name
    built = security.scan(read_folder(folders["raw.pkl/built-at-load-time"]))
    assert any(f.severity == "critical" and "built while loading" in f.detail for f in built)
    assert not any("None.None" in f.detail for f in built)


def test_benign_folders_pass(tmp_path: Path) -> None:
    for key, d in cc.benign(tmp_path).items():
        report = check(str(d), use="research")
        worst = [f for f in report.security if f.severity in (*BLOCKING, "medium")]
        assert worst == [], (key, worst)
        assert report.verdict.verdict != "blocked", key


@pytest.mark.timeout(120)
def test_opcode_bomb_and_nested_json_still_give_a_verdict(tmp_path: Path) -> None:
    """A small zip whose data.pkl is 100 MB of NONE/POP, configs nested a million deep,
    and a critical pickle beside them: every file gets a finding, the pickle is named."""
    bomb = b"\x80\x02" + b"N0" * 50_000_000 + b"N."
    deep = b"[" * 1_000_000 + b"]" * 1_000_000
    d = cc.folder(tmp_path, "bombs", {
        "model.pt": cc.zip_bytes({"archive/data.pkl": bomb}, zipfile.ZIP_DEFLATED),
        "config.json": deep,
        "tokenizer_config.json": b'{"a":' * 200_000 + b"1" + b"}" * 200_000,
        "model.safetensors": struct.pack("<Q", len(deep)) + deep,
        "evil.pkl": cc.call("os", "system", ("touch never",)),
    })
    del bomb
    assert (d / "model.pt").stat().st_size < 200_000
    tracemalloc.start()
    try:
        report = check(str(d), use="research")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 500_000_000
    by_file = {f.file: f for f in report.security}
    assert by_file["evil.pkl"].severity == "critical"
    assert by_file["model.pt:archive/data.pkl"].severity == "high"
    # The opcode budget stops it; on a heavily loaded machine (tracemalloc slows every
    # allocation) the time budget may come first: either way a budget, never a hang.
    detail = by_file["model.pt:archive/data.pkl"].detail
    assert "opcodes" in detail or "time budget" in detail, detail
    for name in ("config.json", "tokenizer_config.json", "model.safetensors"):
        assert by_file[name].severity == "high", name
    assert report.verdict.verdict == "blocked"


def _picklescan_judges(path: Path) -> str:
    from picklescan.scanner import scan_file_path

    logging.disable(logging.CRITICAL)
    try:
        r = scan_file_path(str(path))
    except Exception:
        return "error"
    finally:
        logging.disable(logging.NOTSET)
    if r.infected_files:
        return "infected"
    return "error" if r.scan_err else "clean"


def test_picklescan_test_files_judged_as_picklescan_or_stricter(shared_data: Path) -> None:
    root = shared_data / "picklescan-tests"
    files = sorted(p for p in root.glob("data*/*") if p.is_file())
    assert len(files) > 80
    weaker = []
    for p in files:
        rel = str(p.relative_to(root))
        theirs = _picklescan_judges(p)
        ours = ScanContext(root=root).scan(file_blob(root, rel))
        worst = {f.severity for f in ours}
        if theirs == "infected" and not worst & set(BLOCKING):
            weaker.append((rel, theirs, sorted(worst)))
        if theirs == "error" and not worst & {*BLOCKING, "medium"}:
            weaker.append((rel, theirs, sorted(worst)))
    assert weaker == []
