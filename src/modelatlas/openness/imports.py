"""Import OSAI and MOF reference files into the store, and read them back.

An import evaluates every file (pure functions in :mod:`osai` and :mod:`mof`),
links entries to Hub ids, and replaces the framework's tables in one transaction,
so the store never holds half an import. Reading back never re-evaluates: what
``openness`` prints is exactly what was imported, with its source folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelatlas.errors import InputError, NotFoundError
from modelatlas.openness import link, mof, mof_defs, osai
from modelatlas.store.db import Store


def _replace(store: Store, fill: Callable[[], None], tables: tuple[str, ...]) -> None:
    store.con.execute("BEGIN TRANSACTION")
    try:
        for t in tables:  # fixed whitelist of our own tables
            store.con.execute(f"DELETE FROM {t}")
        fill()
        store.con.execute("COMMIT")
    except Exception:
        store.con.execute("ROLLBACK")
        raise


def _insert(store: Store, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows (explicit column list) through Arrow: one statement per table."""
    if not rows:
        return
    cols = list(rows[0])
    arrow = pa.Table.from_pylist(rows)
    store.con.register("_openness_rows", arrow)
    try:
        col_sql = ", ".join(f'"{c}"' for c in cols)
        store.con.execute(f"INSERT INTO {table} ({col_sql}) SELECT {col_sql} FROM _openness_rows")
    finally:
        store.con.unregister("_openness_rows")


def import_osai(store: Store, folder: Path) -> dict[str, Any]:
    """Load ``folder/*.yaml`` (OSAI project files) into osai_projects/osai_dimensions."""
    result = osai.load_index(folder)
    if not result.projects:
        raise InputError(f"no OSAI project files in {folder}")
    links = link.resolve(store, [
        link.first_hub_id(
            [("project.link", p.link)]
            + [(f"{k}.link", next(d.link for d in p.dimensions if d.key == k))
               for k in link.OSAI_LINK_FIELDS]
        )
        for p in result.projects
    ])
    now = store.scalar("SELECT now()")
    projects = [
        {
            "file": p.file, "project": p.project, "score": p.score, "rank": p.rank,
            "tied_rank": p.tied_rank, "link": p.link, "notes": p.notes, "llmbase": p.llmbase,
            "rlbase": p.rlbase, "license": p.license, "org": p.org, "org_link": p.org_link,
            "hub_id": lk.hub_id, "hub_source": lk.source, "imported_at": now,
            "source_dir": str(folder),
        }
        for p, lk in zip(result.projects, links, strict=True)
    ]
    dims = [
        {"file": p.file, "dimension": d.key, "area": d.area, "position": i, "class": d.cls,
         "value": d.value, "link": d.link, "notes": d.notes}
        for p in result.projects
        for i, d in enumerate(p.dimensions)
    ]

    def fill() -> None:
        _insert(store, "osai_projects", projects)
        _insert(store, "osai_dimensions", dims)

    _replace(store, fill, ("osai_dimensions", "osai_projects"))
    return {
        "framework": "osai",
        "folder": str(folder),
        "projects": len(projects),
        "skipped": [{"file": f, "reason": r} for f, r in result.skipped],
        "linked": sum(1 for lk in links if lk.hub_id),
        "in_store": sum(1 for lk in links if lk.in_store),
    }


