"""A Hub model id as a :class:`Subject`: from the store, or live from the Hub API.

From the store: the ``models`` row (licence, gating, dates) plus, when the live
crawler has fetched them, the ``model_details`` (card data, file list, config).
Online (``--online``): one ``GET {endpoint}/api/models/{id}?blobs=true`` through
:class:`modelatlas.sources.hub_api.HubClient` (bounded retries, never leaves the
endpoint host, honours ``HF_ENDPOINT`` and ``HF_TOKEN``).
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from modelatlas import settings
from modelatlas.catalog import bases as bases_catalog
from modelatlas.check.subject import FileEntry, Subject, as_list, card_license, infer_relation
from modelatlas.errors import NetworkError, NotFoundError
from modelatlas.sources import hubfields
from modelatlas.store.db import Store
from modelatlas.store.tagsql import parent_ids

if TYPE_CHECKING:
    from modelatlas.queries._engine import Reader

RELATION_TAGS = ("finetune", "adapter", "quantized", "merge")


_TABLES: dict[tuple[int, str], bool] = {}


def table_exists(store: Store, name: str) -> bool:
    """Whether the store has table ``name`` (a present table is remembered per
    connection: tables are created by migrations, never dropped while open)."""
    key = (id(store.con), name)
    if key in _TABLES:
        return True
    found = bool(store.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]))
    if found:
        _TABLES[key] = True
    return found


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def files_of(siblings: Any) -> list[FileEntry]:
    """``siblings`` of a ModelInfo ([{rfilename, size}]) as file entries."""
    out: list[FileEntry] = []
    for s in siblings if isinstance(siblings, list) else []:
        if isinstance(s, dict) and isinstance(s.get("rfilename"), str):
            size = s.get("size")
            lfs = s.get("lfs")
            sha = lfs.get("sha256") if isinstance(lfs, dict) else None
            sha = sha if isinstance(sha, str) else None
            out.append(FileEntry(s["rfilename"], size if isinstance(size, int) else None,
                                 sha if sha and len(sha) == 64 else None))
    return out


def bases_from_tags(tags: list[str]) -> tuple[list[str], str | None]:
    """Base models named by ``base_model:[relation:]id`` tags, and the relation."""
    bases: list[str] = []
    relation: str | None = None
    for t in tags:
        if not t.startswith("base_model:"):
            continue
        rest = t[len("base_model:"):]
        if rest.endswith(("…", "...")):  # cut by the source: complete it only if unique
            head, _, tail = rest.partition(":")
            completed = bases_catalog.complete_cut(tail if head in RELATION_TAGS else rest)
            if completed is None:
                continue
            rest = f"{head}:{completed}" if head in RELATION_TAGS and tail else completed
        head, _, tail = rest.partition(":")
        if tail and head in RELATION_TAGS:
            relation = relation or head
            rest = tail
        if rest and rest not in bases:
            bases.append(rest)
    return bases, relation


def from_record(rec: dict[str, Any], provenance: str) -> Subject:
    """A Subject from a Hub ModelInfo JSON object (``/api/models/{id}``)."""
    model_id = str(hubfields.pick(rec, hubfields.ALIASES["id"]) or "")
    card = hubfields.card(rec)
    tags = [str(t) for t in rec.get("tags") or [] if isinstance(t, str)]
    config = rec.get("config") if isinstance(rec.get("config"), dict) else {}
    files = files_of(rec.get("siblings"))
    lic, lic_name, lic_link = card_license(card)
    state = "declared"
    if lic is None:
        lic = next((t.split(":", 1)[1] for t in tags if t.startswith("license:")), None)
        if lic is not None and lic.endswith(("…", "...")):
            completed = _complete_cut_licence(lic)
            lic, state = (completed, "declared") if completed else (None, "cut")
        elif lic is None:
            state = "cut" if any(t.startswith(("license:", "licen")) and t.endswith(
                ("…", "...")) for t in tags) else "none"
    bases = as_list(card.get("base_model"))
    tag_bases, tag_rel = bases_from_tags(tags)
    bases = parent_ids(bases + [b for b in tag_bases if b not in bases])
    relation = None
    if bases:
        relation = tag_rel if tag_rel and not card.get("base_model_relation") else infer_relation(
            card, files, tags, len(bases))
    gated = hubfields.as_text(rec.get("gated"))
    org = rec.get("author") if isinstance(rec.get("author"), str) else None
    notes: list[str] = []
    if rec.get("disabled") is True:
        notes.append("the Hub reports this repo as disabled")
    return Subject(
        id=model_id,
        provenance=provenance,
        card=card,
        config=dict(config or {}),
        files=files,
        license_raw=lic,
        license_name=lic_name,
        license_link=lic_link,
        base_models=bases,
        base_relation=relation,
        org=org or (model_id.split("/", 1)[0] if "/" in model_id else None),
        created_at=hubfields.as_text(hubfields.pick(rec, hubfields.ALIASES["created_at"])),
        gated=gated,
        link=f"{settings.get('hf_endpoint').rstrip('/')}/{model_id}",
        sha=rec.get("sha") if isinstance(rec.get("sha"), str) else None,
        tags=tags,
        notes=notes,
        license_state=state,
    )


def _complete_cut_licence(cut: str) -> str | None:
    """The one licence a cut ``license:`` tag can be (``apac…`` -> apache-2.0), else None."""
    from modelatlas.licenses import complete_truncated

    try:
        return complete_truncated(cut)
    except Exception:  # the licence catalog must not break a check
        return None


INTERACTIVE_ATTEMPTS = 3
INTERACTIVE_MAX_WAIT = 30.0


def fetch(model_id: str, endpoint: str | None = None) -> dict[str, Any]:
    """The live ModelInfo of ``model_id`` (NotFoundError when the Hub says it is not
    there, the client's typed errors for gated/disabled/refused, NetworkError otherwise).

    A person is waiting, so the crawler's patient retry policy is cut down (at most
    3 attempts, 30 s per wait); ``MODELATLAS_HTTP_*`` still tune it.
    """
    from modelatlas.sources.hub_api import HubClient, RetryPolicy

    ep = (endpoint or settings.get("hf_endpoint")).rstrip("/")
    env = RetryPolicy.from_env()
    policy = dataclasses.replace(env, attempts=min(env.attempts, INTERACTIVE_ATTEMPTS),
                                 max_wait=min(env.max_wait, INTERACTIVE_MAX_WAIT))
    try:
        # The client resolves the token as huggingface_hub does and maps the Hub's
        # answers: RepoNotFoundError (a NotFoundError) for 401/404/RepoNotFound.
        with HubClient(ep, policy=policy) as client:
            return client.model_info(model_id)
    except NetworkError as exc:
        cause = str(exc).split("; the checkpoint")[0]
        raise NetworkError(f"cannot fetch {model_id} from {ep}: {cause}") from None


def online(model_id: str, endpoint: str | None = None) -> Subject:
    """A Subject fetched live from the Hub API."""
    subject = from_record(fetch(model_id, endpoint), "hub")
    ep = (endpoint or settings.get("hf_endpoint")).rstrip("/")
    subject.link = f"{ep}/{subject.id or model_id}"
    subject.id = subject.id or model_id
    return subject


def from_store(reader: Reader, model_id: str) -> Subject:
    """A Subject from the store's ``models`` row and ``model_details`` (if fetched).

    The id is resolved by the lineage module (:func:`~modelatlas.lineage.describe.
    resolve_id`: exact spelling first, else case-insensitive), so ``check`` and
    ``lineage`` name the same model; an id known only from lineage edges is a
    lineage node (:func:`lineage_node`).
    """
    from modelatlas.lineage.describe import resolve_id

    try:
        mid = resolve_id(reader, model_id)
    except NotFoundError:
        raise NotFoundError(f"model {model_id} is not in the store: ingest it, pass "
                            "--online, or give a folder") from None
    rows = reader.rows(
        "SELECT id, org, created_at, release_date, license_raw, license_name, license_link,"
        " license_id, gated, tags, license_origin, truncated_tags FROM models"
        " WHERE id = $id LIMIT 1", {"id": mid})
    if not rows:
        return lineage_node(mid)
    m = rows[0]
    rec: dict[str, Any] = {"id": m["id"], "author": m["org"], "tags": list(m["tags"] or [])}
    has_details = False
    if table_exists(reader.store, "model_details"):
        det = reader.rows(
            "SELECT sha, card_data, siblings, config, gated FROM model_details"
            " WHERE model_id = $id", {"id": m["id"]})
        if det:
            d = det[0]
            has_details = True
            rec.update({"sha": d["sha"], "cardData": _json(d["card_data"]) or {},
                        "siblings": _json(d["siblings"]) or [],
                        "config": _json(d["config"]) or {}, "gated": d["gated"]})
    subject = from_record(rec, "store")
    subject.license_raw = m["license_raw"] or subject.license_raw
    subject.license_name = m["license_name"] or subject.license_name
    subject.license_link = m["license_link"] or subject.license_link
    subject.license_id = m["license_id"]
    cut = [t for t in (m.get("truncated_tags") or []) if str(t).startswith(("license:", "lic"))]
    if m.get("license_origin") == "cut-unmapped" or (cut and not subject.license_raw and (
            subject.license_id in (None, "unknown"))):
        subject.license_state = "cut"
        shown = cut[0] if cut else "license:…"
        subject.notes.append(f"the source cut this model's licence tag ({shown}): its licence "
                             "is unknown, not absent")
    elif subject.license_raw or (subject.license_id not in (None, "unknown")):
        subject.license_state = "declared"
    elif not rec["tags"] and not has_details:
        # Listed without any tag or card (the trending files carry none): the source
        # did not say, which is not "none declared" (every Hub repo has tags).
        subject.license_state = "untold"
        subject.notes.append("the source listed this model without tags or a card: its "
                             "licence is unknown, not absent")
    else:
        subject.license_state = "none"
    subject.gated = m["gated"] or subject.gated
    subject.created_at = m["created_at"].isoformat() if m["created_at"] else None
    subject.release_date = m["release_date"].isoformat() if m["release_date"] else None
    if not has_details:
        subject.notes.append(
            "no file list or config in the store for this model (crawl details, or use "
            "--online): security checks limited")
    return subject


def lineage_node(mid: str) -> Subject:
    """A model the store knows only from lineage edges (a base others name): what is
    known is its id and its place in the graph, not its licence or gating."""
    return Subject(
        id=mid, provenance="lineage", org=mid.split("/", 1)[0] if "/" in mid else None,
        link=f"{settings.get('hf_endpoint').rstrip('/')}/{mid}", license_state="not-in-store",
        notes=["known only as a lineage node (other models name it as their base): the store "
               "has no metadata for it (licence, gating, files); use --online for those"])
