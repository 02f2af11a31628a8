"""Schemathesis over ``/openapi.json``: generated requests to every API route, on the
hostile store, give no server error and only documented responses.

Checks: ``not_a_server_error`` (no 5xx but the documented 503), ``status_code_conformance``
(every status is documented), ``content_type_conformance`` and
``response_schema_conformance`` (errors are ``{"error": ...}``, as documented).
``positive_data_acceptance`` is not asked: some parameters exclude each other
(``licenses --usage --unmapped``) and dates must exist (``2026-02-31``), which an
OpenAPI schema cannot say; those requests are refused with a documented 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from modelatlas.web import create_app
from tests import dashboard_store

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    db = dashboard_store.build(tmp_path_factory.mktemp("schema"), models=200, snapshots=3)
    # the ASGI test transport sends Host: testserver, a name added the documented way
    a = create_app(db, watch=False, allow_hosts=["testserver"])
    yield a
    a.state.shared.close()


@pytest.fixture(scope="module")
def api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _operations(api_schema: Any) -> list[Any]:
    return [r.ok() for r in api_schema.get_all_operations()]


def test_api_conforms(api_schema: Any) -> None:
    """Every operation, with generated parameters (schemathesis strategies driven by
    Hypothesis here; its pytest plugin does not run under this pytest)."""
    ops = _operations(api_schema)
    assert len(ops) >= 15
    statuses: list[int] = []
    for op in ops:

        @given(case=op.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            statuses.append(case.call_and_validate(checks=CHECKS).status_code)

        conforms()
    # the generated requests reach answers and refusals alike
    assert len(statuses) > 10 * len(ops)
    assert {200, 400} <= set(statuses) and 404 in statuses, sorted(set(statuses))


def test_schema_documents_every_route(app: Any) -> None:
    from fastapi.testclient import TestClient

    doc = TestClient(app, base_url="http://127.0.0.1").get("/openapi.json").json()
    paths = set(doc["paths"])
    assert {"/api/share", "/api/lineage/{model_id}", "/api/check/{org}/{name}",
            "/api/queries", "/api/ready"} <= paths
    assert not any(p.startswith(("/static", "/model", "/orgs", "/bom")) for p in paths)
    for path, ops in doc["paths"].items():
        if path in ("/api/queries", "/api/ready"):   # no parameter, no store read: 200 only
            continue
        assert {"400", "404", "422", "503"} <= set(ops["get"]["responses"]), path


def test_dashboard_store_is_hostile(app: Any) -> None:
    from fastapi.testclient import TestClient

    ids = [m["id"] for m in TestClient(app, base_url="http://127.0.0.1").get(
        "/api/models", params={"org": "evil"}).json()]
    assert dashboard_store.EVIL_MODEL in ids and Path(__file__).exists()
