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
