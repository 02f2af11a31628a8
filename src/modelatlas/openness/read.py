"""Read imported OSAI, MOF and OSAID data back from the store, as imported.

Nothing is re-evaluated: what ``openness`` prints is what the import computed,
with its source folder. The OSAI index may be held in two editions (2023 and
2026 layouts); readers take the newest imported unless told otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from modelatlas.errors import NotFoundError, UsageError
from modelatlas.store.db import Store

OSAI_EDITIONS = ("2023", "2026")


def _require(store: Store, table: str, what: str) -> None:
    if not store.scalar(f"SELECT count(*) FROM {table}"):  # table from a fixed whitelist
        raise NotFoundError(f"no {what} imported: run `modelatlas import {what} DIR` first")


def osai_edition(store: Store, edition: str | None = None) -> str:
    """The edition asked for (checked), else the newest one imported."""
    _require(store, "osai_projects", "osai")
    if edition is not None:
        if edition not in OSAI_EDITIONS:
            raise UsageError(f"--edition must be one of {'|'.join(OSAI_EDITIONS)}")
        if not store.scalar("SELECT count(*) FROM osai_projects WHERE edition = ?", [edition]):
            raise NotFoundError(f"no {edition} OSAI index imported")
        return edition
    return str(store.scalar("SELECT max(edition) FROM osai_projects"))


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


def osai_list(store: Store, edition: str | None = None) -> list[dict[str, Any]]:
    """The index as imported, in published order, each with its classes by ``ref``."""
    ed = osai_edition(store, edition)
    rows = store.rows(f"SELECT {_OSAI_COLS} FROM osai_projects p WHERE p.edition = ?"
                      " ORDER BY p.rank", [ed])
    classes = store.rows("SELECT file, dimension, class FROM osai_dimensions WHERE edition = ?"
                         " ORDER BY file, position", [ed])
    by_file: dict[str, dict[str, str | None]] = {}
    for c in classes:
        by_file.setdefault(c["file"], {})[c["dimension"]] = c["class"]
    for r in rows:
        _shape(r)
        r["classes"] = by_file.get(r["file"], {})
    return rows


def osai_project(store: Store, key: str, edition: str | None = None) -> dict[str, Any]:
    """One system by name, file name or linked Hub id (end or base; case-insensitive)."""
    ed = osai_edition(store, edition)
    k = key.lower()
    rows = store.rows(
        f"SELECT {_OSAI_COLS}, p.notes, p.org_link, p.org_notes, p.compute_base,"
        " p.compute_end, p.source_dir, p.parameters_source"
        " FROM osai_projects p WHERE p.edition = ? AND (lower(p.name) = ? OR lower(p.file) = ?"
        " OR lower(p.file) = ? || '.yaml' OR lower(p.hub_id) = ? OR lower(p.base_hub_id) = ?)"
        " ORDER BY p.rank",
        [ed, k, k, k, k, k],
    )
    if not rows:
        raise NotFoundError(f"no OSAI system {key!r} (try `modelatlas openness --framework osai`)")
    p = _shape(rows[0])
    p["dimensions"] = store.rows(
        "SELECT dimension, area, class, value, counted, link, links, notes FROM osai_dimensions"
        " WHERE edition = ? AND file = ? ORDER BY position",
        [ed, p["file"]],
    )
    for d in p["dimensions"]:
        d["links"] = list(d["links"] or [])
    p["classes"] = {d["dimension"]: d["class"] for d in p["dimensions"]}
    return p


def mof_list(store: Store) -> list[dict[str, Any]]:
    """Every imported MOF model's evaluation, in file order."""
    _require(store, "mof_models", "mof")
    rows = store.rows(
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


def mof_model(store: Store, key: str) -> dict[str, Any]:
    """One MOF model by name, file name or linked Hub id (case-insensitive)."""
    _require(store, "mof_models", "mof")
    k = key.lower()
    rows = store.rows(
        "SELECT file FROM mof_models WHERE lower(model) = ? OR lower(file) = ?"
        " OR lower(file) = ? || '.yml' OR lower(hub_id) = ? ORDER BY file",
        [k, k, k, k],
    )
    if not rows:
        raise NotFoundError(f"no MOF model {key!r} (try `modelatlas openness --framework mof`)")
    return next(d for d in mof_list(store) if d["file"] == rows[0]["file"])


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


def osaid_list(store: Store, model: str | None = None) -> list[dict[str, Any]]:
    """OSAID verdicts: every MOF model, then index systems no MOF file covers."""
    if not store.scalar("SELECT count(*) FROM osaid_verdicts"):
        raise NotFoundError("no OSAID verdicts: run `modelatlas import mof DIR` "
                            "or `modelatlas import osai DIR` first")
    k = None if model is None else model.lower()
    rows = store.rows(
        f"SELECT * FROM ({OSAID_SQL}) AS t WHERE ? IS NULL OR lower(t.model) = ?"
        " OR lower(t.file) = ? OR lower(t.hub_id) = ?"
        " ORDER BY t.basis DESC, lower(t.model), t.file",
        [k, k, k, k],
    )
    if model is not None and not rows:
        raise NotFoundError(f"no OSAID verdict for {model!r}")
    for r in rows:
        r["reasons"] = list(r["reasons"])
    return rows


def linked_entries(store: Store, model_id: str) -> dict[str, list[dict[str, Any]]]:
    """OSAI systems, MOF models and OSAID verdicts linked to one Hub id."""
    k = model_id.lower()
    osai_rows = store.rows(
        "SELECT name AS project, name, file, edition, score, score_max, rank, origin,"
        " contributor_type, CASE WHEN lower(hub_id) = ? THEN 'end' ELSE 'base' END AS role"
        " FROM osai_projects WHERE lower(hub_id) = ? OR lower(base_hub_id) = ?"
        " ORDER BY edition DESC, rank",
        [k, k, k],
    )
    mof_rows = store.rows(
        "SELECT model, file, class_label AS class, progress_1, progress_2, progress_3"
        " FROM mof_models WHERE lower(hub_id) = ?",
        [k],
    )
    mof_out = [
        {"model": r["model"], "file": r["file"], "class": r["class"],
         "progress": {"1": r["progress_1"], "2": r["progress_2"], "3": r["progress_3"]}}
        for r in mof_rows
    ]
    verdicts = store.rows(
        f"SELECT model, verdict, reasons, basis, best_effort, file FROM ({OSAID_SQL}) AS t"
        " WHERE lower(t.hub_id) = ?",
        [k],
    )
    for v in verdicts:
        v["reasons"] = list(v["reasons"])
    return {"osai": osai_rows, "mof": mof_out, "osaid": verdicts}
