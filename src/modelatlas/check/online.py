"""Scanning a Hub repository without a full download (``--online``), or with one (``--download``).

Through :class:`modelatlas.sources.hub_api.HubClient` (retries, politeness, the
token, the endpoint and its CDN only; one client for the whole check):

* the tree listing with ``expand`` gives each file's size, LFS SHA-256 and the
  Hub's own scans (``securityFileStatus``): an ``unsafe`` status or a virus is a
  high/critical finding, and every import the Hub's pickle scan lists is judged by
  *our* deny-by-default policy (:mod:`.pickle_policy`);
* HTTP Range reads fetch what can be checked from the first bytes: safetensors
  headers (8 bytes, then the header), GGUF metadata, and the small text files
  (configs, chat templates, Python), which go through the same scanner registry
  as a local folder;
* ``--download`` fetches the other files (pickles, archives, ONNX, Keras, ...)
  into a private temporary folder, within a byte cap (setting
  ``check_download_max``), and scans that folder for real; a file above what is
  left of the cap is a medium finding ("not downloaded: not verified").
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from modelatlas import settings
from modelatlas.check import pickle_policy, scan_gguf, scan_safetensors, security
from modelatlas.check.findings import Finding
from modelatlas.check.scanners import ScanContext, bytes_blob
from modelatlas.check.subject import FileEntry, Subject
from modelatlas.errors import ModelAtlasError

if TYPE_CHECKING:
    from modelatlas.sources.hub_api import HubClient, RepoFile

SMALL_TEXT = 2_000_000  # configs, templates and code read whole
HEADER_ONLY = (".safetensors", ".gguf")
TEXT_NAMES = ("config.json", "tokenizer_config.json", "chat_template.json",
              "processor_config.json", "preprocessor_config.json", "generation_config.json")


@contextlib.contextmanager
def client(endpoint: str | None) -> Iterator[HubClient]:
    """One Hub client for the check, with the interactive retry policy."""
    from modelatlas.check.hub import INTERACTIVE_ATTEMPTS, INTERACTIVE_MAX_WAIT
    from modelatlas.sources.hub_api import HubClient, RetryPolicy

    ep = (endpoint or settings.get("hf_endpoint")).rstrip("/")
    env = RetryPolicy.from_env()
    policy = dataclasses.replace(env, attempts=min(env.attempts, INTERACTIVE_ATTEMPTS),
                                 max_wait=min(env.max_wait, INTERACTIVE_MAX_WAIT))
    with HubClient(ep, policy=policy) as c:
        yield c


def hub_scan_findings(f: RepoFile) -> list[Finding]:
    """What the Hub's own scanners say of one file, judged by our policy."""
    out: list[Finding] = []
    status = (f.security_status or "").lower()
    if status in ("unsafe", "infected"):
        out.append(Finding(f.path, "high", "hub-scan",
                           f"the Hub's own scan marks this file {status}"))
    elif status in ("suspicious", "caution"):
        out.append(Finding(f.path, "medium", "hub-scan",
                           f"the Hub's own scan marks this file {status}"))
    av = f.av_scan or {}
    if av.get("virusFound"):
        names = av.get("virusNames") or []
        out.append(Finding(f.path, "critical", "hub-scan",
                           f"the Hub's antivirus found {', '.join(map(str, names)) or 'a virus'}"))
    pis = f.pickle_import_scan or {}
    for imp in pis.get("imports") or []:
        if not isinstance(imp, dict):
            continue
        module, name = str(imp.get("module") or ""), str(imp.get("name") or "")
        sev = pickle_policy.severity(module, name)
        if sev:
            out.append(Finding(f.path, sev, "pickle",
                               f"the Hub's pickle scan lists import {module}.{name} "
                               f"({imp.get('safety') or 'unrated'}); outside our allowlist"))
    return out


def _range_findings(c: HubClient, model_id: str, f: RepoFile, revision: str) -> list[Finding]:
    from modelatlas.sources.hub_api import MAX_RANGE_BYTES

    size = f.size or f.lfs_size
    name = f.path.rsplit("/", 1)[-1]
    suffix = PurePosixPath(f.path).suffix.lower()
    if suffix == ".safetensors" and size:
        head = c.read_range(model_id, f.path, start=0, length=8, revision=revision)
        n = int.from_bytes(head[:8], "little") if len(head) == 8 else 0
        if 0 < n <= min(MAX_RANGE_BYTES - 8, scan_safetensors.MAX_HEADER) and n <= size - 8:
            head += c.read_range(model_id, f.path, start=8, length=n, revision=revision)
        return scan_safetensors.check_stream(io.BytesIO(head), size, f.path)
    if suffix == ".gguf" and size:
        want = min(size, MAX_RANGE_BYTES)
        data = c.read_range(model_id, f.path, start=0, length=want, revision=revision)
        found, template = scan_gguf.check_stream(io.BytesIO(data), size, f.path)
        if found and len(data) < size and all("past the end" in x.detail or "truncated"
                                              in x.detail for x in found):
            return [Finding(f.path, "info", "gguf", f"metadata larger than the {len(data):,} "
                            "bytes read online: checked with --download")]
        if template:
            from modelatlas.check import scan_code

            found += scan_code.check_template(template, f.path)
        return found
    if size is not None and size <= SMALL_TEXT and (
            name in TEXT_NAMES or suffix in (".py", ".jinja", ".j2")):
        data = c.read_range(model_id, f.path, start=0, length=max(size, 1),
                            revision=revision)
        return ScanContext().scan(bytes_blob(f.path, data))
    return []


