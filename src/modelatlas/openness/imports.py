"""Import OSAI and MOF reference files into the store.

An import evaluates every file (pure functions in :mod:`osai`, :mod:`osai2026`,
:mod:`mof` and :mod:`osaid`), links entries to Hub ids, and replaces its own rows
(an OSAI edition, or the MOF models) and their OSAID verdicts in one
transaction, so the store never holds half an import. Reading back
(:mod:`modelatlas.openness.read`) never re-evaluates.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelatlas.errors import InputError
from modelatlas.openness import link, mof, mof_defs, osai, osai2026, osai_index, osaid
from modelatlas.openness.origin import resolve as resolve_origin
from modelatlas.openness.read import (  # re-exported: callers read through this module
    linked_entries,
    mof_list,
    mof_model,
    osai_list,
    osai_project,
    osaid_list,
)
from modelatlas.store.db import Store

__all__ = ["import_mof", "import_osai", "linked_entries", "mof_list", "mof_model",
           "osai_list", "osai_project", "osaid_list"]

# (table, WHERE clause) pairs an import may clear: a fixed whitelist, values bound.
_Clear = tuple[tuple[str, str, list[Any]], ...]


def _replace(store: Store, fill: Callable[[], None], clear: _Clear) -> None:
    store.con.execute("BEGIN TRANSACTION")
    try:
        for table, where, params in clear:
            store.con.execute(f"DELETE FROM {table} WHERE {where}", params)
        fill()
        store.con.execute("COMMIT")
    except Exception:
        store.con.execute("ROLLBACK")
        raise


def _insert(store: Store, table: str, rows: list[dict[str, Any]],
            schema: pa.Schema | None = None) -> None:
    """Insert rows (explicit column list) through Arrow: one statement per table."""
    if not rows:
        return
    cols = list(rows[0])
    arrow = pa.Table.from_pylist(rows, schema=schema)
    store.con.register("_openness_rows", arrow)
    try:
        col_sql = ", ".join(f'"{c}"' for c in cols)
        store.con.execute(f"INSERT INTO {table} ({col_sql}) SELECT {col_sql} FROM _openness_rows")
    finally:
        store.con.unregister("_openness_rows")


# ---- OSAI ------------------------------------------------------------------------------


def _licence_id(name: str | None) -> str | None:
    from modelatlas import licenses

    lid = licenses.lookup(name) if name else None
    return lid if lid not in (None, "unknown") else None


def _rows_2023(load: osai_index.IndexLoad, store: Store) -> tuple[list[dict[str, Any]],
                                                                  list[dict[str, Any]]]:
    projects = load.projects
    links = link.resolve(store, [
        link.first_hub_id(
            [("project.link", p.link)]
            + [(f"{k}.link", next(d.link for d in p.dimensions if d.key == k))
               for k in link.OSAI_LINK_FIELDS]
        )
        for p in projects
    ])
    rows = []
    for p, lk in zip(projects, links, strict=True):
        rows.append({
            "name": p.project, "file": p.file, "org": p.org, "org_link": p.org_link,
            "org_notes": None, "link": p.link, "notes": p.notes, "types": None,
            "type_raw": None, "performance_class": None, "base_model": p.llmbase,
            "end_model": None, "end_model_license": p.license,
            "end_model_license_id": _licence_id(p.license),
            "end_model_license_osi": osaid.license_osi(p.license), "release_date": None,
            "origin": None, "origin_country": None, "origin_region": None,
            "contributor_type": None, "compute_base": None, "compute_end": None,
            "rlbase": p.rlbase, "score": p.score, "score_max": float(len(osai.DIMENSIONS)),
            "group_scores": None, "score_flag": None, "rank": p.rank,
            "tied_rank": p.tied_rank, "hub_id": lk.hub_id, "hub_source": lk.source,
            "base_hub_id": None, "base_hub_source": None,
        })
    dims = [
        {"file": p.file, "dimension": d.key, "area": d.area, "position": i, "class": d.cls,
         "value": d.value, "counted": True, "link": d.link,
         "links": [d.link] if d.link else [], "notes": d.notes}
        for p in projects for i, d in enumerate(p.dimensions)
    ]
    return rows, dims


def _links_2026(store: Store, systems: list[osai2026.System]) -> tuple[list[link.HubLink],
                                                                       list[link.HubLink]]:
    items: list[tuple[link.Candidates, str | None]] = []
    for s in systems:
        ns_urls = [s.link, s.org_link, *s.links_of("weights_endmodel"),
                   *s.links_of("weights_basemodel"), *s.links_of("modelcard")]
        end = link.model_candidates(
            "end", s.end_model,
            [("system.link", s.link)]
            + [("weights_endmodel.link", u) for u in s.links_of("weights_endmodel")]
            + [("modelcard.link", u) for u in s.links_of("modelcard")],
            ns_urls)
        base = link.model_candidates(
            "base", s.base_model,
            [("weights_basemodel.link", u) for u in s.links_of("weights_basemodel")],
            ns_urls)
        items += [(end, s.end_model), (base, s.base_model or s.end_model)]
    chosen = link.resolve_candidates(store, items)
    return chosen[0::2], chosen[1::2]


def _rows_2026(load: osai_index.IndexLoad, store: Store) -> tuple[list[dict[str, Any]],
                                                                  list[dict[str, Any]]]:
    systems = load.systems
    ends, bases = _links_2026(store, systems)
    rows = []
    for s, end, base in zip(systems, ends, bases, strict=True):
        org = resolve_origin(s.origin)
        rows.append({
            "name": s.name, "file": s.file, "org": s.org, "org_link": s.org_link,
            "org_notes": s.org_notes, "link": s.link, "notes": s.notes, "types": s.types,
            "type_raw": s.type_raw, "performance_class": s.performance_class,
            "base_model": s.base_model, "end_model": s.end_model,
            "end_model_license": s.end_model_license,
            "end_model_license_id": _licence_id(s.end_model_license),
            "end_model_license_osi": osaid.license_osi(s.end_model_license),
            "release_date": s.release_date, "origin": s.origin,
            "origin_country": org.country, "origin_region": org.region,
            "contributor_type": s.contributor_type, "compute_base": s.compute_base,
            "compute_end": s.compute_end, "rlbase": None, "score": s.score,
            "score_max": 1.0, "group_scores": json.dumps(s.group_scores),
            "score_flag": s.score_flag, "rank": s.rank, "tied_rank": s.tied_rank,
            "hub_id": end.hub_id, "hub_source": end.source,
            "base_hub_id": base.hub_id, "base_hub_source": base.source,
        })
    dims = [
        {"file": s.file, "dimension": p.ref, "area": p.group, "position": p.position,
         "class": p.cls, "value": p.weight, "counted": p.counted,
         "link": p.links[0] if p.links else None, "links": p.links, "notes": p.notes}
        for s in systems for p in s.params
    ]
    return rows, dims


def _osai_verdicts(edition: str, rows: list[dict[str, Any]],
                   dims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    classes: dict[str, dict[str, str | None]] = {}
    for d in dims:
        classes.setdefault(d["file"], {})[d["dimension"]] = d["class"]
    out = []
    for r in rows:
        v = osaid.from_osai(classes.get(r["file"], {}), edition, r["end_model_license"])
        out.append(_verdict_row("osai", edition, r["file"], r["name"], r["hub_id"], v, True))
    return out


def _verdict_row(basis: str, edition: str, file: str, model: str | None, hub_id: str | None,
                 v: osaid.Verdict, best_effort: bool) -> dict[str, Any]:
    return {"basis": basis, "edition": edition, "file": file, "model": model,
            "hub_id": hub_id, "verdict": v.verdict, "weights": v.weights, "code": v.code,
            "data_information": v.data_information, "weights_license": v.weights_license,
            "weights_license_osi": v.weights_license_osi, "reasons": v.reasons,
            "best_effort": best_effort}


_VERDICT_SCHEMA = pa.schema([
    ("basis", pa.string()), ("edition", pa.string()), ("file", pa.string()),
    ("model", pa.string()), ("hub_id", pa.string()), ("verdict", pa.string()),
    ("weights", pa.string()), ("code", pa.string()), ("data_information", pa.string()),
    ("weights_license", pa.string()), ("weights_license_osi", pa.bool_()),
    ("reasons", pa.list_(pa.string())), ("best_effort", pa.bool_()),
])


def import_osai(store: Store, folder: Path) -> dict[str, Any]:
    """Load an OSAI folder (2023 ``projects/`` or 2026 ``systems/`` layout, detected)."""
    load = osai_index.load(folder)
    if not load.count:
        raise InputError(f"no OSAI project or system files in {load.folder}")
    rows, dims = (_rows_2026 if load.edition == osai_index.EDITION_2026 else _rows_2023)(
        load, store)
    now = store.scalar("SELECT now()")
    for r in rows:
        r.update(edition=load.edition, imported_at=now, source_dir=str(load.folder),
                 parameters_source=load.parameters_source)
    for d in dims:
        d["edition"] = load.edition
    verdicts = _osai_verdicts(load.edition, rows, dims)

    def fill() -> None:
        _insert(store, "osai_projects", rows, _project_schema(rows))
        _insert(store, "osai_dimensions", dims, _dims_schema(dims))
        _insert(store, "osaid_verdicts", verdicts, _VERDICT_SCHEMA)

    ed = [load.edition]
    _replace(store, fill, (("osai_dimensions", "edition = ?", ed),
                           ("osai_projects", "edition = ?", ed),
                           ("osaid_verdicts", "basis = 'osai' AND edition = ?", ed)))
    return {
        "framework": "osai",
        "edition": load.edition,
        "folder": str(load.folder),
        "projects": len(rows),
        "systems": len(rows),
        "skipped": [{"file": f, "reason": r} for f, r in load.skipped],
        "parameters_source": load.parameters_source,
        "score_flags": sum(1 for r in rows if r["score_flag"]),
        "origin_known": sum(1 for r in rows if r["origin_region"] not in (None, "unknown")),
        "linked": sum(1 for r in rows if r["hub_id"]),
        "in_store": store.scalar(
            "SELECT count(*) FROM osai_projects p JOIN models m ON m.id = p.hub_id"
            " WHERE p.edition = ?", ed),
        "osaid": _verdict_counts(verdicts),
    }


def _project_schema(rows: list[dict[str, Any]]) -> pa.Schema:
    types = {"types": pa.list_(pa.string()), "score": pa.float64(), "score_max": pa.float64(),
             "rank": pa.int32(), "tied_rank": pa.int32(), "end_model_license_osi": pa.bool_(),
             "imported_at": pa.timestamp("us", tz="UTC")}
    return pa.schema([(c, types.get(c, pa.string())) for c in rows[0]])


def _dims_schema(dims: list[dict[str, Any]]) -> pa.Schema:
    types = {"position": pa.int32(), "value": pa.float64(), "counted": pa.bool_(),
             "links": pa.list_(pa.string())}
    return pa.schema([(c, types.get(c, pa.string())) for c in dims[0]])


def _verdict_counts(verdicts: list[dict[str, Any]]) -> dict[str, int]:
    out = dict.fromkeys(osaid.VERDICTS, 0)
    for v in verdicts:
        out[v["verdict"]] += 1
    return out


# ---- MOF -------------------------------------------------------------------------------


def _component_osi(defs: mof_defs.Definitions, lic: str | None) -> bool | None:
    if lic is None:
        return None
    if lic == mof.UNLICENSED:
        return False
    info = defs.licenses.get(lic)
    return info.osi_approved if info is not None else osaid.license_osi(lic)


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
    verdicts = []
    for r, lk in zip(results, links, strict=True):
        d = r.as_dict()
        d["hub_id"], d["hub_in_store"] = lk.hub_id, lk.in_store
        v = osaid.from_mof(r)
        d["osaid"] = {"verdict": v.verdict, "reasons": v.reasons}
        verdicts.append(_verdict_row("mof", "", r.model.file, r.model.name, lk.hub_id, v, False))
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
                "osi_approved": _component_osi(defs, lic),
            })

    def fill() -> None:
        _insert(store, "mof_models", models)
        _insert(store, "mof_components", comps, pa.schema([
            ("file", pa.string()), ("component_id", pa.int32()), ("component", pa.string()),
            ("content_type", pa.string()), ("mof_class", pa.int32()),
            ("required", pa.bool_()), ("license", pa.string()), ("status", pa.string()),
            ("type_appropriate", pa.bool_()), ("osi_approved", pa.bool_())]))
        _insert(store, "osaid_verdicts", verdicts, _VERDICT_SCHEMA)

    _replace(store, fill, (("mof_components", "TRUE", []), ("mof_models", "TRUE", []),
                           ("osaid_verdicts", "basis = 'mof'", [])))
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
        "osaid": _verdict_counts(verdicts),
    }
