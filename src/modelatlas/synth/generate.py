"""Generate a simulated Hub, vectorised with NumPy, one hub-dump Parquet per snapshot.

Shapes it is calibrated on (documented in docs/synth.md, checked by tests):

- downloads are heavy-tailed: about 85% of repos have under 200 lifetime
  downloads and about 1.5% of repos hold about 99% of all downloads;
- a few hundred organisations release many models; a long tail of individual
  uploaders publishes one or a few;
- lineage: most derivatives hang off a few popular roots, depth up to 5,
  quantized repos are leaves, merges have two or three parents;
- a licence-tag mix close to the Hub's (apache-2.0, mit, custom open-weight
  licences, non-commercial, none);
- growth: new models appear every month and downloads move between labs.

Everything it writes says SIMULATED: the file name, the Parquet schema metadata
(``modelatlas.simulated = true``) and, once ingested, ``snapshots.simulated``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from modelatlas.synth.orgs import LABS, QUANTIZERS, Lab

RELATIONS = np.array(["finetune", "adapter", "quantized", "merge"])
REL_P = np.array([0.55, 0.15, 0.25, 0.05])
DEPTH_P = np.array([0.70, 0.20, 0.07, 0.025, 0.005])
SIZES_B = np.array([0.5, 1.5, 3, 7, 8, 14, 32, 70, 235, 671])
SIZES_P = np.array([0.10, 0.14, 0.12, 0.20, 0.14, 0.10, 0.09, 0.06, 0.03, 0.02])
STANDALONE_LICENSES = np.array(
    ["apache-2.0", "mit", "", "cc-by-nc-4.0", "other", "openrail", "cc-by-4.0", "gpl-3.0"]
)
STANDALONE_LICENSE_P = np.array([0.38, 0.22, 0.25, 0.05, 0.05, 0.02, 0.02, 0.01])


ROW_GROUP = 250_000


@dataclass(frozen=True)
class SynthConfig:
    models: int = 20_000
    snapshots: int = 12
    seed: int = 0
    end: dt.date = dt.date(2026, 10, 31)
    history_months: int = 36  # models are created over this many months before the end


@dataclass
class SimHub:
    """The whole simulated Hub as columns (one row per model, index = creation order)."""

    ids: np.ndarray
    org: np.ndarray
    created: np.ndarray  # datetime64[s]
    pipeline: np.ndarray
    library: np.ndarray
    license: np.ndarray
    params: np.ndarray  # int64, 0 = unknown
    # Lineage as flat arrays, one entry per (child, parent), in each child's parent order.
    edge_child: np.ndarray  # int64
    edge_parent: np.ndarray  # int64
    edge_rel: np.ndarray  # object (relation names)
    pop: np.ndarray  # popularity scale (expected downloads / 30 days at peak)
    org_trend: np.ndarray  # per-model monthly growth of its lab's popularity
    gated: np.ndarray
    quantized: np.ndarray  # bool
    snapshots: list[dt.date]


def _month_ends(end: dt.date, n: int) -> list[dt.date]:
    out = []
    y, m = end.year, end.month
    for _ in range(n):
        first_next = dt.date(y + (m == 12), m % 12 + 1, 1)
        out.append(first_next - dt.timedelta(days=1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return sorted(out)


def _vocab(values: np.ndarray) -> np.ndarray:
    """A small vocabulary as an object array (one Python string per value)."""
    return np.array(values.tolist(), dtype=object)


def _names(prefix: str, numbers: np.ndarray) -> np.ndarray:
    """``prefix<number>`` per element, one string object per distinct number."""
    uniq, inv = np.unique(numbers, return_inverse=True)
    return np.char.add(prefix, uniq.astype(str)).astype(object)[inv]


def generate(cfg: SynthConfig) -> SimHub:
    rng = np.random.default_rng(cfg.seed)
    n = cfg.models
    labs: list[Lab] = LABS
    lab_w = np.array([lab.weight for lab in labs], dtype=float)
    lab_w /= lab_w.sum()

    # Who uploads what: lab releases (roots), standalone community models, derivatives.
    kind = rng.choice(3, size=n, p=[0.005, 0.375, 0.62])  # 0 lab root, 1 standalone, 2 derivative
    kind[: min(n, max(5, len(labs)))] = 0  # every lab has at least one release
    span_s = cfg.history_months * 30.44 * 86400
    end_ts = np.datetime64(cfg.end, "s") + np.timedelta64(86399, "s")
    start_ts = end_ts - np.timedelta64(int(span_s), "s")
    # Growth: more uploads later (density rising over time).
    created = start_ts + (np.sqrt(rng.random(n)) * span_s).astype("timedelta64[s]")

    org = np.empty(n, dtype=object)
    license_ = np.full(n, "", dtype=object)
    params = np.zeros(n, dtype=np.int64)
    pipeline = np.full(n, "text-generation", dtype=object)
    library = np.full(n, "transformers", dtype=object)
    gated = np.full(n, "false", dtype=object)
    base_name = np.empty(n, dtype=object)
    pop = np.exp(rng.normal(1.4, 1.8, n))  # long tail: a handful of downloads a month
    trend = np.zeros(n)
    quant = np.zeros(n, dtype=bool)
    depth = np.zeros(n, dtype=np.int64)
    e_child: list[np.ndarray] = []
    e_parent: list[np.ndarray] = []
    e_rel: list[np.ndarray] = []

    roots = np.flatnonzero(kind == 0)
    lab_idx = rng.choice(len(labs), size=roots.size, p=lab_w)
    lab_idx[: min(len(labs), roots.size)] = np.arange(min(len(labs), roots.size))
    sizes = rng.choice(SIZES_B, size=roots.size, p=SIZES_P)
    for j, (r, li) in enumerate(zip(roots, lab_idx, strict=True)):
        lab = labs[li]
        org[r] = lab.namespace
        license_[r] = lab.license
        params[r] = int(sizes[j] * 1e9)
        base_name[r] = f"{lab.family}-{sizes[j]:g}B"
        trend[r] = lab.trend
        gated[r] = lab.gated
        pipeline[r] = lab.pipeline
    # Lab releases: heavy-tailed popularity, scaled by the lab's pull.
    pop[roots] = (
        np.exp(rng.normal(10.0, 2.0, roots.size))
        * np.array([labs[li].pull for li in lab_idx])
    )

    stand = np.flatnonzero(kind == 1)
    n_users = max(50, n // 6)
    user_ids = (n_users * rng.random(stand.size) ** 3).astype(np.int64)
    org[stand] = _names("sim-user-", user_ids)
    # Drawing indices then taking from an object vocabulary draws the same values as
    # drawing from the array, but shares one string object per value (3M models fit).
    license_[stand] = _vocab(STANDALONE_LICENSES)[
        rng.choice(STANDALONE_LICENSES.size, size=stand.size, p=STANDALONE_LICENSE_P)]
    base_name[stand] = np.char.add("model-", np.arange(stand.size).astype(str)).astype(object)
    pipelines = np.array(["text-classification", "text-generation", "image-classification",
                          "feature-extraction", "automatic-speech-recognition", "text-to-image"])
    pipeline[stand] = _vocab(pipelines)[rng.choice(
        pipelines.size, size=stand.size, p=[0.25, 0.3, 0.15, 0.15, 0.08, 0.07])]

    # Derivatives, generation by generation, so every parent exists (and is older).
    der = np.flatnonzero(kind == 2)
    dep = rng.choice(np.arange(1, 6), size=der.size, p=DEPTH_P)
    rel = rng.choice(RELATIONS, size=der.size, p=REL_P)
    pool = roots
    for d in range(1, 6):
        kids = der[dep == d]
        krel = rel[dep == d]
        pool = pool[~quant[pool]]
        if kids.size == 0 or pool.size == 0:
            break
        w = pop[pool] ** 0.9
        w /= w.sum()
        p1 = rng.choice(pool, size=kids.size, p=w)
        p2 = rng.choice(pool, size=kids.size, p=w)
        p3 = rng.choice(pool, size=kids.size, p=w)
        three = rng.random(kids.size) < 0.3
        is_merge = (krel == "merge") & (p1 != p2)
        krel = np.where((krel == "merge") & ~is_merge, "finetune", krel)
        use3 = is_merge & three & (p3 != p1) & (p3 != p2)
        # One entry per (child, parent); a merge lists its distinct parents.
        e_child += [kids, kids[is_merge], kids[use3]]
        e_parent += [p1, p2[is_merge], p3[use3]]
        e_rel += [krel, krel[is_merge], krel[use3]]
        quant[kids] = krel == "quantized"
        depth[kids] = d
        params[kids] = params[p1]
        pipeline[kids] = pipeline[p1]
        base_name[kids] = base_name[p1]
        trend[kids] = trend[p1]
        # Children are created after their parents.
        pc = created[p1]
        pc = np.where(is_merge, np.maximum(pc, created[p2]), pc)
        pc = np.where(use3, np.maximum(pc, created[p3]), pc)
        gap = (end_ts - pc).astype(np.int64)
        created[kids] = pc + (gap * rng.beta(1.0, 4.0, kids.size)).astype("timedelta64[s]")
        u = rng.random(kids.size)
        other = np.where(u < 0.85, np.full(kids.size, "apache-2.0", object),
                         np.full(kids.size, "", object))
        license_[kids] = np.where(u < 0.7, license_[p1], other)
        # A few derivatives become hits (popular quantizations, well-known fine-tunes);
        # the rest stay in the long tail with the baseline popularity.
        hit = rng.random(kids.size) < 0.03
        pop[kids[hit]] = pop[p1[hit]] * np.exp(rng.normal(-5.5, 1.5, int(hit.sum())))
        pool = kids

    # Quantizers upload most quantized repos; community uploads the rest.
    qk = np.flatnonzero(quant)
    by_quantizer = rng.random(qk.size) < 0.6
    qnames = np.array([q for q, _ in QUANTIZERS], dtype=object)
    qw = np.array([w for _, w in QUANTIZERS], dtype=float)
    org[qk[by_quantizer]] = rng.choice(qnames, size=int(by_quantizer.sum()), p=qw / qw.sum())
    pop[qk[by_quantizer]] *= 3.0
    libs = np.array(["gguf", "mlx", "transformers"])
    library[qk] = _vocab(libs)[rng.choice(libs.size, size=qk.size, p=[0.7, 0.15, 0.15])]
    other_der = der[np.array([org[i] is None for i in der], dtype=bool)] if der.size else der
    uid = (n_users * rng.random(other_der.size) ** 3).astype(np.int64)
    org[other_der] = _names("sim-user-", uid)
    ec = np.concatenate(e_child) if e_child else np.zeros(0, np.int64)
    ep = np.concatenate(e_parent) if e_parent else np.zeros(0, np.int64)
    er = np.concatenate(e_rel).astype(object) if e_rel else np.zeros(0, object)
    adapters = np.unique(ec[er == "adapter"])
    library[adapters] = "peft"

    # Creation order = index order (stable ids, realistic growth).
    order = np.argsort(created, kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    suffix = np.array(["", "-Instruct", "-GGUF", "-lora", "-merge", "-ft", "-v2", "-DPO"],
                      dtype=object)
    ids = np.empty(n, dtype=object)
    for i in range(n):
        tag = "-GGUF" if quant[i] else suffix[i % len(suffix)]
        ids[i] = f"{org[i]}/{base_name[i]}{tag}-{inv[i]:x}"

    # Each child's parents in ascending order of their index before the relabelling.
    by_child = np.lexsort((ep, inv[ec]))
    return SimHub(
        ids=ids[order], org=org[order], created=created[order], pipeline=pipeline[order],
        library=library[order], license=license_[order], params=params[order],
        edge_child=inv[ec][by_child], edge_parent=inv[ep][by_child],
        edge_rel=er[by_child], pop=pop[order], org_trend=trend[order], gated=gated[order],
        quantized=quant[order], snapshots=_month_ends(cfg.end, cfg.snapshots),
    )


def _tags(hub: SimHub) -> pa.ListArray:
    """Every model's tags, built columnar (no Python list per model: 3M models fit).

    Order per model: library, ``gguf`` (quantized GGUF), pipeline, ``license:``,
    then ``base_model:<id>`` and ``base_model:<relation>:<id>`` per parent, ``region:us``.
    """
    n = hub.ids.size
    ids = pa.array(hub.ids.tolist(), pa.string())
    idx = np.arange(n, dtype=np.int64)
    parts_idx: list[np.ndarray] = []
    parts_pos: list[np.ndarray] = []
    parts_val: list[pa.Array] = []

    def add(rows: np.ndarray, pos: np.ndarray | int, values: pa.Array) -> None:
        parts_idx.append(rows)
        parts_pos.append(np.broadcast_to(np.asarray(pos, dtype=np.int64), rows.shape).copy())
        parts_val.append(values)

    add(idx, 0, pa.array(hub.library.tolist(), pa.string()))
    gguf = np.flatnonzero(hub.quantized & (hub.library == "gguf"))
    add(gguf, 1, pa.array(["gguf"] * gguf.size, pa.string()))
    add(idx, 2, pa.array(hub.pipeline.tolist(), pa.string()))
    lic = np.flatnonzero(hub.license != "")
    add(lic, 3, pc.binary_join_element_wise(
        "license:", pa.array(hub.license[lic].tolist(), pa.string()), ""))
    c = hub.edge_child
    # position of each entry among its child's parents (entries are grouped by child)
    starts = np.searchsorted(c, c, side="left")
    kk = np.arange(c.size, dtype=np.int64) - starts
    pid = pc.take(ids, pa.array(hub.edge_parent))
    add(c, 10 + 2 * kk, pc.binary_join_element_wise("base_model:", pid, ""))
    add(c, 11 + 2 * kk, pc.binary_join_element_wise(
        "base_model:", pa.array(hub.edge_rel.tolist(), pa.string()), ":", pid, ""))
    add(idx, 1000, pa.array(["region:us"] * n, pa.string()))
    rows = np.concatenate(parts_idx)
    order = np.lexsort((np.concatenate(parts_pos), rows))
    values = pc.take(pa.concat_arrays([v.cast(pa.string()) for v in parts_val]),
                     pa.array(order))
    counts = np.bincount(rows, minlength=n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def snapshot_table(hub: SimHub, k: int, rng: np.random.Generator,
                   cumulative: np.ndarray, tags: pa.ListArray) -> pa.Table:
    """The hub-dump table at snapshot ``k`` (updates ``cumulative`` in place)."""
    snap = hub.snapshots[k]
    cut = np.datetime64(snap, "s") + np.timedelta64(86399, "s")
    alive = int(np.searchsorted(hub.created, cut, side="right"))
    age_m = (cut - hub.created[:alive]).astype(np.int64) / (30.44 * 86400)
    months_from_end = len(hub.snapshots) - 1 - k
    growth = np.exp(-hub.org_trend[:alive] * months_from_end)
    shape = (1 - np.exp(-3 * np.maximum(age_m, 0.03))) * np.exp(-age_m / 18.0)
    lam = hub.pop[:alive] * shape * growth * np.exp(rng.normal(0, 0.25, alive))
    d30 = np.floor(lam + rng.random(alive)).astype(np.int64)
    cumulative[:alive] += d30
    likes = np.floor(np.sqrt(cumulative[:alive]) * 0.05 * rng.random(alive)).astype(np.int64)
    created = pa.array(hub.created[:alive].astype("datetime64[ms]"), pa.timestamp("ms", "UTC"))
    params = hub.params[:alive]
    safetensors = pa.StructArray.from_arrays(
        [pa.array(params, pa.int64())], names=["total"], mask=pa.array(params == 0))
    table = pa.table({
        "id": pa.array(hub.ids[:alive].tolist(), pa.string()),
        "author": pa.array(hub.org[:alive].tolist(), pa.string()),
        "createdAt": created,
        "lastModified": created,
        "downloads": pa.array(d30),
        "downloadsAllTime": pa.array(cumulative[:alive].copy()),
        "likes": pa.array(likes),
        "tags": tags.slice(0, alive),
        "pipeline_tag": pa.array(hub.pipeline[:alive].tolist(), pa.string()),
        "library_name": pa.array(hub.library[:alive].tolist(), pa.string()),
        "gated": pa.array(hub.gated[:alive].tolist(), pa.string()),
        "safetensors": safetensors,
    })
    meta = {
        b"modelatlas.simulated": b"true",
        b"modelatlas.snapshot": snap.isoformat().encode(),
        b"modelatlas.note": b"SIMULATED Hub data generated by modelatlas synth; not real.",
    }
    return table.replace_schema_metadata(meta)


def write_snapshots(cfg: SynthConfig, out: str | Path) -> list[Path]:
    """Write one SIMULATED hub-dump Parquet per snapshot into ``out``; return the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    hub = generate(cfg)
    rng = np.random.default_rng(cfg.seed + 1)
    cumulative = np.zeros(hub.ids.size, dtype=np.int64)
    tags = _tags(hub)
    paths = []
    for k, snap in enumerate(hub.snapshots):
        table = snapshot_table(hub, k, rng, cumulative, tags)
        path = out / f"SIMULATED-hub-{snap.isoformat()}.parquet"
        # Row groups of 250k models, written one by one: the encoder holds one at a time.
        with pq.ParquetWriter(path, table.schema, compression="zstd") as writer:
            for start in range(0, max(table.num_rows, 1), ROW_GROUP):
                writer.write_table(table.slice(start, ROW_GROUP))
        del table
        paths.append(path)
    (out / "README.SIMULATED.txt").write_text(
        "These files are a SIMULATED Hugging Face Hub generated by `modelatlas synth` "
        f"(models={cfg.models}, snapshots={cfg.snapshots}, seed={cfg.seed}).\n"
        "They are not real data. See docs/synth.md for how they are calibrated.\n",
        encoding="utf-8",
    )
    return paths
