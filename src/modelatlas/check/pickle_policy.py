"""Which pickle globals a model file may import: a small allowlist, everything else denied.

Deny by default: a weight file needs only the constructors that rebuild tensors
and plain containers (modelled on ``torch.load(weights_only=True)``'s own
allowlist, ``torch/_weights_only_unpickler.py``); any other global is *high*
and blocks the verdict. Globals known to run code, touch files or the network,
or resolve other names (the published picklescan bypasses, the callables seen
in malicious Hub uploads) are *critical*. The critical list adds to
picklescan's maintained deny list (``picklescan.scanner._unsafe_globals``,
pinned version), which is read when available.
"""

from __future__ import annotations

from functools import lru_cache

# module -> allowed names (tensor rebuild, dtypes, plain containers, enum/dataclass
# state of training configs saved by transformers' Trainer).
ALLOW: dict[str, frozenset[str]] = {
    "collections": frozenset({"OrderedDict", "defaultdict", "Counter", "deque"}),
    "torch._utils": frozenset({
        "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_parameter",
        "_rebuild_parameter_with_state", "_rebuild_sparse_tensor", "_rebuild_qtensor",
        "_rebuild_device_tensor_from_numpy", "_rebuild_meta_tensor_no_storage",
        "_rebuild_wrapper_subclass", "_rebuild_nested_tensor"}),
    "torch._tensor": frozenset({"_rebuild_from_type_v2"}),
    "torch": frozenset({
        "Size", "device", "dtype", "float16", "bfloat16", "float32", "float64", "int8",
        "uint8", "int16", "int32", "int64", "bool", "complex64", "complex128",
        "float8_e4m3fn", "float8_e5m2", "Tensor", "FloatStorage", "HalfStorage",
        "BFloat16Storage", "DoubleStorage", "LongStorage", "IntStorage", "ShortStorage",
        "CharStorage", "ByteStorage", "BoolStorage", "ComplexFloatStorage",
        "ComplexDoubleStorage", "UntypedStorage", "QInt8Storage", "QUInt8Storage",
        "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage", "per_tensor_affine",
        "per_channel_affine", "channels_last", "contiguous_format", "preserve_format"}),
    "torch.nn.parameter": frozenset({"Parameter"}),
    "numpy": frozenset({"dtype", "ndarray", "float16", "float32", "float64", "int8", "int16",
                        "int32", "int64", "uint8", "bool_"}),
    "numpy.core.multiarray": frozenset({"_reconstruct", "scalar"}),
    "numpy._core.multiarray": frozenset({"_reconstruct", "scalar"}),
    "numpy.dtypes": frozenset({"Float16DType", "Float32DType", "Float64DType", "Int64DType",
                               "Int32DType", "UInt8DType", "BoolDType"}),
    "_codecs": frozenset({"encode"}),
    "builtins": frozenset({"set", "frozenset", "bytearray", "slice", "complex", "range",
                           "dict", "list", "tuple", "int", "float", "bool", "str", "bytes",
                           "object"}),
    "__builtin__": frozenset({"set", "frozenset", "bytearray", "slice", "complex", "dict",
                              "list", "tuple", "int", "float", "bool", "str", "object"}),
    "copyreg": frozenset({"_reconstructor"}),
    "copy_reg": frozenset({"_reconstructor"}),
    "transformers.training_args": frozenset({"TrainingArguments", "OptimizerNames"}),
    "transformers.training_args_seq2seq": frozenset({"Seq2SeqTrainingArguments"}),
    "transformers.trainer_utils": frozenset({"IntervalStrategy", "SchedulerType", "HubStrategy",
                                             "SaveStrategy", "FSDPOption"}),
    "transformers.debug_utils": frozenset({"DebugOption"}),
    "accelerate.utils.dataclasses": frozenset({"DistributedType"}),
    "accelerate.state": frozenset({"PartialState"}),
}

