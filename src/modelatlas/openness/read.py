"""Read imported OSAI, MOF and OSAID data back from the store, as imported.

Nothing is re-evaluated: what ``openness`` prints is what the import computed,
with its source folder. The OSAI index may be held in two editions (2023 and
2026 layouts); readers take the newest imported unless told otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from modelatlas.errors import NotFoundError, UsageError

if TYPE_CHECKING:  # imported lazily: the query registry loads this module at CLI start
    from modelatlas.store.db import Store

OSAI_EDITIONS = ("2023", "2026")


class Rows(Protocol):
    """The read seam (:class:`modelatlas.queries._engine.Reader` is one): portable SQL
    with named ``$parameters``, so another engine can answer the same calls."""

    def rows(self, text: str, params: Mapping[str, Any] | None = None
             ) -> list[dict[str, Any]]: ...

    def scalar(self, text: str, params: Mapping[str, Any] | None = None) -> Any: ...


@dataclass
class StoreRows:
    """The seam over a plain :class:`Store` (imports, check, tests)."""

    store: Store

    def rows(self, text: str, params: Mapping[str, Any] | None = None
             ) -> list[dict[str, Any]]:
        used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", text)}
        cur = self.store.con.execute(text, used)
        cols = [d[0] for d in cur.description or []]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def scalar(self, text: str, params: Mapping[str, Any] | None = None) -> Any:
        rows = self.rows(text, params)
        return next(iter(rows[0].values())) if rows else None


Source: TypeAlias = "Rows | Store"


def seam(src: Source) -> Rows:
    """``src`` as the read seam: a :class:`Store` is wrapped, a reader used as is."""
    from modelatlas.store.db import Store

    return StoreRows(src) if isinstance(src, Store) else src


def _require(r: Rows, table: str, what: str) -> None:
    if not r.scalar(f"SELECT count(*) AS n FROM {table}"):  # table from a fixed whitelist
        raise NotFoundError(f"no {what} imported: run `modelatlas import {what} DIR` first")


def osai_edition(src: Source, edition: str | None = None) -> str:
    """The edition asked for (checked), else the newest one imported."""
    r = seam(src)
    _require(r, "osai_projects", "osai")
    if edition is not None:
        if edition not in OSAI_EDITIONS:
            raise UsageError(f"--edition must be one of {'|'.join(OSAI_EDITIONS)}")
        if not r.scalar("SELECT count(*) AS n FROM osai_projects WHERE edition = $edition",
                        {"edition": edition}):
            raise NotFoundError(f"no {edition} OSAI index imported")
        return edition
    return str(r.scalar("SELECT max(edition) AS edition FROM osai_projects"))


_OSAI_COLS = (
    "p.edition, p.rank, p.tied_rank, p.name, p.file, p.score, p.score_max, p.org, p.types,"
    " p.performance_class, p.base_model, p.end_model, p.end_model_license,"
    " p.end_model_license_id, p.end_model_license_osi, p.release_date, p.origin,"
    " p.origin_country, p.origin_region, p.contributor_type, p.rlbase, p.link,"
    " p.group_scores, p.score_flag, p.hub_id, p.hub_source, p.base_hub_id,"
    " p.base_hub_source,"
    " p.hub_id IS NOT NULL AND EXISTS (SELECT 1 FROM models m WHERE m.id = p.hub_id)"
    " AS hub_in_store"
)


def _shape(r: dict[str, Any]) -> dict[str, Any]:
    r["project"] = r["name"]          # the 2023 key, kept for existing readers
    r["group_scores"] = json.loads(r["group_scores"]) if r["group_scores"] else None
    r["types"] = list(r["types"]) if r["types"] is not None else None
    return r


def osai_list(src: Source, edition: str | None = None) -> list[dict[str, Any]]:
    """The index as imported, in published order, each with its classes by ``ref``."""
    r0 = seam(src)
    ed = {"edition": osai_edition(r0, edition)}
    rows = r0.rows(f"SELECT {_OSAI_COLS} FROM osai_projects p WHERE p.edition = $edition"
                   " ORDER BY p.rank", ed)
    classes = r0.rows("SELECT file, dimension, class FROM osai_dimensions"
                      " WHERE edition = $edition ORDER BY file, position", ed)
    by_file: dict[str, dict[str, str | None]] = {}
    for c in classes:
        by_file.setdefault(c["file"], {})[c["dimension"]] = c["class"]
    for r in rows:
        _shape(r)
        r["classes"] = by_file.get(r["file"], {})
    return rows


def osai_project(src: Source, key: str, edition: str | None = None) -> dict[str, Any]:
    """One system by name, file name or linked Hub id (end or base; case-insensitive)."""
    r0 = seam(src)
    ed = osai_edition(r0, edition)
    rows = r0.rows(
        f"SELECT {_OSAI_COLS}, p.notes, p.org_link, p.org_notes, p.compute_base,"
        " p.compute_end, p.source_dir, p.parameters_source"
        " FROM osai_projects p WHERE p.edition = $edition AND (lower(p.name) = $k"
        " OR lower(p.file) = $k OR lower(p.file) = $k || '.yaml' OR lower(p.hub_id) = $k"
        " OR lower(p.base_hub_id) = $k)"
        " ORDER BY p.rank",
        {"edition": ed, "k": key.lower()},
    )
    if not rows:
        raise NotFoundError(f"no OSAI system {key!r} (try `modelatlas openness --framework osai`)")
    p = _shape(rows[0])
    p["dimensions"] = r0.rows(
        "SELECT dimension, area, class, value, counted, link, links, notes FROM osai_dimensions"
        " WHERE edition = $edition AND file = $file ORDER BY position",
        {"edition": ed, "file": p["file"]},
    )
    for d in p["dimensions"]:
        d["links"] = list(d["links"] or [])
    p["classes"] = {d["dimension"]: d["class"] for d in p["dimensions"]}
    return p


def mof_list(src: Source) -> list[dict[str, Any]]:
    """Every imported MOF model's evaluation, in file order."""
    r0 = seam(src)
    _require(r0, "mof_models", "mof")
    rows = r0.rows(
        "SELECT detail, hub_id IS NOT NULL AND EXISTS"
        " (SELECT 1 FROM models m WHERE m.id = mm.hub_id) AS hub_in_store"
        " FROM mof_models mm ORDER BY file"
    )
    out = []
    for r in rows:
        d = json.loads(r["detail"])
        d["hub_in_store"] = bool(r["hub_in_store"])
        out.append(d)
    return out


