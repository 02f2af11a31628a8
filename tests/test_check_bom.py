"""CycloneDX 1.6 ML-BOM output validates against the official schema."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from modelatlas.check import bom, check
from modelatlas.errors import ModelAtlasError
from modelatlas.store import Store
from tests.test_check_folder import LLAMA_CARD, make_folder, seed_store


def assert_valid(text: str) -> dict:  # type: ignore[type-arg]
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)
    doc: dict = json.loads(text)  # type: ignore[type-arg]
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    return doc


def props(component: dict, name: str) -> list[str]:  # type: ignore[type-arg]
    return [p["value"] for p in component.get("properties", []) if p["name"] == name]


def test_folder_bom_has_model_licences_and_pedigree(tmp_path: Path) -> None:
    d = make_folder(tmp_path, LLAMA_CARD)
    doc = assert_valid(bom.to_json(check(str(d))))
    model = doc["metadata"]["component"]
    assert model["type"] == "machine-learning-model"
    assert model["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert props(model, "modelatlas:verdict") == ["conditions"]
    assert any(v.startswith("laundering") for v in props(model, "modelatlas:conflict"))
    (anc,) = model["pedigree"]["ancestors"]
    assert anc["name"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert anc["type"] == "machine-learning-model"
    assert anc["licenses"][0]["license"]["name"].startswith("Llama 3.1")
    assert anc["supplier"]["name"].startswith("Meta")
    assert anc["purl"] == "pkg:huggingface/meta-llama/Llama-3.1-8B-Instruct"


def test_blocked_folder_bom_carries_security_findings(tmp_path: Path) -> None:
    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            import os

            return (os.system, ("true",))

    d = make_folder(tmp_path, "---\nlicense: mit\n---\n",
                    files={"model.bin": pickle.dumps(Payload(), protocol=2)})
    doc = assert_valid(bom.to_json(check(str(d))))
    model = doc["metadata"]["component"]
    assert props(model, "modelatlas:verdict") == ["blocked"]
    assert any("system" in v for v in props(model, "modelatlas:security:critical"))
    assert "pedigree" not in model


def test_store_bom_with_supplier_and_several_ancestors(store: Store) -> None:
    seed_store(store)
    doc = assert_valid(bom.to_json(check("app/chat-ft", store=store)))
    model = doc["metadata"]["component"]
    assert model["purl"] == "pkg:huggingface/app/chat-ft"
    assert model["licenses"] == [{"license": {"id": "MIT"}}]
    names = sorted(a["name"] for a in model["pedigree"]["ancestors"])
    assert names == ["gone/base", "meta-llama/Llama-3.1-8B", "mid/llama-ft"]


def test_validate_rejects_a_broken_document() -> None:
    with pytest.raises(ModelAtlasError):
        bom.validate(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6",
                                 "metadata": {"component": {"type": "spaceship"}}}))


def test_model_card_datasets_and_weight_hashes(tmp_path: Path) -> None:
    import hashlib

    from tests.test_check_folder import safetensors_file

    card = ("---\nlicense: apache-2.0\npipeline_tag: text-generation\ndatasets:\n"
            "- tatsu-lab/alpaca\nbase_model: Qwen/Qwen3.5-4B\n---\n")
    weights = safetensors_file()
    d = make_folder(tmp_path, card, files={"model.safetensors": weights})
    (d / "config.json").write_text('{"model_type": "qwen3", "architectures": '
                                   '["Qwen3ForCausalLM"]}', encoding="utf-8")
    doc = assert_valid(bom.to_json(check(str(d))))
    mc = doc["metadata"]["component"]["modelCard"]["modelParameters"]
    assert mc["task"] == "text-generation" and mc["architectureFamily"] == "qwen3"
    assert mc["modelArchitecture"] == "Qwen3ForCausalLM"
    assert mc["datasets"] == [{"ref": "dataset:tatsu-lab/alpaca"}]
    comps = {c["bom-ref"]: c for c in doc["components"]}
    assert comps["dataset:tatsu-lab/alpaca"]["type"] == "data"
    assert comps["file:model.safetensors"]["hashes"] == [
        {"alg": "SHA-256", "content": hashlib.sha256(weights).hexdigest()}]
    (anc,) = doc["metadata"]["component"]["pedigree"]["ancestors"]
    assert anc["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert "Qwen3.5-4B-Base" in props(anc, "modelatlas:license:source")[0]


def test_hub_lfs_hashes_are_used() -> None:
    from modelatlas.check.hub import files_of

    sha = "ab" * 32
    files = files_of([{"rfilename": "model.safetensors", "size": 10,
                       "lfs": {"sha256": sha, "size": 10}}, {"rfilename": "README.md"}])
    assert files[0].sha256 == sha and files[1].sha256 is None


def test_spdx_ai_profile_validates(tmp_path: Path) -> None:
    from spdx_python_model import v3_0_1 as spdx

    from modelatlas.check import spdxbom
    from tests.test_check_folder import safetensors_file

    card = ("---\nlicense: mit\npipeline_tag: text-generation\ndatasets:\n- d/x\n"
            "base_model: meta-llama/Llama-3.1-8B-Instruct\n---\n")
    d = make_folder(tmp_path, card, files={"model.safetensors": safetensors_file()})
    text = spdxbom.to_json(check(str(d)))
    spdxbom.validate(text)
    objset = spdx.SHACLObjectSet()
    import io

    spdx.JSONLDDeserializer().read(io.BytesIO(text.encode()), objset)
    models = {o.name for o in objset.foreach_type("ai_AIPackage")}
    assert models == {"model", "meta-llama/Llama-3.1-8B-Instruct"}
    exprs = {o.simplelicensing_licenseExpression
             for o in objset.foreach_type("simplelicensing_LicenseExpression")}
    assert "MIT" in exprs and any(e.startswith("LicenseRef-") for e in exprs)
    kinds = {str(o.relationshipType).rsplit("/", 1)[-1]
             for o in objset.foreach_type("Relationship")}
    assert {"hasDeclaredLicense", "hasConcludedLicense", "ancestorOf", "trainedOn",
            "contains"} <= kinds
    files = list(objset.foreach_type("software_File"))
    assert files and files[0].verifiedUsing[0].hashValue


def test_spdx_validate_rejects_broken_documents() -> None:
    from modelatlas.check import spdxbom

    with pytest.raises(ModelAtlasError):
        spdxbom.validate('{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", '
                         '"@graph": [{"type": "ai_AIPackage", "spdxId": "urn:x", '
                         '"ai_autonomyType": "maybe"}]}')
    with pytest.raises(ModelAtlasError):
        spdxbom.validate("not json")


SPDX_SCHEMA = Path(__file__).parent / "fixtures" / "spdx" / "3.0.1" / "spdx-json-schema.json"


def spdx_schema_errors(text: str) -> list[str]:
    """Errors of ``text`` against the official SPDX 3.0.1 JSON Schema (vendored, see
    tests/fixtures/spdx/3.0.1/README.md)."""
    import jsonschema

    schema = json.loads(SPDX_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(json.loads(text))]


def test_spdx_output_validates_against_the_official_json_schema(
        tmp_path: Path, store: Store) -> None:
    from modelatlas.check import spdxbom
    from tests.test_check_folder import safetensors_file

    card = ("---\nlicense: mit\npipeline_tag: text-generation\ndatasets:\n- d/x\n"
            "base_model: meta-llama/Llama-3.1-8B-Instruct\n---\n")
    d = make_folder(tmp_path, card, files={"model.safetensors": safetensors_file()})
    seed_store(store)
    for report in (check(str(d)), check(str(d), store=store),
                   check("app/chat-ft", store=store, use="commercial")):
        text = spdxbom.to_json(report)
        assert spdx_schema_errors(text) == []


def test_the_spdx_schema_rejects_what_it_should() -> None:
    """The vendored schema is live: a wrong enumeration, an unknown type and a missing
    context each fail (so the test above cannot pass vacuously)."""
    ok = {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
        {"type": "CreationInfo", "@id": "_:c", "specVersion": "3.0.1",
         "created": "2026-01-01T00:00:00Z", "createdBy": ["urn:x:tool"]}]}
    assert spdx_schema_errors(json.dumps(ok)) == []
    bad_enum = json.loads(json.dumps(ok))
    bad_enum["@graph"].append({"type": "ai_AIPackage", "spdxId": "urn:x:m",
                               "creationInfo": "_:c", "ai_autonomyType": "maybe"})
    unknown = json.loads(json.dumps(ok))
    unknown["@graph"][0]["type"] = "NotAType"
    no_context = {"@graph": ok["@graph"]}
    for doc in (bad_enum, unknown, no_context):
        assert spdx_schema_errors(json.dumps(doc)), doc
