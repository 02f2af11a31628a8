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
    Column("class_models", "int"), Column("rank", "int"), Column("ram", "float"),
)


def _ram(reader: Reader, args: Args) -> list[dict[str, object]]:
    mid = args["model_id"]
    if mid is None:  # every (model, age) the snapshots allow
        return reader.rows(f"SELECT * FROM ({r.RAM_SQL}) AS t"
                           " ORDER BY days, size_class, rank, model_id", {"days": None})
    found = reader.rows("SELECT id, org FROM models WHERE lower(id) = lower($id)"
                        " ORDER BY id = $id DESC LIMIT 1", {"id": mid})
    if not found:
        raise NotFoundError(f"model {mid} is not in the store")
    names, rows = reader.execute(Sql(r.ram_model_sql(), {
        "model": str(found[0]["id"]), "org": found[0]["org"], "days": None}))
    return [dict(zip(names, row, strict=True)) for row in rows]


def _leaders(args: Args) -> Sql:
    return Sql(r.ram_leaders_sql(), {"days": args["days"], "top": args["top"]})


QUERIES = (
    Query("ram", "ATOM Relative Adoption Metric of one model at 7..365 days (missing where "
          "the snapshots do not allow it); without a model, every (model, age) computable.",
          params=(Param("model_id", positional=True, max_length=200,
                        help="Hub model id (omit for every model)."),),
          columns=RAM_COLUMNS, run=_ram,
          needs=("models", "observations", "atom_params", "atom_release_corrections"),
          title=lambda a: f"Relative Adoption Metric: {a['model_id'] or 'every model'}"),
    Query("ram-leaders", "The models with the highest RAM at one age, across size classes.",
          params=(Param("days", "int", default=30, help="Age in days: 7|14|30|60|90|180|365.",
                        minimum=7, maximum=365),
                  Param("top", "int", default=10, minimum=1, maximum=1000,
                        help="How many models.")),
          columns=RAM_COLUMNS, sql=_leaders,
          validate=lambda a: _check_age(a["days"]),
          needs=("models", "observations", "atom_params", "atom_release_corrections"),
          title=lambda a: f"RAM leaders at {a['days']} days"),
)


def _check_age(days: int) -> None:
    if days not in r.AGES:
        from modelatlas.errors import UsageError

        raise UsageError(f"--days must be one of {'|'.join(map(str, r.AGES))}")