def _download(c: HubClient, model_id: str, files: list[RepoFile], revision: str,
              cap: int) -> tuple[Path | None, list[FileEntry], list[Finding]]:
    from modelatlas.sources.hub_api import MAX_RANGE_BYTES

    tmp = Path(tempfile.mkdtemp(prefix="modelatlas-download-"))
    entries: list[FileEntry] = []
    out: list[Finding] = []
    left = cap
    for f in files:
        size = f.size or f.lfs_size or 0
        if f.path.lower().endswith(HEADER_ONLY):
            continue  # read by Range: their headers are what can carry an attack
        if size > left:
            out.append(Finding(f.path, "medium", "files",
                               f"not downloaded: {size:,} bytes, above what is left of the "
                               f"{cap:,}-byte download cap; not verified"))
            continue
        rel = PurePosixPath(f.path)
        if rel.is_absolute() or ".." in rel.parts:
            out.append(Finding(f.path, "high", "files", "file path leaves the repository"))
            continue
        dest = tmp.joinpath(*rel.parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open("wb") as fh:
            pos = 0
            while pos < size or (size == 0 and pos == 0):
                chunk = c.read_range(model_id, f.path, start=pos,
                                     length=min(MAX_RANGE_BYTES, max(size - pos, 1)),
                                     revision=revision)
                if not chunk:
                    break
                fh.write(chunk)
                pos += len(chunk)
                if size == 0:
                    break
        left -= pos
        entries.append(FileEntry(f.path, pos, f.lfs_sha256))
    return tmp, entries, out


def scan(subject: Subject, endpoint: str | None, *, download: bool = False,
         revision: str = "main") -> list[Finding]:
    """Findings for a Hub repository: the Hub's scans, Range reads, and with
    ``download`` the downloaded files scanned like a local folder."""
    import shutil

    from modelatlas.sources.hub_api import RepoFile, TreeListing

    out: list[Finding] = list(security.scan_listing(subject))
    with client(endpoint) as c:
        try:
            listing = c.list_tree(subject.id, revision=revision, expand=True,
                                  max_files=int(settings.get("tree_max_files")))
        except ModelAtlasError as exc:  # fall back to the record's own file list
            out.append(Finding("-", "medium", "files", f"file tree not read ({exc}): the "
                               "Hub's per-file scans are not known"))
            listing = TreeListing([RepoFile(path=f.name, size=f.size, lfs_sha256=f.sha256)
                                   for f in subject.files])
        if listing.truncated:
            out.append(Finding("-", "high", "files", f"more than {len(listing.files):,} files: "
                               "the rest are not listed, so not verified"))
        known = {f.name for f in subject.files}
        subject.files += [FileEntry(f.path, f.size or f.lfs_size, f.lfs_sha256)
                          for f in listing.files if f.path not in known]
        by_name = {f.name: f for f in subject.files}
        for f in listing.files:
            entry = by_name.get(f.path)
            if entry is not None and entry.sha256 is None and f.lfs_sha256:
                by_name[f.path] = dataclasses.replace(entry, sha256=f.lfs_sha256)
            out += hub_scan_findings(f)
            try:
                out += _range_findings(c, subject.id, f, revision)
            except ModelAtlasError as exc:
                out.append(Finding(f.path, "medium", "files", f"not read online: {exc}"))
        subject.files = list(by_name.values())
        if download:
            cap = int(settings.get("check_download_max"))
            tmp, entries, skipped = _download(c, subject.id, listing.files, revision, cap)
            out += skipped
            try:
                if tmp is not None:
                    local = Subject(id=subject.id, provenance="download", path=tmp,
                                    files=entries)
                    out += security.scan_folder(local)
            finally:
                if tmp is not None:
                    shutil.rmtree(tmp, ignore_errors=True)
    read = {x.file for x in out if x.kind in ("code", "template", "config")
            and "custom Python code:" in x.detail}
    out = [x for x in out if not (x.file in read and x.detail.startswith("custom Python code in"))]
    if download:  # the downloaded files were scanned for real: the "not scanned" notes go
        out = [x for x in out if "not downloaded, so not scanned" not in x.detail]
    return security.unique_sorted(out)
