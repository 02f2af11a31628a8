"""The pickle scanner: deny by default, names built at load time critical, nothing run."""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

from modelatlas.check import check, scan_pickle
from tests.checkfix import EvalPayload, ImportPayload, Payload, details, model_folder

# -- pickles ---------------------------------------------------------------------------


def test_shell_pickle_is_blocked_named_and_never_run(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    d = model_folder(tmp_path)
    (d / "pytorch_model.bin").write_bytes(pickle.dumps({"w": Payload(sentinel)}, protocol=2))
    report = check(str(d), use="research")
    crit = [f for f in report.security if f.severity == "critical"]
    assert [f.file for f in crit] == ["pytorch_model.bin"]
    assert "posix.system" in crit[0].detail or "os.system" in crit[0].detail
    assert report.verdict.verdict == "blocked"
    assert any("system" in r for r in report.verdict.reasons)
    assert not sentinel.exists()


def test_zip_format_torch_file_names_the_member(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    d = model_folder(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(Payload(sentinel), protocol=2))
        zf.writestr("archive/version", "3\n")
        zf.writestr("archive/data/0", b"\0" * 16)
    (d / "model.pt").write_bytes(buf.getvalue())
    report = check(str(d))
    crit = [f for f in report.security if f.severity == "critical"]
    assert [f.file for f in crit] == ["model.pt:archive/data.pkl"]
    assert "system" in crit[0].detail
    assert report.verdict.verdict == "blocked"
    assert not sentinel.exists()


def test_protocol0_global_opcode_subprocess(tmp_path: Path) -> None:
    p = tmp_path / "x.pkl"
    p.write_bytes(b"csubprocess\nPopen\n(S'id'\ntR.")
    found = scan_pickle.scan_pickle_file(p, "x.pkl")
    assert [(f.severity, "subprocess.Popen" in f.detail) for f in found] == [("critical", True)]


def test_builtins_eval_and_import_are_critical(tmp_path: Path) -> None:
    for name, obj in (("eval.pkl", EvalPayload()), ("imp.ckpt", ImportPayload())):
        p = tmp_path / name
        p.write_bytes(pickle.dumps(obj, protocol=4))
        found = scan_pickle.scan_pickle_file(p, name)
        assert found and found[0].severity == "critical", details(found)
    found = scan_pickle.scan_pickle_file(tmp_path / "eval.pkl", "eval.pkl")
    assert "builtins.eval" in found[0].detail
    found = scan_pickle.scan_pickle_file(tmp_path / "imp.ckpt", "imp.ckpt")
    assert "builtins.__import__" in found[0].detail


def test_resolver_bypass_is_critical(tmp_path: Path) -> None:
    """importlib.import_module + inspect.getattr_static: a published picklescan bypass
    (both are only 'suspicious' there); 'system' is a plain string argument."""
    p = tmp_path / "bypass.pkl"
    p.write_bytes(
        b"\x80\x02cinspect\ngetattr_static\ncimportlib\nimport_module\n"
        b"X\x02\x00\x00\x00os\x85RX\x06\x00\x00\x00system\x86RX\x02\x00\x00\x00id\x85R."
    )
    found = scan_pickle.scan_pickle_file(p, "bypass.pkl")
    named = {f.detail.split("callable ")[1].split(":")[0] for f in found
             if f.severity == "critical"}
    assert named == {"inspect.getattr_static", "importlib.import_module"}, details(found)


def test_plain_checkpoint_globals_are_only_low(tmp_path: Path) -> None:
    p = tmp_path / "ok.pth"
    p.write_bytes(
        b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02."
    )
    found = scan_pickle.scan_pickle_file(p, "ok.pth")
    assert [f.severity for f in found] == ["low"], details(found)


def test_unknown_global_is_high_and_blocks(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    (d / "extra.pkl").write_bytes(b"\x80\x02cmylib.helpers\nThing\nq\x00.")
    report = check(str(d))
    high = [f for f in report.security if f.severity == "high"]
    assert high and "mylib.helpers.Thing" in high[0].detail
    assert report.verdict.verdict == "blocked"


def test_truncated_pickle_with_global_is_still_flagged(tmp_path: Path) -> None:
    p = tmp_path / "t.pkl"
    p.write_bytes(b"\x80\x02cos\nsystem\nq\x00(X\x02\x00\x00\x00i")
    found = scan_pickle.scan_pickle_file(p, "t.pkl")
    sev = {f.severity for f in found}
    assert "critical" in sev and "high" in sev, details(found)
    assert any("cannot be parsed to its end" in f.detail for f in found), details(found)