# Known to run code, read or write files, reach the network, or resolve names
# (module -> names, None = the whole module and its submodules).
CRITICAL: dict[str, frozenset[str] | None] = {
    "os": None, "posix": None, "nt": None, "subprocess": None, "_posixsubprocess": None,
    "pty": None, "sys": None, "shutil": None, "socket": None, "socketserver": None,
    "ssl": None, "http": None, "urllib": None, "urllib3": None, "requests": None,
    "httpx": None, "aiohttp": None, "ftplib": None, "smtplib": None, "telnetlib": None,
    "imaplib": None, "poplib": None, "xmlrpc": None, "webbrowser": None, "asyncio": None,
    "runpy": None, "importlib": None, "imp": None, "zipimport": None, "pkgutil": None,
    "code": None, "codeop": None, "doctest": None, "pdb": None, "bdb": None, "cProfile": None,
    "profile": None, "timeit": None, "trace": None, "inspect": None, "marshal": None,
    "pickle": None, "_pickle": None, "cloudpickle": None, "dill": None, "shelve": None,
    "joblib": None, "ctypes": None, "cffi": None, "_ctypes": None, "signal": None,
    "resource": None, "multiprocessing": None, "concurrent": None, "threading": None,
    "_thread": None, "tempfile": None, "pathlib": None, "glob": None, "io": None,
    "_io": None, "fileinput": None, "linecache": None, "tarfile": None, "zipfile": None,
    "logging": None, "atexit": None, "gc": None, "py_compile": None, "compileall": None,
    "distutils": None, "setuptools": None, "pip": None, "venv": None, "ensurepip": None,
    "sysconfig": None, "platform": None, "uuid": None, "_osx_support": None,
    "_aix_support": None, "_pyrepl": None, "pydoc": None, "idlelib": None, "lib2to3": None,
    "test": None, "unittest": None, "operator": frozenset({"attrgetter", "methodcaller",
                                                           "itemgetter"}),
    "functools": frozenset({"partial", "reduce"}),
    "types": None, "weakref": None, "builtins": frozenset({
        "eval", "exec", "compile", "open", "__import__", "getattr", "setattr", "delattr",
        "globals", "locals", "vars", "input", "breakpoint", "memoryview", "help", "exit",
        "quit", "print", "apply", "execfile", "file", "reload"}),
    "__builtin__": frozenset({"eval", "exec", "compile", "open", "__import__", "getattr",
                              "setattr", "delattr", "globals", "locals", "vars", "input",
                              "execfile", "file", "reload", "apply"}),
    "torch": frozenset({"load", "save", "compile", "_load_global_deps"}),
    "torch.hub": None, "torch.utils.cpp_extension": None, "torch.utils.collect_env": None,
    "torch.utils.data": None, "torch.jit": None, "torch.package": None, "torch.serialization":
    None, "torch._dynamo": None, "torch._inductor": None, "torch.distributed": None,
    "torch.testing": None, "torch.fx": None, "torch.ops": None, "torch._ops": None,
    "torch.library": None, "torch.cuda": None, "torch.backends": None,
    "numpy": frozenset({"load", "loadtxt", "fromfile", "save", "savetxt", "genfromtxt",
                        "memmap", "frompyfunc", "vectorize"}),
    "numpy.testing": None, "numpy.f2py": None, "numpy.distutils": None, "numpy.lib": None,
    "pandas": None, "mlflow": None, "keras": None, "tensorflow": None, "transformers.pipelines":
    None, "huggingface_hub": None, "yaml": None, "jinja2": None, "sqlite3": None,
    "shlex": None, "commands": None, "popen2": None, "spawn": None, "sklearn.utils": None,
}


@lru_cache(maxsize=1)
def _picklescan_denied() -> dict[str, frozenset[str] | None]:
    """picklescan's deny list (module -> names or None for '*'), empty if it moved."""
    try:
        from picklescan import scanner
    except ImportError:  # pragma: no cover - a pinned dependency
        return {}
    table = getattr(scanner, "_unsafe_globals", None)
    if not isinstance(table, dict):
        return {}
    return {str(m): (None if v == "*" else frozenset(str(x) for x in v))
            for m, v in table.items()}


def _listed(table: dict[str, frozenset[str] | None], module: str, name: str) -> bool:
    """True when ``module.name`` is in ``table``; a None entry covers submodules too."""
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key not in table:
            continue
        names = table[key]
        if names is None:
            return True
        if i == len(parts):
            # names like "Path.write_text" (attribute chains) match on their head
            return name in names or name.split(".", 1)[0] in names
    return False


def allowed(module: str, name: str) -> bool:
    names = ALLOW.get(module)
    return names is not None and name in names


def severity(module: str, name: str) -> str | None:
    """None for an allowlisted global, else 'critical' (known dangerous) or 'high'."""
    if allowed(module, name):
        return None
    if _listed(CRITICAL, module, name) or _listed(_picklescan_denied(), module, name):
        return "critical"
    return "high"