def import_mof(store: Store, folder: Path) -> dict[str, Any]:
    """Load ``folder/*.yml`` (MOF model files), definitions from the folder above."""
    defs = mof_defs.load_definitions(folder.resolve().parent)
    results, errors = mof.evaluate_dir(folder, defs)
    if not results:
        raise InputError(f"no readable MOF model files (*.yml) in {folder}")
    links = link.resolve(store, [
        link.first_hub_id([("huggingface", r.model.huggingface)]) for r in results
    ])
    now = store.scalar("SELECT now()")
    models = []
    comps = []
    for r, lk in zip(results, links, strict=True):
        d = r.as_dict()
        d["hub_id"], d["hub_in_store"] = lk.hub_id, lk.in_store
        models.append({
            "file": r.model.file, "model": r.model.name, "version": r.model.version,
            "producer": r.model.producer, "mof_class": r.mof_class, "class_label": r.label,
            "progress_1": r.progress["1"], "progress_2": r.progress["2"],
            "progress_3": r.progress["3"], "huggingface": r.model.huggingface,
            "hub_id": lk.hub_id, "hub_source": lk.source, "detail": json.dumps(d),
            "components_source": defs.components_source,
            "licenses_source": defs.licenses_source, "imported_at": now,
            "source_dir": str(folder),
        })
        lv = r.levels[1]
        for c in defs.components:
            lic = r.licenses.get(c.id)
            status = ("met" if c.id in lv.included or c.id in lv.optional
                      else "unlicensed" if c.id in lv.unlicensed
                      else "invalid" if c.id in lv.invalid
                      else "missing" if c.required else "not-included")
            comps.append({
                "file": r.model.file, "component_id": c.id, "component": c.name,
                "content_type": c.content_type, "mof_class": c.mof_class,
                "required": c.required, "license": lic, "status": status,
                "type_appropriate": (None if lic is None
                                     else defs.is_type_appropriate(lic, c.content_type)),
            })

    def fill() -> None:
        _insert(store, "mof_models", models)
        _insert(store, "mof_components", comps)

    _replace(store, fill, ("mof_components", "mof_models"))
    by_class: dict[str, int] = {}
    for r in results:
        by_class[r.label] = by_class.get(r.label, 0) + 1
    return {
        "framework": "mof",
        "folder": str(folder),
        "models": len(models),
        "classes": by_class,
        "errors": errors,
        "linked": sum(1 for lk in links if lk.hub_id),
        "in_store": sum(1 for lk in links if lk.in_store),
        "components_source": defs.components_source,
        "licenses_source": defs.licenses_source,
    }


# ---- reading back -------------------------------------------------------------------


def _require(store: Store, table: str, what: str) -> None:
    if not store.scalar(f"SELECT count(*) FROM {table}"):
        raise NotFoundError(f"no {what} imported: run `modelatlas import {what} DIR` first")


def osai_list(store: Store) -> list[dict[str, Any]]:
    """The Index as imported, in published order."""
    _require(store, "osai_projects", "osai")
    rows = store.rows(
        "SELECT project, file, score, rank, tied_rank, org, link, llmbase, rlbase, license,"
        " hub_id, hub_source, hub_id IS NOT NULL AND EXISTS"
        " (SELECT 1 FROM models m WHERE m.id = p.hub_id) AS hub_in_store"
        " FROM osai_projects p ORDER BY rank"
    )
    classes = store.rows("SELECT file, dimension, class FROM osai_dimensions ORDER BY position")
    by_file: dict[str, dict[str, str | None]] = {}
    for c in classes:
        by_file.setdefault(c["file"], {})[c["dimension"]] = c["class"]
    for r in rows:
        r["classes"] = by_file.get(r["file"], {})
    return rows


def osai_project(store: Store, key: str) -> dict[str, Any]:
    """One project by name, file name or linked Hub id (case-insensitive)."""
    _require(store, "osai_projects", "osai")
    k = key.lower()
    rows = store.rows(
        "SELECT * EXCLUDE (imported_at) FROM osai_projects WHERE lower(project) = ?"
        " OR lower(file) = ? OR lower(file) = ? || '.yaml' OR lower(hub_id) = ? ORDER BY rank",
        [k, k, k, k],
    )
    if not rows:
        raise NotFoundError(f"no OSAI project {key!r} (try `modelatlas openness --framework osai`)")
    p = rows[0]
    p["dimensions"] = store.rows(
        "SELECT dimension, area, class, value, link, notes FROM osai_dimensions"
        " WHERE file = ? ORDER BY position",
        [p["file"]],
    )
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


def linked_entries(store: Store, model_id: str) -> dict[str, list[dict[str, Any]]]:
    """OSAI projects and MOF models linked to one Hub id (shown beside the profile)."""
    k = model_id.lower()
    osai_rows = store.rows(
        "SELECT project, file, score, rank FROM osai_projects WHERE lower(hub_id) = ?", [k]
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
    return {"osai": osai_rows, "mof": mof_out}
