"""The dashboard's own chart specs: counts of the rows they are given, whatever their
number (an organisation lists up to 10,000 models)."""

from __future__ import annotations

from typing import Any

from modelatlas.web import page_charts


def _values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for ds in spec["datasets"].values() for v in ds]


def _models(n: int) -> list[dict[str, Any]]:
    return [{"id": f"org/m{i}", "created_at": f"2025-{1 + i % 12:02d}-03T00:00:00",
             "license_id": ("apache-2.0", "mit", None)[i % 3]} for i in range(n)]


def test_releases_counts_every_listed_model_per_month() -> None:
    spec = page_charts.releases([*_models(10_000), {"id": "org/x", "created_at": None}])
    assert spec is not None
    values = _values(spec)
    assert len(values) == 12                       # one value per month, not per model
    assert sum(v["models"] for v in values) == 10_000
    assert {v["period"] for v in values} == {f"2025-{m:02d}" for m in range(1, 13)}
    assert page_charts.releases([{"id": "a/b", "created_at": None}]) is None


def test_licence_mix_counts_unknown_as_a_value() -> None:
    spec = page_charts.licence_mix(_models(9_999))
    assert spec is not None
    counts = {v["licence"]: v["models"] for v in _values(spec)}
    assert counts == {"apache-2.0": 3333, "mit": 3333, "unknown": 3333}
    assert page_charts.licence_mix([]) is None
