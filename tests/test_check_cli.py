"""``modelatlas check`` on the command line: text, --json contract, --cyclonedx, --online."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from modelatlas.store import open_store
from tests.clirunner import run_cli
from tests.test_check_folder import LLAMA_CARD, make_folder, seed_store

KEYS = {"id", "verdict", "reasons", "origin", "lineage", "licenses", "conflicts", "security",
        "openness", "duties", "use", "users", "source"}

HUB: dict[str, dict] = {  # type: ignore[type-arg]
    "acme/tuned": {
        "id": "acme/tuned", "author": "acme", "sha": "a" * 40, "gated": False,
        "createdAt": "2026-03-01T00:00:00.000Z",
        "tags": ["license:apache-2.0", "base_model:finetune:acme/mid"],
        "cardData": {"license": "apache-2.0", "base_model": ["acme/mid", "acme/gone"]},
        "config": {"auto_map": {"AutoModel": "modeling_acme.AcmeModel"}},
        "siblings": [{"rfilename": "model.safetensors", "size": 10},
                     {"rfilename": "pytorch_model.bin", "size": 20},
                     {"rfilename": "modeling_acme.py", "size": 30}],
    },
    "acme/mid": {
        "id": "acme/mid", "author": "acme", "gated": False,
        "cardData": {"license": "llama3.1", "base_model": "meta-llama/Llama-3.1-8B-Instruct"},
        "siblings": [],
    },
    "meta-llama/Llama-3.1-8B-Instruct": {
        "id": "meta-llama/Llama-3.1-8B-Instruct", "author": "meta-llama", "gated": "manual",
        "cardData": {"license": "llama3.1"}, "siblings": [],
    },
}


class FakeHub(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        FakeHub.requests.append(self.path)
        model = path.removeprefix("/api/models/")
        body = HUB.get(model)
        if body is None:
            self.send_response(404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": "Repository not found"}')
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def hub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True)
    t.start()
    FakeHub.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    t.join()


def test_json_contract_for_a_folder(tmp_path: Path, db_path: Path) -> None:
    d = make_folder(tmp_path, LLAMA_CARD)
    r = run_cli("--db", str(db_path), "check", str(d), "--json", "--use", "saas",
                "--users", "5000")
    assert r.code == 0, r.err
    doc = json.loads(r.out)  # exactly one JSON document
    assert set(doc) >= KEYS
    assert doc["verdict"] == "conditions" and doc["use"] == "saas" and doc["users"] == 5000
    assert doc["lineage"]["roots"] == ["meta-llama/Llama-3.1-8B-Instruct"]
    assert isinstance(doc["security"], list)
    assert any(c["kind"] == "laundering" for c in doc["conflicts"])
    assert not db_path.exists()  # a folder check does not create a store


def test_text_output_names_verdict_and_duties(tmp_path: Path, db_path: Path) -> None:
    d = make_folder(tmp_path, LLAMA_CARD)
    r = run_cli("--db", str(db_path), "check", str(d))
    assert r.code == 0, r.err
    assert "CONDITIONS" in r.out and "Built with Llama" in r.out and "laundering" in r.out


def test_cyclonedx_prints_only_a_valid_bom(tmp_path: Path, db_path: Path) -> None:
    d = make_folder(tmp_path, LLAMA_CARD)
    r = run_cli("--db", str(db_path), "check", str(d), "--cyclonedx")
    assert r.code == 0, r.err
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(r.out) is None
    assert json.loads(r.out)["metadata"]["component"]["name"] == "model"


def test_usage_errors_exit_2(tmp_path: Path, db_path: Path) -> None:
    d = make_folder(tmp_path, LLAMA_CARD)
    r = run_cli("--db", str(db_path), "check", str(d), "--json", "--cyclonedx")
    assert r.code == 2 and "exclusive" in r.err
    r = run_cli("--db", str(db_path), "check", str(d), "--use", "military")
    assert r.code == 2 and "--use" in r.err and r.out == ""


def test_hub_id_needs_a_store_or_online(db_path: Path) -> None:
    r = run_cli("--db", str(db_path), "check", "acme/tuned", "--json")
    assert r.code == 1 and r.err.startswith("error: ") and r.err.count("\n") == 1
    assert r.out == ""


def test_hub_id_from_the_store(db_path: Path) -> None:
    with open_store(db_path) as st:
        seed_store(st)
    r = run_cli("--db", str(db_path), "check", "app/chat-ft", "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["source"] == "store" and doc["verdict"] == "conditions"
    r = run_cli("--db", str(db_path), "check", "nobody/none")
    assert r.code == 1 and "not in the store" in r.err


def test_online_against_a_loopback_hub(hub: str, db_path: Path) -> None:
    r = run_cli("--db", str(db_path), "check", "acme/tuned", "--online", "--endpoint", hub,
                "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["source"] == "hub" and doc["origin"]["sha"] == "a" * 40
    assert doc["origin"]["link"] == f"{hub}/acme/tuned"
    chain = {n["id"]: n for n in doc["lineage"]["chain"]}
    assert chain["acme/mid"]["license"] == "llama3.1"
    assert chain["acme/mid"]["license_source"] == "hub"
    assert chain["acme/gone"]["status"] == "removed"
    assert chain["meta-llama/Llama-3.1-8B-Instruct"]["gated"] == "manual"
    kinds = {(c["kind"], c["model"]) for c in doc["conflicts"]}
    assert ("laundering", "acme/tuned") in kinds
    assert ("removed_base", "acme/gone") in kinds
    assert ("gated_base", "meta-llama/Llama-3.1-8B-Instruct") in kinds
    sec = {(f["file"], f["severity"]) for f in doc["security"]}
    assert ("config.json", "medium") in sec and ("modeling_acme.py", "medium") in sec
    assert ("pytorch_model.bin", "low") in sec
    assert doc["verdict"] == "conditions"
    info = [q for q in FakeHub.requests if q.startswith("/api/models/") and "/tree/" not in q]
    assert len(info) == 4  # the model and its three bases
    assert all(q.startswith("/api/models/") or "/resolve/" in q for q in FakeHub.requests)


def test_online_missing_model_is_a_one_line_error(hub: str, db_path: Path) -> None:
    r = run_cli("--db", str(db_path), "check", "acme/nothing", "--online", "--endpoint", hub)
    assert r.code == 1 and "not found" in r.err and r.out == ""


def test_online_folder_follows_its_bases_on_the_hub(hub: str, tmp_path: Path,
                                                     db_path: Path) -> None:
    d = make_folder(tmp_path, "---\nlicense: llama3.1\nbase_model: acme/mid\n---\n")
    r = run_cli("--db", str(db_path), "check", str(d), "--online", "--endpoint", hub, "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["source"] == "folder"
    assert doc["lineage"]["roots"] == ["meta-llama/Llama-3.1-8B-Instruct"]
    assert [e["origin"] for e in doc["lineage"]["edges"]] == ["card", "hub"]


def test_real_family_tree_from_shared_data(shared_data: Path, db_path: Path) -> None:
    tree = shared_data / "hf-modelinfo"
    r = run_cli("--db", str(db_path), "ingest", "file", str(tree))
    assert r.code == 0, r.err
    r = run_cli("--db", str(db_path), "check", "mistralai/Mistral-Small-24B-Base-2501", "--json")
    assert r.code == 0, r.err
    root = json.loads(r.out)
    assert root["lineage"]["parents"] == [] and root["license"]["id"] == "apache-2.0"
    assert root["origin"]["country"] == "FR" and root["origin"]["region"] == "eu"
    assert any(x["kind"] == "gated" for x in root["duties"])  # the base repo is gated (auto)
    r = run_cli("--db", str(db_path), "check",
                "AlSamCur123/DeepHermes-3-Mistral-24BContinuedFine", "--cyclonedx")
    assert r.code == 0, r.err
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(r.out) is None
    model = json.loads(r.out)["metadata"]["component"]
    names = [a["name"] for a in model["pedigree"]["ancestors"]]
    assert names == ["NousResearch/DeepHermes-3-Mistral-24B-Preview",
                     "mistralai/Mistral-Small-24B-Base-2501"]


def test_blocked_pickle_via_cli_is_quiet_and_inert(tmp_path: Path, db_path: Path) -> None:
    import os
    import pickle

    sentinel = tmp_path / "SENTINEL"

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {sentinel}",))

    d = make_folder(tmp_path, "---\nlicense: mit\n---\n",
                    files={"pytorch_model.bin": pickle.dumps(Payload(), protocol=2)})
    r = run_cli("--db", str(db_path), "check", str(d), "--json")
    assert r.code == 0 and r.err == ""
    doc = json.loads(r.out)
    assert doc["verdict"] == "blocked"
    assert [f["severity"] for f in doc["security"]] == ["critical"]
    assert "system" in doc["security"][0]["detail"]
    r = run_cli("--db", str(db_path), "check", str(d))
    assert "BLOCKED" in r.out and "posix.system" in r.out.replace("\n", "")
    assert not sentinel.exists()


def test_online_honours_hf_endpoint(hub: str, db_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub)
    r = run_cli("--db", str(db_path), "check", "acme/mid", "--online", "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["license"]["id"] == "llama3.1" and doc["origin"]["link"] == f"{hub}/acme/mid"
    assert FakeHub.requests and FakeHub.requests[0].startswith("/api/models/acme/mid")


def test_unreachable_endpoint_is_a_one_line_error(db_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setenv("MODELATLAS_HTTP_WAIT_SCALE", "0.0001")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = run_cli("--db", str(db_path), "check", "acme/tuned", "--online", "--endpoint",
                f"http://127.0.0.1:{port}")
    assert r.code == 1 and r.out == ""
    assert r.err.startswith("error: cannot fetch acme/tuned") and r.err.count("\n") == 1
    assert "checkpoint" not in r.err


def test_fail_on_exit_codes_and_spdx(tmp_path: Path, db_path: Path) -> None:
    import pickle

    from modelatlas.check import spdxbom

    d = make_folder(tmp_path, LLAMA_CARD)  # conditions (laundering)
    r = run_cli("--db", str(db_path), "check", str(d), "--json", "--fail-on", "blocked")
    assert r.code == 0, r.err
    r = run_cli("--db", str(db_path), "check", str(d), "--json", "--fail-on", "conditions")
    assert r.code == 3 and json.loads(r.out)["verdict"] == "conditions"
    r = run_cli("--db", str(db_path), "check", str(d), "--fail-on", "ok")
    assert r.code == 2
    r = run_cli("--db", str(db_path), "check", str(d), "--spdx")
    assert r.code == 0, r.err
    spdxbom.validate(r.out)
    from tests.test_check_bom import spdx_schema_errors

    assert spdx_schema_errors(r.out) == []  # the official SPDX 3.0.1 JSON Schema
    r = run_cli("--db", str(db_path), "check", str(d), "--spdx", "--json")
    assert r.code == 2

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            import os

            return (os.system, ("true",))

    bad = make_folder(tmp_path, "---\nlicense: mit\n---\n", name="bad",
                      files={"model.bin": pickle.dumps(Payload(), protocol=2)})
    r = run_cli("--db", str(db_path), "check", str(bad), "--fail-on", "blocked", "--json")
    assert r.code == 3 and json.loads(r.out)["verdict"] == "blocked"
    r = run_cli("--db", str(db_path), "check", str(tmp_path / "nothing-here"))
    assert r.code == 1 and "no such folder" in r.err
