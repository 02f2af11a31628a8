"""Load the ATOM Project's reference files (tracked models, parameter counts,
release-date corrections, inclusion policy) into the store, for RAM size classes,
release dates and the ``atom`` population.

Source: The ATOM Project, https://atomproject.ai; Interconnects-AI/tracked-models
(files as shipped in ``../shared/data/atom``, Apache-2.0). The files are small
curated lists, so they are read with pandas and replaced whole in one transaction.

``model_policy.yml`` holds Python regular expressions; the store runs RE2 (DuckDB,
Spark's Java engine differs again only in features the file does not use). The one
construct RE2 lacks, a negative lookahead ``A(?!B)C``, is rewritten as "matches
``AC`` and not ``AB``"; any other pattern RE2 cannot compile is left out and
counted (``atom_policy_skipped``), never silently approximated.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import yaml

from modelatlas.errors import InputError, StoreError
from modelatlas.store.db import Store

if TYPE_CHECKING:  # pandas only when ATOM data is imported, not on every CLI start
    import pandas as pd

FILES = {
    "models": "models.csv",
    "extra": "extra_models.csv",
    "params": "model_parameters.csv",
    "corrections": "release_date_corrections.csv",
}
POLICY_FILE = "model_policy.yml"
#: model_policy.yml keys -> atom_policy.rule (global section, per-org sections).
_GLOBAL_RULES = {"reject_name_patterns": "reject_name", "reject_format_patterns": "reject_format",
                 "primary_allowed_pipeline_tags": "pipeline"}
_ORG_RULES = {"primary_family_patterns": "primary", "extra_family_patterns": "extra",
              "reject_name_patterns": "reject_name"}
#: Keys of the file read but not applied (documented in docs/metrics.md).
_IGNORED = {"conditional_allowed_pipeline_tags", "reject_pipeline_tags",
            "official_precision_suffixes"}
_LOOKAHEAD = re.compile(r"\(\?!([^()]*)\)")


def _read(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """A CSV whose leading ``#`` lines are comments; every column kept as text."""
    import pandas as pd
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


def re2_pattern(pattern: str) -> tuple[str, str | None]:
    """(pattern, exclude) in RE2 syntax for a Python pattern of the policy file.

    One negative lookahead ``A(?!B)C`` becomes ``AC`` with exclusion ``AB``; more
    than one is an InputError (the caller leaves the rule out and counts it)."""
    found = list(_LOOKAHEAD.finditer(pattern))
    if not found:
        return pattern, None
    if len(found) > 1:
        raise InputError(f"more than one negative lookahead in {pattern!r}")
    m = found[0]
    head, tail = pattern[:m.start()], pattern[m.end():]
    return head + tail, head + m.group(1)


def _patterns(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise InputError(f"{POLICY_FILE}: {where} must be a list of strings")
    return [str(v) for v in value]


def policy_rows(doc: Any) -> list[tuple[str | None, str, str, str | None, str]]:
    """``(org, rule, pattern, exclude, source)`` rows of a parsed model_policy.yml.

    Unknown keys are refused (the file's schema changed: read it again before
    trusting the population)."""
    if not isinstance(doc, dict):
        raise InputError(f"{POLICY_FILE}: not a mapping")
    unknown = set(doc) - {"global", "orgs"}
    if unknown:
        raise InputError(f"{POLICY_FILE}: unknown top-level key {sorted(unknown)[0]!r}")
    rows: list[tuple[str | None, str, str, str | None, str]] = []
    glob = doc.get("global") or {}
    if not isinstance(glob, dict):
        raise InputError(f"{POLICY_FILE}: global must be a mapping")
    for key, value in glob.items():
        if key == "primary_min_downloads":
            try:
                rows.append((None, "min_downloads", str(int(value)), None, str(value)))
            except (TypeError, ValueError):
                raise InputError(f"{POLICY_FILE}: primary_min_downloads must be a number"
                                 ) from None
        elif key in _GLOBAL_RULES:
            rows += [(None, _GLOBAL_RULES[key], p, None, p) for p in _patterns(value, key)]
        elif key not in _IGNORED:
            raise InputError(f"{POLICY_FILE}: unknown key global.{key}")
    orgs = doc.get("orgs") or {}
    if not isinstance(orgs, dict):
        raise InputError(f"{POLICY_FILE}: orgs must be a mapping")
    for org, rules in orgs.items():
        if not isinstance(rules, dict):
            raise InputError(f"{POLICY_FILE}: orgs.{org} must be a mapping")
        for key, value in rules.items():
            if key not in _ORG_RULES:
                raise InputError(f"{POLICY_FILE}: unknown key orgs.{org}.{key}")
            rows += [(str(org), _ORG_RULES[key], p, None, p) for p in _patterns(value, key)]
    return rows


def _policy_frame(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[pd.DataFrame, int]:
    """The policy as atom_policy rows, and how many patterns RE2 could not take."""
    import pandas as pd
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    out: list[tuple[str | None, str, str, str | None, str]] = []
    skipped = 0
    for org, rule, pattern, _, source in policy_rows(doc):
        if rule in ("pipeline", "min_downloads"):
            out.append((org, rule, pattern, None, source))
            continue
        try:
            pat, exclude = re2_pattern(pattern)
            for p in (pat, exclude):
                if p is not None:
                    con.execute("SELECT regexp_matches('', ?)", [p]).fetchall()
        except (InputError, duckdb.Error):
            skipped += 1
            continue
        out.append((org, rule, pat, exclude, source))
    frame = pd.DataFrame(out, columns=["org", "rule", "pattern", "exclude", "source"])
    return frame, skipped


def load_atom(store: Store, folder: str | Path) -> dict[str, int]:
    """Replace the ATOM tables from ``folder``; returns rows loaded per table."""
    import pandas as pd
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"no such folder: {root}")
    present = {k: root / f for k, f in FILES.items() if (root / f).is_file()}
    if not present and not (root / POLICY_FILE).is_file():
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
    skipped = 0
    if (root / POLICY_FILE).is_file():
        frames["atom_policy"], skipped = _policy_frame(store.con, root / POLICY_FILE)
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
        "atom_policy": "INSERT INTO atom_policy (org, rule, pattern, exclude, source)"
        " SELECT org, rule, pattern, exclude, source FROM _src",
    }
    counts: dict[str, int] = {}
    con = store.con
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        for table, df in frames.items():
            if df.empty:
                continue
            for col in ("active_params_b", "is_moe", "notes", "hf_created_at"):
                if table not in ("atom_models", "atom_policy") and col not in df.columns:
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
    if "atom_policy" in frames:
        counts["atom_policy_skipped"] = skipped
    return counts


#: Models of the ``atom`` population: ATOM's primary tracked list (models.csv: what
#: its charts use; extra_models.csv is "tracked but not yet in the main charts"),
#: plus repositories its policy admits as primary: an org's primary family pattern
#: (and not its exclusion), an allowed pipeline tag, no global or org reject
#: pattern on the name, and a download count (all-time, else 30-day, a lower
#: bound of all-time) of at least primary_min_downloads. The rule is the
#: ``atom_members`` view (migration 0350), one definition for every query.
MEMBERS_SQL = "SELECT model_id FROM atom_members"
