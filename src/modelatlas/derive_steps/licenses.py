"""Fill ``models.license_id`` (and ``license_origin``) from the licence catalog, set-based.

Python resolves each *distinct* (license, license_name, license_link) triple and
each distinct cut ``license:`` tag once; the store then applies them with one
``UPDATE ... FROM``. Foundation-repo rules (``repos.yaml``) are joined in SQL with
``regexp_full_match``; they fill models whose own metadata maps to nothing usable
(unknown, other, empty), never overriding a licence the repo itself states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from modelatlas.licenses import registry, repos
from modelatlas.licenses.normalizer import complete_truncated, resolve
from modelatlas.store.db import Store

if TYPE_CHECKING:
    from modelatlas.derive import Scope

ORDER = 20
NAME = "licenses"

_CATALOG_COLS = (
    "license_id", "name", "family", "commercial_use", "user_cap_mau", "revenue_cap_usd",
    "attribution", "naming", "acceptable_use_policy", "outputs_train_other_models",
    "territorial", "derivative_terms", "revocable", "source_url", "notes", "osi_approved",
)  # fmt: skip


def _register(store: Store, name: str, tbl: pa.Table) -> None:
    """Register an Arrow table; first settle any result an earlier statement left open
    (DuckDB refuses ``register`` while a result is pending)."""
    store.con.execute("SELECT 1").fetchall()
    store.con.register(name, tbl)


def _temp_table(store: Store, name: str, columns: dict[str, tuple[str, list[Any]]]) -> None:
    """A temporary table from Python lists, as one statement with list parameters.

    Used instead of registering an Arrow table on the incremental path: building
    an Arrow array from Python objects imports pandas (0.4 s, more than the whole
    incremental licence step at 250k models). ``name`` and the column names and
    types come from this module only.
    """
    cols = ", ".join(f"unnest(?::{t}[]) AS {c}" for c, (t, _) in columns.items())
    store.sql(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {cols}",
              [v for _, v in columns.values()])


def load_catalog(store: Store) -> None:
    """Replace the ``licenses`` table with the shipped catalog."""
    rows = []
    for lic in registry.catalog().values():
        d = lic.as_dict()
        d["license_id"] = d.pop("id")
        rows.append({c: d[c] for c in _CATALOG_COLS})
    tbl = pa.Table.from_pylist(rows)
    _register(store, "_lic_catalog", tbl)
    try:
        store.sql("DELETE FROM licenses")
        cols = ", ".join(_CATALOG_COLS)
        store.sql(f"INSERT INTO licenses ({cols}) SELECT {cols} FROM _lic_catalog")
    finally:
        store.con.unregister("_lic_catalog")


def _resolutions(store: Store, scope: Scope | None) -> None:
    """Resolutions of the distinct licence triples (incremental: only new triples of
    the changed models and their history)."""
    if scope is None:
        triples = store.sql("""
            SELECT DISTINCT license_raw, license_name, license_link FROM models
            UNION
            SELECT DISTINCT license_raw, license_name, license_link FROM model_history
        """).fetchall()
    else:
        triples = store.sql(f"""
            SELECT DISTINCT t.* FROM (
                SELECT license_raw, license_name, license_link FROM ({scope.rows_sql})
                UNION
                SELECT license_raw, license_name, license_link FROM model_history h
                SEMI JOIN ({scope.models_sql}) d ON d.model_id = h.model_id
            ) t
            ANTI JOIN license_resolutions r
              ON t.license_raw IS NOT DISTINCT FROM r.license_raw
             AND t.license_name IS NOT DISTINCT FROM r.license_name
             AND t.license_link IS NOT DISTINCT FROM r.license_link
        """).fetchall()
    out = {"license_raw": [], "license_name": [], "license_link": [], "license_id": [],
           "how": []}  # type: dict[str, list[str | None]]
    for raw, name, link in triples:
        r = resolve(raw, name, link)
        for k, v in (("license_raw", raw), ("license_name", name), ("license_link", link),
                     ("license_id", r.id), ("how", r.how)):
            out[k].append(v)
    _temp_table(store, "_lic_res_in", {k: ("VARCHAR", v) for k, v in out.items()})


def _cut_tags(store: Store, models: str) -> None:
    cuts = store.sql(f"""
        SELECT DISTINCT t FROM (SELECT unnest(truncated_tags) AS t FROM {models}
                                WHERE license_raw IS NULL)
        WHERE starts_with(t, 'license:')
    """).fetchall()
    rows = [(c, complete_truncated(c[len("license:"):])) for (c,) in cuts]
    _temp_table(store, "_lic_cut", {"cut": ("VARCHAR", [c for c, _ in rows]),
                                    "license_id": ("VARCHAR", [lid for _, lid in rows])})


def _repo_columns() -> dict[str, tuple[str, list[Any]]]:
    """The foundation-repo rules as typed columns (one definition for both engines)."""
    rs = repos.rules()
    return {"org": ("VARCHAR", [r.org for r in rs]), "seq": ("INTEGER", [r.seq for r in rs]),
            "pattern": ("VARCHAR", [r.pattern for r in rs]),
            "license_id": ("VARCHAR", [r.license_id for r in rs])}


def _repo_rules() -> pa.Table:
    """The rules as an Arrow table (the Spark derive's input)."""
    types = {"VARCHAR": pa.string(), "INTEGER": pa.int32()}
    return pa.table({c: pa.array(v, types[t]) for c, (t, v) in _repo_columns().items()})


def _repo_hits(store: Store, models: str) -> str:
    """The repo rule of each changed model (``models``), matched by the rules'
    Python twin (:func:`modelatlas.licenses.repos.repo_rule`, the one ``check`` uses);
    returns the relation to read them from.

    Why: in SQL every (model, rule) pair of an org compiles the rule's pattern again
    (the pattern is a column): ~30 ms for 2k changed models at 250k, a tenth of an
    incremental licence step. ``tests/test_licenses.py`` holds the two twins equal.
    """
    orgs = sorted({r.org for r in repos.rules()})
    ids = [str(r[0]) for r in store.sql(
        f"SELECT id FROM {models} m WHERE strpos(id, '/') > 0"
        " AND lower(split_part(id, '/', 1)) IN (SELECT unnest(?::VARCHAR[]))", [orgs]
    ).fetchall()]
    hits = [(i, rule.license_id) for i in ids if (rule := repos.repo_rule(i)) is not None]
    _temp_table(store, "_lic_repo_hit", {"id": ("VARCHAR", [i for i, _ in hits]),
                                         "license_id": ("VARCHAR", [lid for _, lid in hits])})
    return "SELECT id, license_id FROM _lic_repo_hit"


#: Which evidence wins for a model's licence id and how it is labelled; shared with the
#: Spark derive (spark/derive.py), so both engines apply one precedence.
ASSIGN_PRECEDENCE = """
SELECT res.id,
    CASE WHEN res.how IN ('raw', 'name', 'link') THEN res.rid
         WHEN repo.license_id IS NOT NULL THEN repo.license_id
         WHEN cut.n = 1 THEN cut.license_id
         ELSE coalesce(res.rid, 'unknown') END AS license_id,
    CASE WHEN res.how IN ('raw', 'name', 'link') THEN res.how
         WHEN repo.license_id IS NOT NULL THEN 'repo'
         WHEN cut.n = 1 THEN 'cut-tag'
         WHEN cut.tags > 0 AND coalesce(res.how, 'empty') = 'empty' THEN 'cut-unmapped'
         ELSE coalesce(res.how, 'empty') END AS license_origin
FROM res LEFT JOIN repo USING (id) LEFT JOIN cut USING (id)
"""

#: The foundation-repo rule of each model, in SQL (the whole store).
REPO_SQL = """
    SELECT m.id, k.license_id
    FROM {models} m JOIN _lic_repo k
      ON lower(split_part(m.id, '/', 1)) = k.org AND strpos(m.id, '/') > 0
     AND regexp_full_match(lower(substr(m.id, strpos(m.id, '/') + 1)), k.pattern)
    QUALIFY row_number() OVER (PARTITION BY m.id ORDER BY k.seq) = 1
"""

ASSIGN = """
WITH res AS (
    SELECT m.id, r.license_id AS rid, r.how
    FROM {models} m LEFT JOIN license_resolutions r
      ON m.license_raw IS NOT DISTINCT FROM r.license_raw
     AND m.license_name IS NOT DISTINCT FROM r.license_name
     AND m.license_link IS NOT DISTINCT FROM r.license_link
), repo AS ({repo}), cut AS (
    SELECT m.id, min(c.license_id) AS license_id, count(DISTINCT c.license_id) AS n,
           count(*) AS tags
    FROM {models} m, unnest(m.truncated_tags) AS u(t)
    JOIN _lic_cut c ON c.cut = u.t
    WHERE m.license_raw IS NULL
    GROUP BY m.id
)
""" + ASSIGN_PRECEDENCE


def run(store: Store, scope: Scope | None = None) -> None:
    """Full: reload the catalog table, resolve every distinct raw value, assign every
    model. Incremental: resolve new values and assign the changed models only."""
    models = "models"
    if scope is None:
        load_catalog(store)
    else:  # the changed models, read once for every step
        models = f"({scope.rows_sql})"
    try:
        _resolutions(store, scope)
        _cut_tags(store, models)
        if scope is None:  # the incremental path matches repo rules in Python
            _temp_table(store, "_lic_repo", _repo_columns())
            store.sql("DELETE FROM license_resolutions")
        store.sql("""
            INSERT INTO license_resolutions (license_raw, license_name, license_link,
                license_id, how)
            SELECT license_raw, license_name, license_link, license_id, how FROM _lic_res_in
        """)
        repo = REPO_SQL.format(models=models) if scope is None else _repo_hits(store, models)
        store.sql(f"CREATE OR REPLACE TEMP TABLE _lic_assign AS"
                  f" {ASSIGN.format(models=models, repo=repo)}")
        store.sql("""
            UPDATE models SET license_id = a.license_id, license_origin = a.license_origin
            FROM _lic_assign a
            WHERE models.id = a.id
              AND (models.license_id IS DISTINCT FROM a.license_id
                   OR models.license_origin IS DISTINCT FROM a.license_origin)
        """)
    finally:
        for name in ("_lic_res_in", "_lic_cut", "_lic_repo", "_lic_assign", "_lic_repo_hit"):
            store.sql(f"DROP TABLE IF EXISTS {name}")