def mof_model(src: Source, key: str) -> dict[str, Any]:
    """One MOF model by name, file name or linked Hub id (case-insensitive)."""
    r0 = seam(src)
    _require(r0, "mof_models", "mof")
    rows = r0.rows(
        "SELECT file FROM mof_models WHERE lower(model) = $k OR lower(file) = $k"
        " OR lower(file) = $k || '.yml' OR lower(hub_id) = $k ORDER BY file",
        {"k": key.lower()},
    )
    if not rows:
        raise NotFoundError(f"no MOF model {key!r} (try `modelatlas openness --framework mof`)")
    return next(d for d in mof_list(r0) if d["file"] == rows[0]["file"])


# A system of the newest OSAI edition gets a best-effort verdict only when no MOF
# model is linked to the same Hub id (MOF components are the checklist's own basis).
OSAID_SQL = """
SELECT v.model, v.verdict, v.reasons, v.basis, v.best_effort, v.file, v.edition, v.hub_id,
       v.weights, v.code, v.data_information, v.weights_license, v.weights_license_osi
FROM osaid_verdicts v
WHERE v.basis = 'mof'
   OR (v.basis = 'osai'
       AND v.edition = (SELECT max(p.edition) FROM osai_projects p)
       AND NOT EXISTS (SELECT 1 FROM osaid_verdicts w
                       WHERE w.basis = 'mof' AND w.hub_id IS NOT NULL
                         AND lower(w.hub_id) = lower(v.hub_id)))
"""


def osaid_list(src: Source, model: str | None = None) -> list[dict[str, Any]]:
    """OSAID verdicts: every MOF model, then index systems no MOF file covers."""
    r0 = seam(src)
    if not r0.scalar("SELECT count(*) AS n FROM osaid_verdicts"):
        raise NotFoundError("no OSAID verdicts: run `modelatlas import mof DIR` "
                            "or `modelatlas import osai DIR` first")
    rows = r0.rows(
        f"SELECT * FROM ({OSAID_SQL}) AS t WHERE CAST($k AS VARCHAR) IS NULL"
        " OR lower(t.model) = $k OR lower(t.file) = $k OR lower(t.hub_id) = $k"
        " ORDER BY t.basis DESC, lower(t.model), t.file",
        {"k": None if model is None else model.lower()},
    )
    if model is not None and not rows:
        raise NotFoundError(f"no OSAID verdict for {model!r}")
    for r in rows:
        r["reasons"] = list(r["reasons"])
    return rows


def linked_entries(src: Source, model_id: str) -> dict[str, list[dict[str, Any]]]:
    """OSAI systems, MOF models and OSAID verdicts linked to one Hub id."""
    r0 = seam(src)
    k = {"k": model_id.lower()}
    osai_rows = r0.rows(
        "SELECT name AS project, name, file, edition, score, score_max, rank, origin,"
        " contributor_type, CASE WHEN lower(hub_id) = $k THEN 'end' ELSE 'base' END AS role"
        " FROM osai_projects WHERE lower(hub_id) = $k OR lower(base_hub_id) = $k"
        " ORDER BY edition DESC, rank",
        k,
    )
    mof_rows = r0.rows(
        "SELECT model, file, class_label AS class, progress_1, progress_2, progress_3"
        " FROM mof_models WHERE lower(hub_id) = $k",
        k,
    )
    mof_out = [
        {"model": r["model"], "file": r["file"], "class": r["class"],
         "progress": {"1": r["progress_1"], "2": r["progress_2"], "3": r["progress_3"]}}
        for r in mof_rows
    ]
    verdicts = r0.rows(
        f"SELECT model, verdict, reasons, basis, best_effort, file FROM ({OSAID_SQL}) AS t"
        " WHERE lower(t.hub_id) = $k",
        k,
    )
    for v in verdicts:
        v["reasons"] = list(v["reasons"])
    return {"osai": osai_rows, "mof": mof_out, "osaid": verdicts}
