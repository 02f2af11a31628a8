"""Load the ATOM Project's reference files (tracked models, parameter counts,
release-date corrections) into the store, for RAM size classes and release dates.

Source: The ATOM Project, https://atomproject.ai (files as shipped in
``../shared/data/atom``, Apache-2.0). The files are small curated lists, so they
are read with pandas and replaced whole in one transaction.
"""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd

from modelatlas.errors import InputError, StoreError
from modelatlas.store.db import Store

FILES = {
    "models": "models.csv",
    "extra": "extra_models.csv",
    "params": "model_parameters.csv",
    "corrections": "release_date_corrections.csv",
}


def _read(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """A CSV whose leading ``#`` lines are comments; every column kept as text."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    body = "\n".join(line for i, line in enumerate(lines)
                     if not (line.startswith("#") and all(x.startswith("#") for x in lines[:i])))
    try:
        df = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: not a readable CSV ({exc})") from exc
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(missing)}")
    return df


def load_atom(store: Store, folder: str | Path) -> dict[str, int]:
    """Replace the ATOM tables from ``folder``; returns rows loaded per table."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"no such folder: {root}")
    present = {k: root / f for k, f in FILES.items() if (root / f).is_file()}
    if not present:
        raise InputError(f"{root}: none of {', '.join(FILES.values())} found")
    frames: dict[str, pd.DataFrame] = {}
    lists = []
    for key in ("models", "extra"):
        if key in present:
            df = _read(present[key], ("modelId",))
            lists.append(pd.DataFrame({
                "model_id": df["modelId"].str.strip(), "org": df.get("org"),
                "model": df.get("model"), "list": key if key == "extra" else "models"}))
    frames["atom_models"] = (pd.concat(lists).drop_duplicates("model_id")
                             if lists else pd.DataFrame())
    if "params" in present:
        frames["atom_params"] = _read(present["params"], ("model_id", "total_params_b"))
    if "corrections" in present:
        frames["atom_release_corrections"] = _read(
            present["corrections"], ("model_id", "actual_release_date"))
    inserts = {
        "atom_models": "INSERT INTO atom_models (model_id, org, model, list)"
        " SELECT DISTINCT ON (model_id) model_id, org, model, list FROM _src"
        " WHERE coalesce(model_id, '') <> ''",
        "atom_params": "INSERT INTO atom_params (model_id, total_params_b, active_params_b,"
        " is_moe, notes) SELECT DISTINCT ON (trim(model_id)) trim(model_id),"
        " TRY_CAST(nullif(total_params_b, '') AS DOUBLE),"
        " TRY_CAST(nullif(active_params_b, '') AS DOUBLE),"
        " TRY_CAST(nullif(is_moe, '') AS BOOLEAN), nullif(notes, '') FROM _src"
        " WHERE trim(model_id) <> ''",
        "atom_release_corrections": "INSERT INTO atom_release_corrections (model_id,"
        " hf_created_at, actual_release_date, notes)"
        " SELECT DISTINCT ON (trim(model_id)) trim(model_id),"
        " TRY_CAST(nullif(hf_created_at, '') AS DATE),"
        " CAST(actual_release_date AS DATE), nullif(notes, '') FROM _src"
        " WHERE trim(model_id) <> '' AND TRY_CAST(actual_release_date AS DATE) IS NOT NULL",
    }
    counts: dict[str, int] = {}
    con = store.con
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        for table, df in frames.items():
            if df.empty:
                continue
            for col in ("active_params_b", "is_moe", "notes", "hf_created_at"):
                if table != "atom_models" and col not in df.columns:
                    df[col] = None
            con.register("_src", df)
            con.execute(f"DELETE FROM {table}").fetchall()
            con.execute(inserts[table]).fetchall()
            con.unregister("_src")
            counts[table] = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        con.execute("COMMIT").fetchall()
    except duckdb.Error as exc:
        con.execute("ROLLBACK").fetchall()
        raise StoreError(f"ATOM import failed: {str(exc).splitlines()[0]}") from exc
    return counts
