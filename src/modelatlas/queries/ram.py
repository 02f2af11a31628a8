"""ATOM's Relative Adoption Metric: ``ram MODEL_ID`` and ``ram-leaders``."""

from __future__ import annotations

from modelatlas.errors import NotFoundError
from modelatlas.metrics import ram as r
from modelatlas.queries._engine import Reader
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query, Sql

RAM_COLUMNS = (
    Column("model_id"), Column("org"), Column("size_class"),
    Column("days", "int", "Age asked for (days after release)."),
    Column("age_days", "int", "Age of the snapshot used."), Column("snapshot", "date"),
    Column("cumulative_downloads", "float"),
    Column("reference_downloads", "float", "10th model of the size class at that age."),
    Column("class_models", "int"), Column("rank", "int"),
    Column("ram", "float", "modelatlas' RAM: over the 10th of the class at that age."),
    Column("size_class_atom", help="ATOM's size bucket (its 7-9B spans 5-10B)."),
    Column("reference_atom", "float",
           "ATOM's reference: 10th of the class among its baseline cohort, monotonic in age."),
    Column("ram_atom", "float", "RAM as ATOM defines it (docs/metrics.md)."),
)
BASELINE = Param("baseline_quarter", default=r.BASELINE_QUARTER, max_length=8,
                 help="ATOM's fixed baseline quarter of the reference cohort (YYYYQn).")


def _ram(reader: Reader, args: Args) -> list[dict[str, object]]:
    mid = args["model_id"]
    end = r.quarter_end(args["baseline_quarter"])
    if mid is None:  # every (model, age) the snapshots allow
        return reader.rows(r.ram_all_sql(), {"baseline_end": end})
    found = reader.rows("SELECT id, org FROM models WHERE lower(id) = lower($id)"
                        " ORDER BY id = $id DESC LIMIT 1", {"id": mid})
    if not found:
        raise NotFoundError(f"model {mid} is not in the store")
    names, rows = reader.execute(Sql(r.ram_model_sql(), {
        "model": str(found[0]["id"]), "org": found[0]["org"], "baseline_end": end}))
    return [dict(zip(names, row, strict=True)) for row in rows]


def _inputs(reader: Reader, _: Args) -> dict[str, int]:
    row = reader.rows(r.INPUTS_SQL)[0]
    return {k: int(row[k] or 0) for k in ("models", "dated", "sized", "aged")}


def _leaders(args: Args) -> Sql:
    return Sql(r.ram_leaders_sql(args["definition"]), {
        "days": args["days"], "top": args["top"],
        "baseline_end": r.quarter_end(args["baseline_quarter"])})


QUERIES = (
    Query("ram-inputs", "What RAM can rest on: models, with a release date, with a parameter "
          "count, and sized ones observed 6-401 days after release.",
          run=_inputs, shape="object",
          needs=("models", "observations", "atom_params", "atom_release_corrections"),
          title=lambda a: "RAM inputs"),
    Query("ram", "ATOM Relative Adoption Metric of one model at 7..365 days, modelatlas' and "
          "ATOM's definitions side by side (missing where the snapshots do not allow it); "
          "without a model, every (model, age) computable.",
          params=(Param("model_id", positional=True, max_length=200,
                        help="Hub model id (omit for every model)."), BASELINE),
          columns=RAM_COLUMNS, run=_ram,
          validate=lambda a: _check_quarter(a),
          needs=("models", "observations", "atom_params", "atom_release_corrections"),
          title=lambda a: f"Relative Adoption Metric: {a['model_id'] or 'every model'}"),
    Query("ram-leaders", "The models with the highest RAM at one age, across size classes.",
          params=(Param("days", "int", default=30, help="Age in days: 7|14|30|60|90|180|365.",
                        minimum=7, maximum=365),
                  Param("top", "int", default=10, minimum=1, maximum=1000,
                        help="How many models."),
                  Param("definition", default="modelatlas", choices=r.DEFINITIONS,
                        help="Rank by modelatlas' RAM or by ATOM's."),
                  BASELINE),
          columns=RAM_COLUMNS, sql=_leaders,
          validate=lambda a: _check_leaders(a),
          needs=("models", "observations", "atom_params", "atom_release_corrections"),
          title=lambda a: f"RAM leaders at {a['days']} days"),
)


def _check_age(days: int) -> None:
    if days not in r.AGES:
        from modelatlas.errors import UsageError

        raise UsageError(f"--days must be one of {'|'.join(map(str, r.AGES))}")


def _check_quarter(args: Args) -> None:
    r.quarter_end(args["baseline_quarter"])


def _check_leaders(args: Args) -> None:
    _check_age(args["days"])
    _check_quarter(args)
